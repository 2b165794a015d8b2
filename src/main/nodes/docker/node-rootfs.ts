/**
 * The node image's root filesystem, assembled from what this machine already has, for machines
 * that cannot pull a base image: the host's `node` binary with the shared libraries `ldd` lists
 * (and the dynamic loader), Debian's static busybox with its applet links, a minimal /etc, the
 * kubelet bundle at /kubedesk/kubelet.js and a `crictl` that runs the bundle's crictl command.
 * `docker import` of the resulting tarball gives a node image in seconds, with no network.
 */
import { execFile, spawn } from 'node:child_process'
import { chmod, copyFile, mkdir, symlink, writeFile } from 'node:fs/promises'
import { existsSync, statSync } from 'node:fs'
import { delimiter, dirname, join } from 'node:path'
import type { Readable } from 'node:stream'
import { promisify } from 'node:util'
import { NodeProviderError } from '../types'

const run = promisify(execFile)

/** Where busybox-static installs the binary the image uses. */
export const BUSYBOX_PATH = '/bin/busybox'

/** Where the kubelet bundle lives inside the node image. */
export const AGENT_PATH_IN_IMAGE = '/kubedesk/kubelet.js'

/** Where `node` lives inside an assembled image. */
export const NODE_PATH_IN_IMAGE = '/usr/local/bin/node'

/** `crictl` in the image: the kubelet bundle's crictl command. */
export const CRICTL_SCRIPT = `#!/bin/sh\nexec node ${AGENT_PATH_IN_IMAGE} crictl "$@"\n`

/** PATH inside the node image. */
export const IMAGE_PATH_ENV = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'

/**
 * The plain `node` binary to put in the image. Under Electron `process.execPath` is Electron
 * itself, so a `node` on PATH is used instead.
 */
export function hostNodeBinary(): string {
  if (!process.versions.electron) return process.execPath
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, 'node')
    if (dir && existsSync(candidate) && statSync(candidate).isFile()) return candidate
  }
  throw new NodeProviderError(
    'cannot build the node image: no `node` binary on PATH',
    'install Node.js 20 so the node image can include it'
  )
}

/** The files `ldd` says `binary` loads (libraries and the dynamic loader), as absolute paths. */
export async function sharedLibraries(binary: string): Promise<string[]> {
  let stdout: string
  try {
    ;({ stdout } = await run('ldd', [binary]))
  } catch (err) {
    // A static binary makes ldd exit 1 with "not a dynamic executable".
    const text = String((err as { stdout?: string; stderr?: string }).stderr ?? '')
    if (/not a dynamic executable|statically linked/.test(text)) return []
    throw new NodeProviderError(
      `cannot list the libraries of ${binary}: ${(err as Error).message}`,
      'the node image is assembled with `ldd` (part of glibc, libc-bin on Debian)'
    )
  }
  const files = new Set<string>()
  for (const line of stdout.split('\n')) {
    // "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x…)" or "/lib64/ld-linux-x86-64.so.2 (0x…)"
    const m = /(?:=>\s*)?(\/\S+)\s+\(0x[0-9a-f]+\)/.exec(line)
    if (m) files.add(m[1])
    if (/=>\s*not found/.test(line)) {
      throw new NodeProviderError(`a library of ${binary} is missing: ${line.trim()}`)
    }
  }
  return [...files]
}

/** Applets busybox provides, as paths relative to / (`bin/sh`, `usr/bin/env`, …). */
async function busyboxApplets(): Promise<string[]> {
  try {
    const { stdout } = await run(BUSYBOX_PATH, ['--list-full'])
    return stdout.split('\n').filter((p) => p && !p.includes('..'))
  } catch {
    const { stdout } = await run(BUSYBOX_PATH, ['--list'])
    return stdout
      .split('\n')
      .filter((name) => name && !name.includes('/'))
      .map((name) => `bin/${name}`)
  }
}

/** Checks that what the assembly copies is present, with the package to install when not. */
export function checkRootfsSources(): void {
  if (!existsSync(BUSYBOX_PATH)) {
    throw new NodeProviderError(
      `cannot build the node image: ${BUSYBOX_PATH} is missing`,
      'install busybox-static (apt-get install busybox-static), or set ' +
        'KUBEDESK_NODE_IMAGE_DOCKERFILE=1 to build from node:20-slim when registries are reachable'
    )
  }
}

/** Writes the node image's root filesystem into the empty directory `root`. */
export async function assembleRootfs(root: string, agentBundle: string): Promise<void> {
  checkRootfsSources()
  const nodeBinary = hostNodeBinary()
  const libraries = await sharedLibraries(nodeBinary)

  const put = async (path: string, from: string, mode?: number): Promise<void> => {
    const target = join(root, path)
    await mkdir(dirname(target), { recursive: true })
    await copyFile(from, target)
    if (mode !== undefined) await chmod(target, mode)
  }
  const write = async (path: string, text: string, mode = 0o644): Promise<void> => {
    const target = join(root, path)
    await mkdir(dirname(target), { recursive: true })
    await writeFile(target, text, { mode })
    await chmod(target, mode)
  }

  await put(NODE_PATH_IN_IMAGE, nodeBinary, 0o755)
  // Each library at the path ldd found it: the loader searches the same multiarch directories.
  for (const lib of libraries) await put(lib, lib, 0o755)

  await put(BUSYBOX_PATH, BUSYBOX_PATH, 0o755)
  for (const applet of await busyboxApplets()) {
    if (applet === 'bin/busybox' || applet.endsWith('/node')) continue
    const link = join(root, applet)
    if (existsSync(link)) continue
    await mkdir(dirname(link), { recursive: true })
    await symlink(BUSYBOX_PATH, link)
  }

  await write('etc/passwd', 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534::/:/bin/false\n')
  await write('etc/group', 'root:x:0:\nnogroup:x:65534:\n')
  await write('etc/nsswitch.conf', 'passwd: files\ngroup: files\nhosts: files dns\n')
  for (const dir of ['root', 'var/lib/kubelet', 'var/log', 'run']) {
    await mkdir(join(root, dir), { recursive: true })
  }
  await mkdir(join(root, 'tmp'), { recursive: true })
  await chmod(join(root, 'tmp'), 0o1777)

  await put(AGENT_PATH_IN_IMAGE, agentBundle, 0o644)
  await write('usr/local/bin/crictl', CRICTL_SCRIPT, 0o755)
}

/**
 * Streams `root` as a tar archive owned by root (uid 0), as `docker import` wants it. `done`
 * settles when tar exits, rejecting with tar's own words when it fails.
 */
export function tarDirectory(root: string): { stream: Readable; done: Promise<void> } {
  const tar = spawn(
    'tar',
    ['--numeric-owner', '--owner=0', '--group=0', '-C', root, '-cf', '-', '.'],
    {
      stdio: ['ignore', 'pipe', 'pipe']
    }
  )
  let stderr = ''
  tar.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const done = new Promise<void>((resolve, reject) => {
    tar.on('error', (err) =>
      reject(new NodeProviderError(`cannot run tar to pack the node image: ${err.message}`))
    )
    tar.on('close', (code) => {
      if (code === 0) resolve()
      else reject(new NodeProviderError(`tar failed packing the node image: ${stderr.trim()}`))
    })
  })
  return { stream: tar.stdout, done }
}
