/**
 * Reads Kubernetes protobuf request bodies (`application/vnd.kubernetes.protobuf`), which
 * kubectl's typed clients send for built-in kinds, into the JSON form the handlers work on.
 *
 * The envelope is the magic `k8s\0` then a runtime.Unknown (typeMeta, raw); `raw` is the kind's
 * message, read with the layouts in protobuf-messages.json. Go marshals every non-pointer field,
 * zero or not, where JSON would omit it; so empty strings and zero times and int-or-strings are
 * dropped, and zero numbers and false only for fields that are not pointers in Go (a pointer
 * field is sent only when set, so its zero is meaningful: `replicas: 0`).
 */
import { Reader, type Long } from 'protobufjs/minimal'
import { ApiError, badRequest } from '../api-errors'
import layoutsJson from './protobuf-messages.json'

type Layout = Record<string, [string, string, 0 | 1]>
const LAYOUTS = layoutsJson as unknown as Record<string, Layout>

/** The media type kubectl's typed clients send. */
export const PROTOBUF_MEDIA_TYPE = 'application/vnd.kubernetes.protobuf'

const META = 'k8s.io.apimachinery.pkg.apis.meta.v1'
const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00])

// Pointer fields (optional in Go) where an explicit zero or false means something.
const KEEP_ZERO = new Set([
  'replicas',
  'automountServiceAccountToken',
  'terminationGracePeriodSeconds',
  'backoffLimit',
  'backoffLimitPerIndex',
  'maxFailedIndexes',
  'parallelism',
  'completions',
  'suspend',
  'successfulJobsHistoryLimit',
  'failedJobsHistoryLimit',
  'revisionHistoryLimit',
  'progressDeadlineSeconds',
  'activeDeadlineSeconds',
  'ttlSecondsAfterFinished',
  'startingDeadlineSeconds',
  'immutable',
  'allowPrivilegeEscalation',
  'privileged',
  'readOnlyRootFilesystem',
  'runAsNonRoot',
  'runAsUser',
  'runAsGroup',
  'fsGroup',
  'optional',
  'defaultMode',
  'mode',
  'enableServiceLinks',
  'shareProcessNamespace',
  'setHostnameAsFQDN',
  'hostUsers',
  'allocateLoadBalancerNodePorts',
  'gracePeriodSeconds',
  'orphanDependents',
  'leaseDurationSeconds',
  'leaseTransitions',
  'ready',
  'serving',
  'terminating',
  'partition',
  'maxUnavailable',
  'maxSurge',
  'priority'
])

const INT_OR_STRING = 'k8s.io.apimachinery.pkg.util.intstr.IntOrString'
const TRUNCATED = 'truncated protobuf body'

/** A fresh protobufjs reader over one message's bytes. */
function reader(buf: Uint8Array): Reader {
  return Reader.create(buf)
}

/** Whether a reader has consumed all of its message. */
function done(r: Reader): boolean {
  return r.pos >= r.len
}

/**
 * A varint read in full as a signed 64-bit value. protobufjs returns a Long (or a lossy number
 * when long.js is missing); rebuilding the BigInt from its two halves keeps every bit, so the
 * int32/int64/bool conversions below match Go's exactly.
 */
function varint(r: Reader): bigint {
  const v: Long | number = r.int64()
  // protobufjs's short-buffer path can stop on a byte that still says "more follows" (or step
  // past the end) instead of throwing; either means the body was cut off.
  if (r.pos > r.len || (r.buf[r.pos - 1] & 0x80) !== 0) throw badRequest(TRUNCATED)
  if (typeof v === 'number') return BigInt(v)
  return BigInt.asIntN(64, (BigInt(v.high >>> 0) << 32n) | BigInt(v.low >>> 0))
}

/** A field key, read whole (not truncated to 32 bits as protobufjs's uint32 would). */
function fieldKey(r: Reader): { num: number; wire: number } {
  const key = Number(BigInt.asUintN(64, varint(r)))
  return { num: key >>> 3, wire: key & 7 }
}

/**
 * A length-delimited field as a Buffer view. The length is read as a full varint rather than
 * with `Reader#bytes`, whose uint32 length would wrap a huge length into a small one.
 */
function bytes(r: Reader): Buffer {
  const len = BigInt.asUintN(64, varint(r))
  if (len > BigInt(r.len - r.pos)) throw badRequest(TRUNCATED)
  const start = r.pos
  r.skip(Number(len))
  return Buffer.from(r.buf.buffer, r.buf.byteOffset + start, r.pos - start)
}

/** Skips a field; groups (wire types 3 and 4) are not used by Kubernetes and are refused. */
function skip(r: Reader, wire: number): void {
  if (wire === 0) varint(r)
  else if (wire === 1) r.skip(8)
  else if (wire === 2) bytes(r)
  else if (wire === 5) r.skip(4)
  else throw badRequest(`unsupported protobuf wire type ${wire}`)
}

function scalar(type: string, wire: number, r: Reader): unknown {
  switch (type) {
    case 'string':
      return bytes(r).toString('utf8')
    case 'bytes':
      return bytes(r).toString('base64')
    case 'bool':
      return varint(r) !== 0n
    case 'double':
      return r.double()
    case 'float':
      return r.float()
    default: {
      if (wire !== 0) throw badRequest(`protobuf field of type ${type} has wire type ${wire}`)
      const v = varint(r)
      return type === 'int32' ? Number(BigInt.asIntN(32, v)) : Number(v)
    }
  }
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0')
}

/** Messages with a JSON form of their own (times, quantities, int-or-string, raw JSON). */
function special(name: string, fields: Record<string, unknown>): unknown {
  switch (name) {
    case `${META}.Time`:
    case `${META}.MicroTime`: {
      const seconds = Number(fields.seconds ?? 0)
      const nanos = Number(fields.nanos ?? 0)
      if (seconds === 0 && nanos === 0) return undefined
      const iso = new Date(seconds * 1000).toISOString().slice(0, 19)
      return name.endsWith('MicroTime') ? `${iso}.${pad(Math.floor(nanos / 1000), 6)}Z` : `${iso}Z`
    }
    case 'k8s.io.apimachinery.pkg.api.resource.Quantity':
      return fields.string || undefined
    case 'k8s.io.apimachinery.pkg.util.intstr.IntOrString':
      if (Number(fields.type ?? 0) === 1) return fields.strVal || undefined
      return fields.intVal === undefined || fields.intVal === 0 ? undefined : fields.intVal
    case 'k8s.io.apimachinery.pkg.runtime.RawExtension':
    case `${META}.FieldsV1`: {
      const raw = (fields.raw ?? fields.Raw) as string | undefined
      if (!raw) return undefined
      try {
        return JSON.parse(Buffer.from(raw, 'base64').toString('utf8')) as unknown
      } catch {
        throw badRequest(`${name} holds no valid JSON`)
      }
    }
    case `${META}.Duration`:
      return fields.duration === undefined ? undefined : `${Number(fields.duration) / 1e9}s`
    default:
      return fields
  }
}

const SPECIAL = new Set([
  `${META}.Time`,
  `${META}.MicroTime`,
  'k8s.io.apimachinery.pkg.api.resource.Quantity',
  'k8s.io.apimachinery.pkg.util.intstr.IntOrString',
  'k8s.io.apimachinery.pkg.runtime.RawExtension',
  `${META}.FieldsV1`,
  `${META}.Duration`
])

function value(type: string, wire: number, r: Reader, depth: number): unknown {
  if (LAYOUTS[type] || SPECIAL.has(type)) return message(type, bytes(r), depth + 1)
  if (type.startsWith('map:')) throw badRequest('nested protobuf maps are not supported')
  return scalar(type, wire, r)
}

function message(name: string, buf: Buffer, depth: number): unknown {
  if (depth > 100) throw badRequest('the protobuf body nests too deeply')
  const layout = LAYOUTS[name] ?? {}
  const out: Record<string, unknown> = {}
  const r = reader(buf)
  while (!done(r)) {
    const { num, wire } = fieldKey(r)
    const field = layout[String(num)]
    if (!field) {
      skip(r, wire)
      continue
    }
    const [fname, type, repeated] = field
    if (type.startsWith('map:')) {
      const [, kType, vType] = type.split(':')
      const entry = reader(bytes(r))
      let k: unknown = ''
      let v: unknown
      while (!done(entry)) {
        const ek = fieldKey(entry)
        if (ek.num === 1) k = scalar(kType, ek.wire, entry)
        else if (ek.num === 2) v = value(vType, ek.wire, entry, depth)
        else skip(entry, ek.wire)
      }
      const map = (out[fname] ??= {}) as Record<string, unknown>
      map[String(k)] = v ?? (vType === 'string' || vType === 'bytes' ? '' : {})
      continue
    }
    if (repeated) {
      const list = (out[fname] ??= []) as unknown[]
      if (
        wire === 2 &&
        !LAYOUTS[type] &&
        !SPECIAL.has(type) &&
        type !== 'string' &&
        type !== 'bytes'
      ) {
        const packed = reader(bytes(r))
        while (!done(packed)) list.push(scalar(type, 0, packed))
      } else {
        list.push(value(type, wire, r, depth))
      }
      continue
    }
    out[fname] = value(type, wire, r, depth)
    // A pointer int-or-string set to 0 (`maxUnavailable: 0`) is sent; a plain one is always sent.
    if (out[fname] === undefined && type === INT_OR_STRING && KEEP_ZERO.has(fname)) out[fname] = 0
  }
  return special(name, prune(out))
}

/** Drops what Go's JSON would omit (see the module comment). */
function prune(fields: Record<string, unknown>): Record<string, unknown> {
  for (const [k, v] of Object.entries(fields)) {
    const zero = v === 0 || v === false
    if (v === undefined || v === '' || (zero && !KEEP_ZERO.has(k))) delete fields[k]
  }
  return fields
}

/** The protobuf message of a kind (`apps/v1`, `Deployment` → k8s.io.api.apps.v1.Deployment). */
function messageName(apiVersion: string, kind: string): string | undefined {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion]
  const candidates =
    group === 'meta.k8s.io' || (kind === 'DeleteOptions' && group === '')
      ? [`${META}.${kind}`]
      : [`k8s.io.api.${group ? group.replace(/\.k8s\.io$/, '') : 'core'}.${version}.${kind}`]
  return candidates.find((c) => LAYOUTS[c])
}

/** Decodes a protobuf request body into its JSON object; 400 when it is not one. */
export function decodeProtobuf(body: Buffer): Record<string, unknown> {
  if (body.length < 4 || !body.subarray(0, 4).equals(MAGIC)) {
    throw badRequest('the protobuf body does not start with the Kubernetes magic number')
  }
  try {
    return decodeUnknown(body.subarray(4))
  } catch (err) {
    if (err instanceof ApiError) throw err
    // protobufjs signals a read past the end with a RangeError and an over-long varint with a
    // plain Error; both are the client's malformed body, not a server fault.
    if (err instanceof RangeError) throw badRequest(TRUNCATED)
    if (err instanceof Error && err.message === 'invalid varint encoding') {
      throw badRequest('malformed protobuf varint')
    }
    throw err
  }
}

/** The runtime.Unknown envelope: typeMeta (apiVersion, kind) and the kind's message in raw. */
function decodeUnknown(envelope: Buffer): Record<string, unknown> {
  const r = reader(envelope)
  let apiVersion = ''
  let kind = ''
  let raw: Buffer | undefined
  while (!done(r)) {
    const key = fieldKey(r)
    if (key.num === 1 && key.wire === 2) {
      const tm = reader(bytes(r))
      while (!done(tm)) {
        const k = fieldKey(tm)
        if (k.num === 1) apiVersion = bytes(tm).toString('utf8')
        else if (k.num === 2) kind = bytes(tm).toString('utf8')
        else skip(tm, k.wire)
      }
    } else if (key.num === 2 && key.wire === 2) raw = bytes(r)
    else skip(r, key.wire)
  }
  const name = messageName(apiVersion, kind)
  if (!name)
    throw badRequest(`cannot decode protobuf for ${kind || 'an unnamed kind'} ${apiVersion}`)
  const obj = message(name, raw ?? Buffer.alloc(0), 0) as Record<string, unknown>
  return { apiVersion, kind, ...obj }
}
