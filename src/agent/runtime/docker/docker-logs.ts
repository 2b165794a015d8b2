/**
 * `docker logs` as the CRI's text stream: demultiplexes Docker's framed stdout/stderr (when the
 * container has no TTY), re-cuts the output into whole lines and honours `limitBytes`. Docker
 * itself applies follow, tail, since and timestamps (RFC 3339 with nanoseconds).
 */
import { PassThrough, Readable, Transform, type TransformCallback } from 'node:stream'
import type Dockerode from 'dockerode'
import type { LogOptions } from '../types'

/**
 * Splits Docker's multiplexed stream (8-byte headers: stream type, 3 zero bytes, big-endian
 * length) into payloads, in the order the container wrote them.
 */
export class DockerFrameDecoder extends Transform {
  private pending: Buffer = Buffer.alloc(0)

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk
    while (this.pending.length >= 8) {
      const size = this.pending.readUInt32BE(4)
      if (this.pending.length < 8 + size) break
      this.push(this.pending.subarray(8, 8 + size))
      this.pending = this.pending.subarray(8 + size)
    }
    done()
  }
}

/** Re-cuts text into lines ending in '\n' and stops after `limitBytes`. */
class LineCutter extends Transform {
  private partial = ''
  private sent = 0

  constructor(private readonly limitBytes?: number) {
    super()
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    const text = this.partial + chunk.toString('utf8')
    const end = text.lastIndexOf('\n')
    this.partial = text.slice(end + 1)
    if (end >= 0) this.send(text.slice(0, end + 1))
    done()
  }

  override _flush(done: TransformCallback): void {
    if (this.partial) this.send(this.partial + '\n')
    done()
  }

  private send(text: string): void {
    if (this.limitBytes === undefined) {
      this.push(text)
      return
    }
    const left = this.limitBytes - this.sent
    if (left <= 0) return
    const buf = Buffer.from(text)
    const out = buf.length > left ? buf.subarray(0, left) : buf
    this.sent += out.length
    this.push(out)
    if (this.sent >= this.limitBytes) this.emit('limit')
  }
}

/** Docker's `since`: seconds and nanoseconds since the epoch, "1700000000.123000000". */
function dockerSince(since: Date): string {
  const ms = since.getTime()
  const seconds = Math.floor(ms / 1000)
  return `${seconds}.${String((ms - seconds * 1000) * 1e6).padStart(9, '0')}`
}

/**
 * The log of `container` as a Readable of text lines; with `follow` it ends when the container
 * exits, and destroy() on it closes the connection to the engine.
 */
export async function dockerContainerLogs(
  container: Dockerode.Container,
  tty: boolean,
  opts: LogOptions
): Promise<Readable> {
  if (opts.tailLines !== undefined && opts.tailLines <= 0 && !opts.follow) {
    return Readable.from([])
  }
  const query = {
    stdout: true,
    stderr: true,
    follow: opts.follow ?? false,
    timestamps: opts.timestamps ?? false,
    tail: opts.tailLines !== undefined ? String(Math.max(0, opts.tailLines)) : 'all',
    ...(opts.since ? { since: dockerSince(opts.since) } : {})
  }
  // dockerode answers a Buffer without follow and a stream with it.
  const raw = (await container.logs(query as never)) as unknown as Buffer | NodeJS.ReadableStream
  const source: Readable = Buffer.isBuffer(raw) ? Readable.from([raw]) : (raw as Readable)
  const cutter = new LineCutter(opts.limitBytes)
  const out = new PassThrough()
  const decoded = tty ? source : source.pipe(new DockerFrameDecoder())
  decoded.pipe(cutter).pipe(out)
  const release = (): void => {
    source.destroy()
  }
  cutter.on('limit', () => {
    decoded.unpipe(cutter)
    release()
    cutter.end()
  })
  source.on('error', (err) => out.destroy(err))
  out.on('close', release)
  return out
}
