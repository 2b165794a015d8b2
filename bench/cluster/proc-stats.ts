/**
 * CPU time and memory of a process and its descendants, read from /proc (Linux). CPU is
 * utime + stime of every live process in the tree, in seconds; a share of one core is the
 * difference of two samples over the wall time between them.
 */
import { readdirSync, readFileSync } from 'node:fs'

const TICKS_PER_SECOND = 100

/** utime + stime of one process in seconds, or undefined when it is gone. */
function processCpuSeconds(pid: number): { cpu: number; sys: number; ppid: number } | undefined {
  let stat: string
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  } catch {
    return undefined
  }
  // The command name may hold spaces and parentheses: fields start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  // fields[0] is field 3 (state): ppid is field 4, utime 14, stime 15.
  return {
    ppid: Number(fields[1]),
    cpu: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND,
    sys: Number(fields[12]) / TICKS_PER_SECOND
  }
}

/** The pid and every live descendant of it. */
export function processTree(pid: number): number[] {
  const parents = new Map<number, number[]>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    const info = processCpuSeconds(Number(entry))
    if (!info) continue
    const list = parents.get(info.ppid) ?? []
    list.push(Number(entry))
    parents.set(info.ppid, list)
  }
  const tree: number[] = []
  const queue = [pid]
  while (queue.length > 0) {
    const next = queue.shift()!
    tree.push(next)
    queue.push(...(parents.get(next) ?? []))
  }
  return tree
}

/** CPU seconds used so far by `pid` and its live descendants. */
export function treeCpuSeconds(pid: number): number {
  let total = 0
  for (const p of processTree(pid)) total += processCpuSeconds(p)?.cpu ?? 0
  return total
}

/** Kernel-mode CPU seconds (stime) used so far by `pid` and its live descendants. */
export function treeSysSeconds(pid: number): number {
  let total = 0
  for (const p of processTree(pid)) total += processCpuSeconds(p)?.sys ?? 0
  return total
}

/** VmRSS of `pid` (and, summed, its live descendants) in MB; 0 when it is gone. */
export function treeRssMb(pid: number): number {
  let kb = 0
  for (const p of processTree(pid)) {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))
      if (m) kb += Number(m[1])
    } catch {
      // gone between the listing and the read
    }
  }
  return kb / 1024
}

/** A CPU meter started now over `read` (CPU seconds); `stop()` answers the share of one core in %. */
export function cpuMeter(read: () => number): { stop(): { pct: number; seconds: number } } {
  const t0 = performance.now()
  const c0 = read()
  return {
    stop() {
      const seconds = (performance.now() - t0) / 1000
      return { pct: ((read() - c0) / seconds) * 100, seconds }
    }
  }
}

/** Pids of the processes whose command name (`/proc/<pid>/comm`) is `name`. */
export function pidsNamed(name: string): number[] {
  const pids: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === name) pids.push(Number(entry))
    } catch {
      // gone, or not ours to read
    }
  }
  return pids
}

/** CPU seconds used so far by the processes `pids` (not their descendants). */
export function pidsCpuSeconds(pids: number[]): number {
  return pids.reduce((sum, pid) => sum + (processCpuSeconds(pid)?.cpu ?? 0), 0)
}
