/** Reading dockerode's errors: the engine's HTTP status and its own words. */

type DockerError = Error & { statusCode?: number; json?: { message?: string } }

/** The engine's HTTP status of a failed call (404 no such container, 409 conflict, …). */
export function statusCodeOf(err: unknown): number | undefined {
  return (err as DockerError)?.statusCode
}

/** Docker's own words from a dockerode error ("No such image: …"), without the HTTP prefix. */
export function dockerMessage(err: unknown): string {
  const e = err as DockerError
  if (e?.json?.message) return e.json.message
  // Streamed answers (pull, import) carry the engine's words only inside dockerode's message.
  return (e?.message ?? String(err)).replace(/^\(HTTP code \d+\) [^-]*- /, '').trim()
}
