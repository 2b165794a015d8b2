/**
 * `crictl` inside a node: the familiar commands over the kubelet's CRI socket
 * (src/agent/server/cri-socket.ts), with crictl's tables and ID prefixes. The agent's entry point
 * calls `runCrictl` when it is invoked as `crictl`.
 */
import type { ContainerStatus, ImageInfo, PodSandboxStatus } from '../runtime/types'
import { criGet, criGetJson, CriClientError } from './cri-client'
import { ago, containerStateWord, humanSize, sandboxStateWord, shortId, table } from './format'

/** Where crictl talks and writes. */
export interface CrictlOptions {
  /** The CRI socket's path. */
  socket: string
  out: NodeJS.WritableStream
  err: NodeJS.WritableStream
}

/** The usage text of `crictl --help`. */
export const CRICTL_USAGE = `NAME:
   crictl - client for the KubeDesk kubelet's container runtime

USAGE:
   crictl command [command options] [arguments...]

COMMANDS:
   ps [-a]                  List containers (running only, unless -a)
   pods                     List pod sandboxes
   images                   List images
   logs [-f] [--tail N] ID  Fetch the logs of a container
   inspect ID               Display the status of a container
   inspectp ID              Display the status of a pod sandbox
   version                  Display runtime version information
   help, --help, -h         Show this help

IDs may be given by any unique prefix (crictl shows the first 13 characters).
`

/** JSON objects come back with dates as strings. */
type Wire<T> = { [K in keyof T]: T[K] extends Date | undefined ? string : T[K] }

/** A parsed command line: flags (with values where they take one) and positional arguments. */
interface Parsed {
  flags: Map<string, string | true>
  args: string[]
}

function parseArgs(argv: string[], withValue: Set<string>): Parsed {
  const flags = new Map<string, string | true>()
  const args: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--') {
      args.push(...argv.slice(i + 1))
      break
    }
    if (!a.startsWith('-') || a === '-') {
      args.push(a)
      continue
    }
    const [name, inline] = a.replace(/^--?/, '').split(/=(.*)/s, 2)
    if (withValue.has(name)) {
      const value = inline ?? argv[++i]
      if (value === undefined) throw new UsageError(`flag needs an argument: ${a}`)
      flags.set(name, value)
    } else {
      flags.set(name, true)
    }
  }
  return { flags, args }
}

/** A mistake on the command line: printed with a hint to --help, exit code 1. */
class UsageError extends Error {}

function only(parsed: Parsed, allowed: string[]): void {
  for (const name of parsed.flags.keys()) {
    if (!allowed.includes(name)) throw new UsageError(`flag provided but not defined: -${name}`)
  }
}

function oneId(parsed: Parsed, command: string): string {
  if (parsed.args.length !== 1) throw new UsageError(`${command} needs exactly one ID`)
  return parsed.args[0]
}

async function ps(o: CrictlOptions, argv: string[]): Promise<void> {
  const p = parseArgs(argv, new Set())
  only(p, ['a', 'all'])
  const all = p.flags.has('a') || p.flags.has('all')
  const [containers, pods] = await Promise.all([
    criGetJson<Wire<ContainerStatus>[]>(o.socket, `/containers${all ? '?all=1' : ''}`),
    criGetJson<Wire<PodSandboxStatus>[]>(o.socket, '/pods')
  ])
  const podName = new Map(pods.map((s) => [s.id, s.metadata.name]))
  const rows = [...containers]
    .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt))
    .map((c) => [
      shortId(c.id),
      c.image,
      ago(c.createdAt),
      containerStateWord(c.state),
      c.labels?.['io.kubernetes.container.name'] ?? c.name,
      String(c.attempt),
      shortId(c.podSandboxId),
      podName.get(c.podSandboxId) ?? ''
    ])
  o.out.write(
    table(['CONTAINER', 'IMAGE', 'CREATED', 'STATE', 'NAME', 'ATTEMPT', 'POD ID', 'POD'], rows)
  )
}

async function podsCommand(o: CrictlOptions, argv: string[]): Promise<void> {
  only(parseArgs(argv, new Set()), [])
  const pods = await criGetJson<Wire<PodSandboxStatus>[]>(o.socket, '/pods')
  const rows = [...pods]
    .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt))
    .map((s) => [
      shortId(s.id),
      ago(s.createdAt),
      sandboxStateWord(s.state),
      s.metadata.name,
      s.metadata.namespace,
      String(s.metadata.attempt),
      '(default)'
    ])
  o.out.write(
    table(['POD ID', 'CREATED', 'STATE', 'NAME', 'NAMESPACE', 'ATTEMPT', 'RUNTIME'], rows)
  )
}

/** `nginx:1.25` → [nginx, 1.25]; `host:5000/app` → [host:5000/app, latest]. */
function splitTag(ref: string): [string, string] {
  const at = ref.lastIndexOf(':')
  if (at > ref.lastIndexOf('/')) return [ref.slice(0, at), ref.slice(at + 1)]
  return [ref, 'latest']
}

async function images(o: CrictlOptions, argv: string[]): Promise<void> {
  only(parseArgs(argv, new Set()), [])
  const list = await criGetJson<ImageInfo[]>(o.socket, '/images')
  const rows: string[][] = []
  for (const image of list) {
    const tags = image.repoTags.length > 0 ? image.repoTags : ['<none>:<none>']
    for (const ref of tags) {
      const [repo, tag] = splitTag(ref)
      rows.push([repo, tag, shortId(image.id), humanSize(image.sizeBytes)])
    }
  }
  o.out.write(table(['IMAGE', 'TAG', 'IMAGE ID', 'SIZE'], rows))
}

async function logs(o: CrictlOptions, argv: string[]): Promise<void> {
  const p = parseArgs(argv, new Set(['tail']))
  only(p, ['f', 'follow', 'tail', 't', 'timestamps'])
  const id = oneId(p, 'logs')
  const q = new URLSearchParams()
  if (p.flags.has('f') || p.flags.has('follow')) q.set('follow', '1')
  if (p.flags.has('t') || p.flags.has('timestamps')) q.set('timestamps', '1')
  const tail = p.flags.get('tail')
  if (typeof tail === 'string' && tail !== '-1') {
    if (!/^\d+$/.test(tail)) throw new UsageError(`invalid value "${tail}" for flag --tail`)
    q.set('tail', tail)
  }
  const qs = q.toString()
  const res = await criGet(
    o.socket,
    `/containers/${encodeURIComponent(id)}/logs${qs ? `?${qs}` : ''}`
  )
  await new Promise<void>((resolve, reject) => {
    res.on('data', (chunk: Buffer) => o.out.write(chunk))
    res.on('end', resolve)
    res.on('error', reject)
  })
}

async function inspect(o: CrictlOptions, argv: string[], kind: 'containers' | 'pods') {
  const p = parseArgs(argv, new Set(['o', 'output']))
  only(p, ['o', 'output'])
  const id = oneId(p, kind === 'pods' ? 'inspectp' : 'inspect')
  const status = await criGetJson<object>(o.socket, `/${kind}/${encodeURIComponent(id)}`)
  o.out.write(JSON.stringify({ status, info: {} }, null, 2) + '\n')
}

async function version(o: CrictlOptions): Promise<void> {
  const v = await criGetJson<{
    version: string
    apiVersion: string
    runtimeName: string
    runtimeVersion: string
  }>(o.socket, '/version')
  o.out.write(
    `Version:  ${v.version}\nRuntimeName:  ${v.runtimeName}\n` +
      `RuntimeVersion:  ${v.runtimeVersion}\nRuntimeApiVersion:  ${v.apiVersion}\n`
  )
}

/** Runs one crictl command line (without the program name); resolves with the exit code. */
export async function runCrictl(argv: string[], opts: CrictlOptions): Promise<number> {
  const [command, ...rest] = argv
  try {
    switch (command) {
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        opts.out.write(CRICTL_USAGE)
        return 0
      case 'ps':
        await ps(opts, rest)
        return 0
      case 'pods':
        await podsCommand(opts, rest)
        return 0
      case 'images':
      case 'img':
        await images(opts, rest)
        return 0
      case 'logs':
        await logs(opts, rest)
        return 0
      case 'inspect':
        await inspect(opts, rest, 'containers')
        return 0
      case 'inspectp':
        await inspect(opts, rest, 'pods')
        return 0
      case 'version':
        await version(opts)
        return 0
      default:
        throw new UsageError(`no such command: ${command}`)
    }
  } catch (err) {
    if (err instanceof UsageError) {
      opts.err.write(`crictl: ${err.message} (see 'crictl --help')\n`)
    } else if (err instanceof CriClientError) {
      opts.err.write(`crictl: ${err.message}\n`)
    } else {
      opts.err.write(`crictl: ${err instanceof Error ? err.message : String(err)}\n`)
    }
    return 1
  }
}
