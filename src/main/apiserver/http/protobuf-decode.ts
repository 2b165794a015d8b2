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
import { badRequest } from '../api-errors'
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

class Reader {
  pos = 0
  constructor(readonly buf: Buffer) {}
  done(): boolean {
    return this.pos >= this.buf.length
  }
  need(n: number): void {
    if (this.pos + n > this.buf.length) throw badRequest('truncated protobuf body')
  }
  varint(): bigint {
    let result = 0n
    let shift = 0n
    for (;;) {
      if (this.pos >= this.buf.length) throw badRequest('truncated protobuf body')
      const b = this.buf[this.pos++]
      result |= BigInt(b & 0x7f) << shift
      if ((b & 0x80) === 0) return result
      shift += 7n
      if (shift > 70n) throw badRequest('malformed protobuf varint')
    }
  }
  bytes(): Buffer {
    const len = Number(this.varint())
    if (this.pos + len > this.buf.length) throw badRequest('truncated protobuf body')
    const out = this.buf.subarray(this.pos, this.pos + len)
    this.pos += len
    return out
  }
  skip(wire: number): void {
    if (wire === 0) this.varint()
    else if (wire === 1) this.pos += 8
    else if (wire === 2) this.bytes()
    else if (wire === 5) this.pos += 4
    else throw badRequest(`unsupported protobuf wire type ${wire}`)
  }
}

function scalar(type: string, wire: number, r: Reader): unknown {
  switch (type) {
    case 'string':
      return r.bytes().toString('utf8')
    case 'bytes':
      return r.bytes().toString('base64')
    case 'bool':
      return r.varint() !== 0n
    case 'double':
      r.need(8)
      r.pos += 8
      return r.buf.readDoubleLE(r.pos - 8)
    case 'float':
      r.need(4)
      r.pos += 4
      return r.buf.readFloatLE(r.pos - 4)
    default: {
      if (wire !== 0) throw badRequest(`protobuf field of type ${type} has wire type ${wire}`)
      const v = BigInt.asIntN(64, r.varint())
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
  if (LAYOUTS[type] || SPECIAL.has(type)) return message(type, r.bytes(), depth + 1)
  if (type.startsWith('map:')) throw badRequest('nested protobuf maps are not supported')
  return scalar(type, wire, r)
}

function message(name: string, buf: Buffer, depth: number): unknown {
  if (depth > 100) throw badRequest('the protobuf body nests too deeply')
  const layout = LAYOUTS[name] ?? {}
  const out: Record<string, unknown> = {}
  const r = new Reader(buf)
  while (!r.done()) {
    const key = Number(r.varint())
    const num = key >>> 3
    const wire = key & 7
    const field = layout[String(num)]
    if (!field) {
      r.skip(wire)
      continue
    }
    const [fname, type, repeated] = field
    if (type.startsWith('map:')) {
      const [, kType, vType] = type.split(':')
      const entry = new Reader(r.bytes())
      let k: unknown = ''
      let v: unknown
      while (!entry.done()) {
        const ek = Number(entry.varint())
        if (ek >>> 3 === 1) k = scalar(kType, ek & 7, entry)
        else if (ek >>> 3 === 2) v = value(vType, ek & 7, entry, depth)
        else entry.skip(ek & 7)
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
        const packed = new Reader(r.bytes())
        while (!packed.done()) list.push(scalar(type, 0, packed))
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
  const r = new Reader(body.subarray(4))
  let apiVersion = ''
  let kind = ''
  let raw: Buffer | undefined
  while (!r.done()) {
    const key = Number(r.varint())
    if (key >>> 3 === 1 && (key & 7) === 2) {
      const tm = new Reader(r.bytes())
      while (!tm.done()) {
        const k = Number(tm.varint())
        if (k >>> 3 === 1) apiVersion = tm.bytes().toString('utf8')
        else if (k >>> 3 === 2) kind = tm.bytes().toString('utf8')
        else tm.skip(k & 7)
      }
    } else if (key >>> 3 === 2 && (key & 7) === 2) raw = r.bytes()
    else r.skip(key & 7)
  }
  const name = messageName(apiVersion, kind)
  if (!name)
    throw badRequest(`cannot decode protobuf for ${kind || 'an unnamed kind'} ${apiVersion}`)
  const obj = message(name, raw ?? Buffer.alloc(0), 0) as Record<string, unknown>
  return { apiVersion, kind, ...obj }
}
