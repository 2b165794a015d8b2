/**
 * Small pieces the kubelet's HTTP servers share: plain-text errors as kubelet writes them, JSON
 * answers, query parsing that fails with a 400, and bearer-token checks in constant time.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import type { ServerResponse } from 'node:http'

/** A failure with the HTTP status the kubelet answers it with (as plain text). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string
  ) {
    super(message)
    this.name = 'HttpError'
  }
}

/** Writes `err` as kubelet does: the status and the message as text/plain. */
export function sendHttpError(res: ServerResponse, err: unknown): void {
  const status = err instanceof HttpError ? err.status : 500
  const message = err instanceof Error ? err.message : String(err)
  if (res.headersSent) {
    res.destroy()
    return
  }
  const body = message + '\n'
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'X-Content-Type-Options': 'nosniff',
    'Content-Length': Buffer.byteLength(body)
  })
  res.end(body)
}

/** Writes a JSON answer. */
export function sendJson(res: ServerResponse, body: unknown, status = 200): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text)
  })
  res.end(text)
}

/** `true`/`1`/bare → true, `false`/`0` → false; anything else a 400. */
export function boolQuery(q: URLSearchParams, name: string): boolean | undefined {
  const v = q.get(name)
  if (v === null) return undefined
  if (v === '' || v === 'true' || v === '1') return true
  if (v === 'false' || v === '0') return false
  throw new HttpError(
    400,
    `invalid value for ${name}: ${JSON.stringify(v)} (expected true or false)`
  )
}

/** An integer parameter at least `min`; anything else a 400. */
export function intQuery(q: URLSearchParams, name: string, min: number): number | undefined {
  const v = q.get(name)
  if (v === null || v === '') return undefined
  if (!/^-?\d+$/.test(v)) {
    throw new HttpError(
      400,
      `invalid value for ${name}: ${JSON.stringify(v)} (expected an integer)`
    )
  }
  const n = Number(v)
  if (n < min) throw new HttpError(400, `invalid value for ${name}: ${n} (must be at least ${min})`)
  return n
}

/**
 * A checker of `Authorization: Bearer <token>` against `allowed`. Every allowed token's digest
 * is compared with timingSafeEqual, so the time taken says nothing about how close a guess was.
 */
export function bearerChecker(allowed: string[]): (header: string | undefined) => boolean {
  const digests = allowed.filter(Boolean).map(sha256)
  return (header) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')
    if (!match) return false
    const presented = sha256(match[1])
    let ok = false
    for (const d of digests) ok = timingSafeEqual(presented, d) || ok
    return ok
  }
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest()
}
