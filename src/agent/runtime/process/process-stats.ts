/**
 * Resource use of a process runtime container from Linux's /proc: every process in the
 * container's process group (the child is spawned detached, so its pid is the group id).
 * CPU: /proc/<pid>/schedstat (nanoseconds on CPU) when present, else utime+stime in clock
 * ticks, plus the reaped children's time the group leader holds; memory: the sum of VmRSS.
 */
import { readdir, readFile } from 'node:fs/promises'

/** Linux's USER_HZ, the unit of /proc/<pid>/stat times (100 on every common kernel). */
const CLOCK_TICKS_PER_SECOND = 100
const NS_PER_TICK = 1e9 / CLOCK_TICKS_PER_SECOND

/** The fields of /proc/<pid>/stat after the command name (which may hold spaces). */
async function statFields(pid: number): Promise<string[] | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  } catch {
    return undefined
  }
}

/** The start time of `pid` in clock ticks after boot, to tell a pid from a reused one. */
export async function processStartTime(pid: number): Promise<number | undefined> {
  const fields = await statFields(pid)
  // Field 22 of stat; the slice starts at field 3.
  return fields ? Number(fields[19]) : undefined
}

async function cpuNanos(pid: number, fields: string[], leader: boolean): Promise<number> {
  let own: number
  try {
    own = Number((await readFile(`/proc/${pid}/schedstat`, 'utf8')).split(' ')[0])
  } catch {
    own = (Number(fields[11]) + Number(fields[12])) * NS_PER_TICK
  }
  // cutime + cstime: children the leader has already waited for.
  const reaped = leader ? (Number(fields[13]) + Number(fields[14])) * NS_PER_TICK : 0
  return own + reaped
}

async function rssBytes(pid: number): Promise<number> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8')
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)
    return m ? Number(m[1]) * 1024 : 0
  } catch {
    return 0
  }
}

/** CPU (ns) and resident memory (bytes) of process group `pgid`; zeros when it is gone. */
export async function processGroupUsage(
  pgid: number
): Promise<{ cpuNanos: number; memoryBytes: number }> {
  let entries: string[]
  try {
    entries = await readdir('/proc')
  } catch {
    throw new Error('container stats of the process runtime need Linux /proc')
  }
  let cpu = 0
  let memory = 0
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue
    const pid = Number(entry)
    const fields = await statFields(pid)
    // Field 5 of stat is the process group id.
    if (!fields || Number(fields[2]) !== pgid) continue
    cpu += await cpuNanos(pid, fields, pid === pgid)
    memory += await rssBytes(pid)
  }
  return { cpuNanos: Math.round(cpu), memoryBytes: memory }
}
