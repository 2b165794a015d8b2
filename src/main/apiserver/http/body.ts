/**
 * Request bodies: read with a size limit (3 MiB, kube-apiserver's limit for a write; 413 past
 * it) and decoded by Content-Type — JSON, or YAML (`application/yaml`, `application/apply-patch+yaml`).
 * Malformed input answers 400 with the parser's words.
 */
import type { IncomingMessage } from 'node:http'
import { parse as parseYaml } from 'yaml'
import { ApiError, badRequest } from '../api-errors'
import { decodeProtobuf, PROTOBUF_MEDIA_TYPE } from './protobuf-decode'

/** The largest request body accepted. */
export const MAX_BODY_BYTES = 3 * 1024 * 1024

/** The media type of a Content-Type header, lower-case, without parameters. */
export function mediaTypeOf(header: string | undefined): string {
  return (header ?? '').split(';')[0].trim().toLowerCase()
}

/** Reads a whole body; 413 RequestEntityTooLarge past `limit` (the rest is drained, not read). */
export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0)
    if (declared > limit) {
      req.resume()
      reject(tooLarge(limit))
      return
    }
    const chunks: Buffer[] = []
    let size = 0
    let failed = false
    req.on('data', (chunk: Buffer) => {
      if (failed) return
      size += chunk.length
      if (size > limit) {
        failed = true
        reject(tooLarge(limit))
        return
      }
      chunks.push(chunk)
    })
    req.on('end', () => {
      if (!failed) resolve(Buffer.concat(chunks))
    })
    req.on('error', (err) => {
      if (!failed) reject(err)
      failed = true
    })
  })
}

function tooLarge(limit: number): ApiError {
  return new ApiError(
    413,
    'RequestEntityTooLarge',
    `the request body is too large: limit is ${limit} bytes`
  )
}

const JSON_TYPES = new Set([
  'application/json',
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json'
])
const YAML_TYPES = new Set([
  'application/yaml',
  'application/x-yaml',
  'text/yaml',
  'application/apply-patch+yaml'
])

/** Deeper documents are refused: no Kubernetes object nests this far, and walking one costs stack. */
export const MAX_BODY_DEPTH = 100

/** 400 when `value` nests deeper than MAX_BODY_DEPTH (checked without recursion). */
function checkDepth(value: unknown): void {
  // Two parallel stacks, and only containers pushed: every write body passes through here, and a
  // tuple per node made this cost more than parsing the JSON.
  const containers: object[] = []
  const depths: number[] = []
  if (value && typeof value === 'object') {
    containers.push(value)
    depths.push(1)
  }
  while (containers.length > 0) {
    const v = containers.pop() as object
    const depth = depths.pop() as number
    if (depth > MAX_BODY_DEPTH)
      throw badRequest(`the request body nests deeper than ${MAX_BODY_DEPTH} levels`)
    for (const child of Object.values(v)) {
      if (child && typeof child === 'object') {
        containers.push(child as object)
        depths.push(depth + 1)
      }
    }
  }
}

/**
 * The YAML parser exhausts memory on documents tens of thousands of levels deep (flow brackets or
 * indentation), before any depth check on its result could run; such text is refused unparsed.
 * Brackets are counted without regard to quoting, so the bound is far above any real document.
 */
const MAX_YAML_NESTING = 2000

function checkYamlNesting(text: string): void {
  let depth = 0
  let lineStart = true
  let indent = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === 10) {
      lineStart = true
      indent = 0
      continue
    }
    if (lineStart && (c === 32 || c === 9)) {
      if (++indent > MAX_YAML_NESTING) break
      continue
    }
    lineStart = false
    if (c === 91 || c === 123) {
      if (++depth > MAX_YAML_NESTING) break
    } else if ((c === 93 || c === 125) && depth > 0) depth--
  }
  if (depth > MAX_YAML_NESTING || indent > MAX_YAML_NESTING) {
    throw badRequest(`the request body nests deeper than ${MAX_BODY_DEPTH} levels`)
  }
}

/** Decodes a body; `undefined` for an empty one. 415 for a media type that is neither JSON nor YAML. */
export function decodeBody(body: Buffer, contentType: string | undefined): unknown {
  if (body.length === 0) return undefined
  const media = mediaTypeOf(contentType) || 'application/json'
  const text = body.toString('utf8')
  if (JSON_TYPES.has(media)) {
    try {
      const value = JSON.parse(text) as unknown
      checkDepth(value)
      return value
    } catch (err) {
      if (err instanceof ApiError) throw err
      throw badRequest(`error decoding JSON: ${(err as Error).message}`)
    }
  }
  if (YAML_TYPES.has(media)) {
    checkYamlNesting(text)
    try {
      const value = parseYaml(text, { maxAliasCount: 100 }) as unknown
      checkDepth(value)
      return value
    } catch (err) {
      if (err instanceof ApiError) throw err
      throw badRequest(`error converting YAML to JSON: ${(err as Error).message.split('\n')[0]}`)
    }
  }
  if (media === PROTOBUF_MEDIA_TYPE) return decodeProtobuf(body)
  throw new ApiError(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf`
  )
}
