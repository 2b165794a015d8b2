/**
 * What controllers ask of a failed API call (apimachinery's `apierrors.IsNotFound`,
 * `IsConflict`) and the text an event or log line shows of it.
 */
import { ApiError } from '../../apiserver/api-errors'

/** The object is not there (404): for a delete or a release, the work is done. */
export function isNotFound(err: unknown): boolean {
  return err instanceof ApiError && err.code === 404
}

/** The write lost a race (409): the object changed or already exists; the next sync retries. */
export function isConflict(err: unknown): boolean {
  return err instanceof ApiError && err.code === 409
}

/** An error's message, as an event's `Error creating: …` shows it. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
