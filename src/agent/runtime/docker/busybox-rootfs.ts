/**
 * Images built without a registry: a root filesystem holding a static busybox (Debian's
 * `busybox-static`, /bin/busybox on the machine that runs this) and its applet links, written as
 * a tar archive in memory and handed to `docker import`. This is how the pause image is made
 * when no `busybox:latest` is around, and how tests get `busybox:latest` offline.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import type Dockerode from 'dockerode'

/** Where the static busybox is expected. */
export const HOST_BUSYBOX = '/bin/busybox'

interface TarEntry {
  path: string
  type: 'file' | 'dir' | 'symlink'
  mode: number
  data?: Buffer
  linkname?: string
}

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0'
}

function tarHeader(entry: TarEntry, size: number): Buffer {
  const header = Buffer.alloc(512, 0)
  if (Buffer.byteLength(entry.path) > 100) throw new Error(`tar path too long: ${entry.path}`)
  header.write(entry.path, 0, 100, 'utf8')
  header.write(octal(entry.mode, 8), 100, 8, 'ascii')
  header.write(octal(0, 8), 108, 8, 'ascii')
  header.write(octal(0, 8), 116, 8, 'ascii')
  header.write(octal(size, 12), 124, 12, 'ascii')
  header.write(octal(Math.floor(Date.now() / 1000), 12), 136, 12, 'ascii')
  header.write('        ', 148, 8, 'ascii')
  header.write(entry.type === 'file' ? '0' : entry.type === 'dir' ? '5' : '2', 156, 1, 'ascii')
  if (entry.linkname) header.write(entry.linkname, 157, 100, 'utf8')
  header.write('ustar\0', 257, 6, 'ascii')
  header.write('00', 263, 2, 'ascii')
  header.write('root', 265, 32, 'ascii')
  header.write('root', 297, 32, 'ascii')
  let sum = 0
  for (const byte of header) sum += byte
  header.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'ascii')
  return header
}

/** A POSIX (ustar) archive of `entries`. */
export function buildTar(entries: TarEntry[]): Buffer {
  const parts: Buffer[] = []
  for (const entry of entries) {
    const data = entry.type === 'file' ? (entry.data ?? Buffer.alloc(0)) : Buffer.alloc(0)
    parts.push(tarHeader(entry, data.length), data)
    const pad = (512 - (data.length % 512)) % 512
    if (pad) parts.push(Buffer.alloc(pad, 0))
  }
  parts.push(Buffer.alloc(1024, 0))
  return Buffer.concat(parts)
}

/** A minimal root filesystem: /bin/busybox, a link per applet, /etc/passwd, /tmp and friends. */
export function busyboxRootfs(busyboxPath = HOST_BUSYBOX): Buffer {
  if (!existsSync(busyboxPath)) {
    throw new Error(`no static busybox at ${busyboxPath} (Debian: apt-get install busybox-static)`)
  }
  const applets = execFileSync(busyboxPath, ['--list'], { encoding: 'utf8' })
    .split('\n')
    .map((name) => name.trim())
    .filter((name) => /^[\w.[-]+$/.test(name) && name !== 'busybox')
  const dirs = ['bin/', 'etc/', 'dev/', 'proc/', 'sys/', 'root/', 'home/', 'var/', 'usr/']
  const entries: TarEntry[] = dirs.map((path) => ({ path, type: 'dir', mode: 0o755 }))
  entries.push({ path: 'tmp/', type: 'dir', mode: 0o1777 })
  entries.push({ path: 'bin/busybox', type: 'file', mode: 0o755, data: readFileSync(busyboxPath) })
  for (const applet of applets) {
    entries.push({ path: `bin/${applet}`, type: 'symlink', mode: 0o777, linkname: 'busybox' })
  }
  for (const [path, linkname] of [
    ['sbin', 'bin'],
    ['usr/bin', '../bin'],
    ['usr/sbin', '../bin']
  ]) {
    entries.push({ path, type: 'symlink', mode: 0o777, linkname })
  }
  const passwd = 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n'
  const group = 'root:x:0:\nnogroup:x:65534:\n'
  entries.push({ path: 'etc/passwd', type: 'file', mode: 0o644, data: Buffer.from(passwd) })
  entries.push({ path: 'etc/group', type: 'file', mode: 0o644, data: Buffer.from(group) })
  return buildTar(entries)
}

/**
 * `docker import` of the busybox root filesystem as `image` (`repo:tag`) with `changes`
 * (Dockerfile instructions such as `CMD ["sh"]`). Resolves once the engine has the image.
 */
export async function importBusyboxImage(
  docker: Dockerode,
  image: string,
  changes: string[],
  busyboxPath = HOST_BUSYBOX
): Promise<void> {
  const colon = image.lastIndexOf(':')
  const [repo, tag] =
    colon > image.lastIndexOf('/')
      ? [image.slice(0, colon), image.slice(colon + 1)]
      : [image, 'latest']
  const { Readable } = await import('node:stream')
  const tar = Readable.from([busyboxRootfs(busyboxPath)])
  const stream = await docker.importImage(tar, { repo, tag, changes } as object)
  await new Promise<void>((resolve, reject) =>
    docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve()))
  )
  await docker.getImage(image).inspect()
}
