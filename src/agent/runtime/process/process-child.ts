/**
 * One container of the process runtime as a child process: started in its own process group
 * (so signals reach everything it starts), its output written to the CRI log file, its exit
 * recorded in the container's record once the log is complete.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { constants } from 'node:os'
import { CriLogWriter } from './process-log'
import type { ContainerRecord } from './process-records'
import { processStartTime } from './process-stats'

/** A running child and a promise settled once it has exited and its log is flushed. */
export interface LiveChild {
  child: ChildProcess
  exited: Promise<void>
}

/** Sends `signal` to process group `pid`, ignoring a group that is already gone. */
export function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal)
  } catch {
    // Already gone.
  }
}

/**
 * Starts `record`'s command. `save` is called whenever the record changed; `live` is handed the
 * child at once. Resolves once it runs; rejects (record: exited, StartError) when it cannot.
 */
export function startChild(
  record: ContainerRecord,
  logFile: string,
  save: () => void,
  live: (child: LiveChild | undefined) => void
): Promise<void> {
  const [file, ...args] = record.argv
  const writer = new CriLogWriter(logFile)
  const child = spawn(file, args, {
    cwd: record.cwd,
    env: record.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe']
  })
  child.stdout?.on('data', (chunk: Buffer) => writer.write('stdout', chunk))
  child.stderr?.on('data', (chunk: Buffer) => writer.write('stderr', chunk))
  let exit: { code: number; at: Date } | undefined
  let startFailed = false
  let settleExited: () => void = () => undefined
  live({ child, exited: new Promise<void>((resolve) => (settleExited = resolve)) })
  child.on('exit', (code, signal) => {
    const signo = signal ? (constants.signals[signal] ?? 0) : 0
    exit = { code: code ?? 128 + signo, at: new Date() }
    // As when a container's main process ends: whatever it left behind is killed.
    if (child.pid) killGroup(child.pid, 'SIGKILL')
  })
  child.on('close', () => {
    if (startFailed) return
    // The state turns exited only after the log is complete, so followers miss no line.
    void writer.close().then(() => {
      const code = exit?.code ?? 255
      Object.assign(record.status, {
        state: 'exited',
        exitCode: code,
        reason: code === 0 ? 'Completed' : 'Error',
        finishedAt: exit?.at ?? new Date()
      })
      record.pid = undefined
      live(undefined)
      try {
        save()
      } finally {
        settleExited()
      }
    })
  })
  return new Promise<void>((resolve, reject) => {
    child.once('spawn', () => {
      record.status.state = 'running'
      record.status.startedAt = new Date()
      record.pid = child.pid
      save()
      void processStartTime(child.pid ?? 0).then((start) => {
        record.pidStartTime = start
        if (record.status.state === 'running') save()
      })
      resolve()
    })
    child.once('error', (err) => {
      if (record.status.state === 'running') return
      startFailed = true
      live(undefined)
      void writer.close()
      settleExited()
      Object.assign(record.status, {
        state: 'exited',
        exitCode: 128,
        reason: 'StartError',
        message: err.message,
        finishedAt: new Date()
      })
      save()
      reject(new Error(`start container ${record.status.name}: ${err.message}`))
    })
  })
}

/** SIGTERM to the group, SIGKILL after `timeoutSeconds` (0: at once); resolves once it is gone. */
export async function terminateChild(running: LiveChild, timeoutSeconds: number): Promise<void> {
  const pid = running.child.pid
  if (!pid) return
  if (timeoutSeconds > 0) {
    killGroup(pid, 'SIGTERM')
    let timer: NodeJS.Timeout | undefined
    const done = await Promise.race([
      running.exited.then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(resolve, timeoutSeconds * 1000, false)))
    ])
    clearTimeout(timer)
    if (done) return
  }
  killGroup(pid, 'SIGKILL')
  await running.exited
}

/**
 * A container a previous kubelet left running: kills what is left of it (when its pid still
 * belongs to it) and marks it exited, since its exit code can no longer be learned.
 */
export function markLost(record: ContainerRecord): void {
  if (record.pid && record.pidStartTime !== undefined) {
    try {
      const stat = readFileSync(`/proc/${record.pid}/stat`, 'utf8')
      const start = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19])
      if (start === record.pidStartTime) killGroup(record.pid, 'SIGKILL')
    } catch {
      // Not running any more.
    }
  }
  Object.assign(record.status, {
    state: 'exited',
    exitCode: 255,
    reason: 'Error',
    message:
      'lost when the kubelet restarted (the process runtime cannot adopt running containers)',
    finishedAt: new Date()
  })
  record.pid = undefined
}
