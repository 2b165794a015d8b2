/**
 * Answers: content negotiation over the Accept header (JSON or YAML; server-side Tables and
 * partial object metadata where the client asks for them), and errors as Kubernetes `Status`.
 */
import type { ServerResponse } from 'node:http'
import { stringify as toYaml } from 'yaml'
import { ApiError } from '../api-errors'
import { writtenJson } from '../storage/object-storage'

/** How to render an answer. */
export interface Rendering {
  format: 'json' | 'yaml'
  /** A server-side transformation the client asked for (get, list and watch only). */
  as?: 'Table' | 'PartialObjectMetadata' | 'PartialObjectMetadataList'
  /** meta.k8s.io version of the transformation. */
  version?: 'v1' | 'v1beta1'
}

const JSON_RENDERING: Rendering = { format: 'json' }

interface MediaRange {
  type: string
  params: Record<string, string>
}

function parseAccept(header: string): MediaRange[] {
  return header
    .split(',')
    .map((part) => {
      const [type, ...rest] = part.split(';').map((s) => s.trim())
      const params: Record<string, string> = {}
      for (const p of rest) {
        const i = p.indexOf('=')
        if (i > 0) params[p.slice(0, i).trim().toLowerCase()] = p.slice(i + 1).trim()
      }
      return { type: type.toLowerCase(), params }
    })
    .filter((m) => m.type !== '')
}

/**
 * Picks the first acceptable media range; `transformable` says whether the endpoint can answer
 * `as=Table` or partial metadata. 406 NotAcceptable when nothing offered can be served.
 */
export function negotiate(accept: string | undefined, transformable: boolean): Rendering {
  if (!accept) return JSON_RENDERING
  for (const m of parseAccept(accept)) {
    const json = ['application/json', 'application/*', '*/*', '*'].includes(m.type)
    const yaml = m.type === 'application/yaml'
    if (!json && !yaml) continue
    const format = yaml ? 'yaml' : 'json'
    if (!m.params.as) return { format }
    if (!transformable || m.params.g !== 'meta.k8s.io') continue
    if (m.params.v !== 'v1' && m.params.v !== 'v1beta1') continue
    if (!['Table', 'PartialObjectMetadata', 'PartialObjectMetadataList'].includes(m.params.as))
      continue
    return { format, as: m.params.as as Rendering['as'], version: m.params.v }
  }
  throw new ApiError(
    406,
    'NotAcceptable',
    `only the following media types are accepted: application/json, application/yaml`
  )
}

/** Content-Type of a rendering (with the `as` parameters a client-go decoder checks). */
export function contentTypeOf(r: Rendering): string {
  const base = r.format === 'yaml' ? 'application/yaml' : 'application/json'
  return r.as ? `${base};as=${r.as};g=meta.k8s.io;v=${r.version}` : base
}

/** Sends one object. */
export function sendObject(
  res: ServerResponse,
  code: number,
  obj: unknown,
  rendering: Rendering = JSON_RENDERING,
  warnings: string[] = []
): void {
  const body = rendering.format === 'yaml' ? toYaml(obj) : (writtenJson(obj) ?? JSON.stringify(obj))
  const headers: Record<string, string | string[]> = {
    'Content-Type': contentTypeOf(rendering),
    'Cache-Control': 'no-cache, private',
    'X-Content-Type-Options': 'nosniff'
  }
  if (warnings.length > 0) headers.Warning = warnings.map((w) => `299 - ${JSON.stringify(w)}`)
  res.writeHead(code, headers)
  res.end(body)
}

/** Sends JSON already serialized. */
export function sendJsonText(res: ServerResponse, code: number, json: string): void {
  res.writeHead(code, {
    'Content-Type': 'application/json',
    'Cache-Control': 'no-cache, private',
    'X-Content-Type-Options': 'nosniff'
  })
  res.end(json)
}

// Answers larger than this are streamed in pieces of about this size.
const STREAM_CHUNK_CHARS = 1 << 20
// Pieces written ahead of the client: the next ones are encrypted while it reads the last.
const STREAM_AHEAD_BYTES = 4 * STREAM_CHUNK_CHARS

/**
 * Sends JSON made of `parts` (already serialized, concatenated in order). A small answer goes as
 * one body; a large one (a list of thousands of objects) is written in pieces of about 1 MiB as
 * the connection drains them: the client reads the first bytes while the rest is still being
 * encrypted, memory holds no copy of the whole text, and other requests get the event loop
 * between pieces.
 */
export async function sendJsonParts(
  res: ServerResponse,
  code: number,
  parts: readonly string[]
): Promise<void> {
  let total = 0
  for (const part of parts) total += part.length
  if (total <= STREAM_CHUNK_CHARS) return sendJsonText(res, code, parts.join(''))
  res.writeHead(code, {
    'Content-Type': 'application/json',
    'Cache-Control': 'no-cache, private',
    'X-Content-Type-Options': 'nosniff'
  })
  let chunk: string[] = []
  let size = 0
  for (const part of parts) {
    chunk.push(part)
    size += part.length
    if (size < STREAM_CHUNK_CHARS) continue
    res.write(chunk.join(''))
    chunk = []
    size = 0
    if (res.writableLength > STREAM_AHEAD_BYTES && !(await writable(res))) return
  }
  res.end(chunk.join(''))
}

/** Waits until `res` takes more data; false when the connection closed first. */
function writable(res: ServerResponse): Promise<boolean> {
  if (res.destroyed || res.writableEnded) return Promise.resolve(false)
  return new Promise((resolve) => {
    const done = (ok: boolean): void => {
      res.off('drain', onDrain)
      res.off('close', onClose)
      resolve(ok)
    }
    const onDrain = (): void => done(true)
    const onClose = (): void => done(false)
    res.on('drain', onDrain)
    res.on('close', onClose)
  })
}

/** Turns anything thrown into an ApiError (unknown failures are 500 InternalError). */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err
  const message = err instanceof Error ? err.message : String(err)
  return new ApiError(500, 'InternalError', `Internal error occurred: ${message}`)
}

/** Sends an error as a Status (JSON, as kube-apiserver does whatever was asked for). */
export function sendError(res: ServerResponse, err: unknown): ApiError {
  const apiError = toApiError(err)
  if (res.headersSent) {
    res.destroy()
    return apiError
  }
  sendObject(res, apiError.code, apiError.toStatus())
  return apiError
}
