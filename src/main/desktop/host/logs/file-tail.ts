/**
 * The last lines of a component's log files (rotated ones first), for a follower whose ring
 * buffer holds fewer lines than asked: read backwards in blocks, never the whole file.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs'
import { componentLogFiles } from '../../../observe/component-log'

const BLOCK = 64 * 1024
/** The most bytes read from the end of one file. */
const MAX_BYTES = 8 * 1024 * 1024

/** The last `count` lines of `file` (without a trailing partial line's newline). */
export function lastLinesOf(file: string, count: number): string[] {
  if (count <= 0) return []
  let fd: number
  try {
    fd = openSync(file, 'r')
  } catch {
    return []
  }
  try {
    const size = fstatSync(fd).size
    const chunks: Buffer[] = []
    let pos = size
    let newlines = 0
    while (pos > 0 && newlines <= count && size - pos < MAX_BYTES) {
      const len = Math.min(BLOCK, pos)
      pos -= len
      const buf = Buffer.alloc(len)
      readSync(fd, buf, 0, len, pos)
      for (const b of buf) if (b === 10) newlines++
      chunks.unshift(buf)
    }
    const lines = Buffer.concat(chunks).toString('utf8').split('\n')
    if (lines[lines.length - 1] === '') lines.pop()
    // Unless the file was read from its start, the first line may be cut.
    if (pos > 0) lines.shift()
    return lines.slice(-count)
  } finally {
    closeSync(fd)
  }
}

/** The last `count` lines of `component`'s log in `dataDir`, across rotations. */
export function lastComponentLines(dataDir: string, component: string, count: number): string[] {
  const files = componentLogFiles(dataDir, component)
  let lines: string[] = []
  for (let i = files.length - 1; i >= 0 && lines.length < count; i--) {
    lines = [...lastLinesOf(files[i], count - lines.length), ...lines]
  }
  return lines
}
