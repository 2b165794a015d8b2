/**
 * The continuation of a limited `range`: where the next page starts and the revision the whole
 * listing is read at, so every page shows the same snapshot (as Kubernetes' `continue` does).
 * The token is opaque to callers: base64url of a small JSON object.
 */

/** What a continuation token carries. */
export interface Continuation {
  /** The first key of the next page (inclusive). */
  startKey: string
  /** The revision every page is read at. */
  revision: number
}

/** Encodes a continuation as an opaque token. */
export function encodeContinue(c: Continuation): string {
  return Buffer.from(JSON.stringify({ k: c.startKey, r: c.revision })).toString('base64url')
}

/** Decodes a token; throws a readable error when it was not made by `encodeContinue`. */
export function decodeContinue(token: string): Continuation {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown
    if (
      parsed &&
      typeof parsed === 'object' &&
      typeof (parsed as { k: unknown }).k === 'string' &&
      Number.isInteger((parsed as { r: unknown }).r)
    ) {
      const { k, r } = parsed as { k: string; r: number }
      return { startKey: k, revision: r }
    }
  } catch {
    // fall through to the readable error below
  }
  throw new InvalidContinueError(token)
}

/** A `continue` token that this store did not make. The API server answers 400 BadRequest. */
export class InvalidContinueError extends Error {
  constructor(readonly token: string) {
    super(`invalid continue token: ${JSON.stringify(token.slice(0, 64))}`)
    this.name = 'InvalidContinueError'
  }
}

/** The smallest key greater than every key that starts with `key` (for "the next page after key"). */
export function keyAfter(key: string): string {
  return key + '\u0000'
}
