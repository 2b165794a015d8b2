/**
 * Builds `protobuf-messages.json`, the wire layout (field numbers, names, types) of the built-in
 * kinds' protobuf messages, from Kubernetes' `generated.proto` files. kubectl's typed clients
 * (`kubectl create deployment|configmap|namespace|secret …`) send request bodies as protobuf;
 * this table is what lets the server read them. Only messages reachable from the served kinds
 * are kept.
 *
 *   npx tsx src/main/apiserver/http/protobuf-generate.ts <kubernetes/api checkout> <kubernetes/apimachinery checkout>
 */
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'

/** One field: [json name, type, repeated]; type is a scalar, a full message name or `map:K:V`. */
export type FieldLayout = [name: string, type: string, repeated: 0 | 1]

/** Messages by full name, each with its fields by number. */
export type MessageLayouts = Record<string, Record<string, FieldLayout>>

const SCALARS = new Set([
  'string',
  'bytes',
  'bool',
  'int32',
  'int64',
  'uint32',
  'uint64',
  'double',
  'float'
])

function protoFiles(dir: string): string[] {
  const out: string[] = []
  for (const name of readdirSync(dir)) {
    if (name === '.git' || name === 'vendor') continue
    const path = join(dir, name)
    if (statSync(path).isDirectory()) out.push(...protoFiles(path))
    else if (name === 'generated.proto') out.push(path)
  }
  return out
}

function qualify(type: string, pkg: string): string {
  if (SCALARS.has(type)) return type
  return type.startsWith('.') ? type.slice(1) : `${pkg}.${type}`
}

/** Parses the subset of proto2 `generated.proto` files use: top-level messages, no nesting. */
export function parseProto(text: string, into: MessageLayouts): void {
  const pkg = /^package\s+([\w.]+);/m.exec(text)?.[1] ?? ''
  const body = text.replace(/\/\/.*$/gm, '')
  for (const m of body.matchAll(/^message\s+(\w+)\s*\{([^}]*)\}/gm)) {
    const fields: Record<string, FieldLayout> = {}
    for (const f of m[2].matchAll(/^\s*(optional|repeated)\s+([\w.]+)\s+(\w+)\s*=\s*(\d+)/gm)) {
      fields[f[4]] = [f[3], qualify(f[2], pkg), f[1] === 'repeated' ? 1 : 0]
    }
    for (const f of m[2].matchAll(
      /^\s*map\s*<\s*([\w.]+)\s*,\s*([\w.]+)\s*>\s+(\w+)\s*=\s*(\d+)/gm
    )) {
      fields[f[4]] = [f[3], `map:${qualify(f[1], pkg)}:${qualify(f[2], pkg)}`, 0]
    }
    into[`${pkg}.${m[1]}`] = fields
  }
}

/** The messages reachable from `roots`. */
export function reachable(all: MessageLayouts, roots: string[]): MessageLayouts {
  const out: MessageLayouts = {}
  const queue = [...roots]
  while (queue.length > 0) {
    const name = queue.pop() as string
    if (out[name] || !all[name]) continue
    out[name] = all[name]
    for (const [, type] of Object.values(all[name])) {
      for (const t of type.startsWith('map:') ? type.split(':').slice(1) : [type]) {
        if (!SCALARS.has(t)) queue.push(t)
      }
    }
  }
  return out
}

/** Root messages: every served kind plus the bodies of subresources and deletes. */
export const ROOTS = [
  ...['Namespace', 'Node', 'Pod', 'Service', 'Endpoints', 'Event', 'ConfigMap', 'Secret'].map(
    (k) => `k8s.io.api.core.v1.${k}`
  ),
  'k8s.io.api.core.v1.ServiceAccount',
  'k8s.io.api.core.v1.Binding',
  ...['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet'].map((k) => `k8s.io.api.apps.v1.${k}`),
  'k8s.io.api.batch.v1.Job',
  'k8s.io.api.batch.v1.CronJob',
  'k8s.io.api.coordination.v1.Lease',
  'k8s.io.api.discovery.v1.EndpointSlice',
  'k8s.io.api.events.v1.Event',
  'k8s.io.api.autoscaling.v1.Scale',
  'k8s.io.api.policy.v1.Eviction',
  'k8s.io.apimachinery.pkg.apis.meta.v1.DeleteOptions'
]

function main(): void {
  const [apiDir, machineryDir] = process.argv.slice(2)
  if (!apiDir || !machineryDir) {
    console.error('usage: protobuf-generate <kubernetes/api dir> <kubernetes/apimachinery dir>')
    process.exit(2)
  }
  const all: MessageLayouts = {}
  for (const dir of [apiDir, machineryDir]) {
    for (const file of protoFiles(dir)) {
      void relative(dir, file)
      parseProto(readFileSync(file, 'utf8'), all)
    }
  }
  const layouts = reachable(all, ROOTS)
  const out = join(__dirname, 'protobuf-messages.json')
  writeFileSync(out, JSON.stringify(layouts) + '\n')
  console.log(`${Object.keys(layouts).length} messages → ${out}`)
}

if (require.main === module) main()
