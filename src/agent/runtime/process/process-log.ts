/**
 * Container logs of the process runtime, in the kubelet's CRI log format: one line per output
 * line, `<RFC3339Nano time> <stdout|stderr> <F|P> <text>` (P marks a line cut before its end).
 * The writer turns a child's pipes into that file; the reader turns the file back into the text
 * `kubectl logs` shows, with tail, since, timestamps, limitBytes and follow.
 */
import { createWriteStream, type WriteStream } from 'node:fs'
import { open } from 'node:fs/promises'
import { PassThrough, type Readable } from 'node:stream'
import type { LogOptions } from '../types'

/** A time as RFC 3339 with nanoseconds (millisecond precision, zero-filled). */
export function rfc3339Nano(date = new Date()): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z')
}

/** Longest line kept whole; longer output is stored as several P lines. */
const MAX_LINE = 16 * 1024

/** Appends a child's stdout and stderr to a CRI-format log file. */
export class CriLogWriter {
  private readonly file: WriteStream
  private readonly partial = { stdout: '', stderr: '' }

  constructor(path: string) {
    this.file = createWriteStream(path, { flags: 'a' })
    this.file.on('error', () => undefined)
  }

  /** Feeds output of one stream; whole lines are written at once. */
  write(stream: 'stdout' | 'stderr', chunk: Buffer | string): void {
    let text = this.partial[stream] + chunk.toString()
    let nl: number
    while ((nl = text.indexOf('\n')) >= 0) {
      this.line(stream, 'F', text.slice(0, nl))
      text = text.slice(nl + 1)
    }
    while (text.length > MAX_LINE) {
      this.line(stream, 'P', text.slice(0, MAX_LINE))
      text = text.slice(MAX_LINE)
    }
    this.partial[stream] = text
  }

  /** Writes what is left of unfinished lines and closes the file. */
  async close(): Promise<void> {
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.partial[stream]) this.line(stream, 'F', this.partial[stream])
      this.partial[stream] = ''
    }
    // 'close' also follows a failed write (e.g. the directory was removed), which end() may not report.
    if (this.file.closed) return
    await new Promise<void>((resolve) => {
      this.file.once('close', resolve)
      this.file.end()
    })
  }

  private line(stream: string, tag: 'F' | 'P', text: string): void {
    this.file.write(`${rfc3339Nano()} ${stream} ${tag} ${text}\n`)
  }
}

interface LogRecord {
  time: string
  text: string
}

/** Parses complete CRI lines, joining P fragments to the line they belong to. */
class CriLineParser {
  private pending: LogRecord | undefined

  parse(lines: string[]): LogRecord[] {
    const out: LogRecord[] = []
    for (const line of lines) {
      const m = /^(\S+) (stdout|stderr) ([FP]) (.*)$/.exec(line)
      if (!m) continue
      const [, time, , tag, text] = m
      const record = this.pending
        ? { time: this.pending.time, text: this.pending.text + text }
        : { time, text }
      if (tag === 'P') {
        this.pending = record
      } else {
        this.pending = undefined
        out.push(record)
      }
    }
    return out
  }
}

/**
 * Reads a CRI log file as text lines. With `follow`, keeps reading as the file grows until
 * `running()` turns false and the file is drained, or the stream is destroyed.
 */
export function readCriLog(
  path: string,
  opts: LogOptions,
  running: () => boolean,
  pollMs = 100
): Readable {
  const out = new PassThrough()
  let closed = false
  out.on('close', () => (closed = true))
  const parser = new CriLineParser()
  const since = opts.since?.getTime()
  let sent = 0

  const format = (records: LogRecord[]): string => {
    let text = ''
    for (const r of records) {
      if (since !== undefined && new Date(r.time).getTime() < since) continue
      text += opts.timestamps ? `${r.time} ${r.text}\n` : `${r.text}\n`
    }
    return text
  }

  /** Pushes `text`, honouring limitBytes; false once the limit is reached. */
  const send = (text: string): boolean => {
    if (!text) return true
    let buf = Buffer.from(text)
    if (opts.limitBytes !== undefined) {
      buf = buf.subarray(0, Math.max(0, opts.limitBytes - sent))
      sent += buf.length
      if (buf.length) out.write(buf)
      return sent < opts.limitBytes
    }
    out.write(buf)
    return true
  }

  const pump = async (): Promise<void> => {
    const handle = await open(path, 'r')
    try {
      let offset = 0
      let rest = ''
      let first = true
      for (;;) {
        // Read `running` before the file so the final bytes of an exited child are not missed.
        const alive = opts.follow ? running() : false
        const chunks: Buffer[] = []
        for (;;) {
          const buf = Buffer.alloc(64 * 1024)
          const { bytesRead } = await handle.read(buf, 0, buf.length, offset)
          if (bytesRead === 0) break
          offset += bytesRead
          chunks.push(buf.subarray(0, bytesRead))
        }
        const text = rest + Buffer.concat(chunks).toString('utf8')
        const nl = text.lastIndexOf('\n')
        rest = text.slice(nl + 1)
        let records = parser.parse(nl >= 0 ? text.slice(0, nl).split('\n') : [])
        if (first && opts.tailLines !== undefined) {
          records = opts.tailLines > 0 ? records.slice(-opts.tailLines) : []
        }
        first = false
        if (closed || !send(format(records))) return
        if (!alive) return
        await new Promise((r) => setTimeout(r, pollMs))
        if (closed) return
      }
    } finally {
      await handle.close()
    }
  }

  pump().then(
    () => out.end(),
    (err: Error) => out.destroy(err)
  )
  return out
}
