/**
 * Reading a growing log file line by line (`kubedesk logs -f`, `kubectl logs -f` of the control
 * plane's mirror pods): each call passes the lines added since the last one, surviving the
 * file's absence (it may appear later) and its rotation (a new file: start again from its top).
 */
import { closeSync, openSync, readSync, statSync, type Stats } from 'node:fs'
import { StringDecoder } from 'node:string_decoder'

/** Reads a growing file line by line, from where the last read stopped. */
export interface Tail {
  /** Passes each complete line added since the last call. */
  readNew(onLine: (line: string) => Promise<void>): Promise<void>
  /** Passes a last line that has no newline yet. */
  flush(onLine: (line: string) => Promise<void>): Promise<void>
}

/** A reader for `file`, starting at its top. */
export function createTail(file: string): Tail {
  let offset = 0
  let inode: number | undefined
  let partial = ''
  // Decodes across reads, so a character split between two reads stays whole.
  let decoder = new StringDecoder('utf8')
  const buffer = Buffer.alloc(64 * 1024)
  return {
    async readNew(onLine) {
      let stat: Stats
      try {
        stat = statSync(file)
      } catch {
        return
      }
      const { size, ino } = stat
      // A new inode or a shorter file: rotated (or truncated) since the last read.
      if (size < offset || (inode !== undefined && ino !== inode)) {
        offset = 0
        partial = ''
        decoder = new StringDecoder('utf8')
      }
      inode = ino
      if (size === offset) return
      const fd = openSync(file, 'r')
      try {
        let read: number
        while ((read = readSync(fd, buffer, 0, buffer.length, offset)) > 0) {
          offset += read
          const lines = (partial + decoder.write(buffer.subarray(0, read))).split('\n')
          partial = lines.pop() ?? ''
          for (const line of lines) await onLine(line)
        }
      } finally {
        closeSync(fd)
      }
    },
    async flush(onLine) {
      const rest = partial + decoder.end()
      partial = ''
      if (rest !== '') await onLine(rest)
    }
  }
}
