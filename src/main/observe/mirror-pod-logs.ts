/**
 * `kubectl logs -n kube-system kube-scheduler-kubedesk-control-plane [-f] [--previous]`: the
 * container log of a control-plane mirror pod is its component's log (component-log.ts), as a
 * static pod's log is its container's. The current container's lines are those since it last
 * started (a restarted kube-scheduler shows its new run; `--previous` the run that failed);
 * `--since`, `--since-time`, `--tail`, `--timestamps` and `--limit-bytes` apply as the kubelet
 * applies them, and `-f` follows the file through rotation until the client hangs up.
 */
import { createReadStream } from 'node:fs'
import { Readable } from 'node:stream'
import { createInterface } from 'node:readline'
import { setTimeout as sleep } from 'node:timers/promises'
import { badRequest } from '../apiserver/api-errors'
import type { PodLogOptions } from '../apiserver/rest/pod-log'
import type { KubeObject } from '../apiserver/types'
import { isMirrorPod } from '../../agent/kubelet/mirror-pod'
import type { ComponentRecord } from '../component-supervisor'
import { componentLogFile, componentLogFiles, parseLogLine } from './component-log'
import { createTail } from './log-tail'

/** Logs the API server serves itself; undefined for a pod that is not one of them. */
export type LocalPodLogs = (
  pod: KubeObject,
  container: string,
  opts: PodLogOptions
) => Readable | undefined

/** What the mirror pods' logs are read from. */
export interface MirrorPodLogOptions {
  dataDir: string
  nodeName: string
  records(): ComponentRecord[]
  /** When this KubeDesk started: a component never restarted logs from here on. */
  runStartedAt: Date
  followPollMs?: number
}

interface Window {
  from: number
  to?: number
}

/** The source for the control plane's mirror pods. */
export function mirrorPodLogs(o: MirrorPodLogOptions): LocalPodLogs {
  return (pod, container, opts) => {
    const spec = pod.spec as { nodeName?: string } | undefined
    if (!isMirrorPod(pod) || spec?.nodeName !== o.nodeName) return undefined
    const record = o.records().find((r) => r.name === container)
    if (!record) return undefined
    const window = windowOf(pod, record, opts, o.runStartedAt)
    return Readable.from(lines(o, container, window, opts))
  }
}

function windowOf(
  pod: KubeObject,
  r: ComponentRecord,
  opts: PodLogOptions,
  runStartedAt: Date
): Window {
  let window: Window
  if (opts.previous) {
    const t = r.lastTermination
    if (!t) {
      throw badRequest(
        `previous terminated container "${r.name}" in pod "${pod.metadata.name}" not found`
      )
    }
    window = { from: t.startedAt.getTime(), to: t.finishedAt.getTime() }
  } else {
    const started = r.restartCount > 0 && r.startedAt ? r.startedAt : runStartedAt
    window = { from: started.getTime() }
  }
  if (opts.sinceSeconds !== undefined) {
    window.from = Math.max(window.from, Date.now() - opts.sinceSeconds * 1000)
  }
  if (opts.sinceTime !== undefined) {
    window.from = Math.max(window.from, new Date(opts.sinceTime).getTime())
  }
  return window
}

async function* lines(
  o: MirrorPodLogOptions,
  component: string,
  window: Window,
  opts: PodLogOptions
): AsyncGenerator<string> {
  // A line outside the format (none are written, but a file may hold one) keeps the time of
  // the line before it.
  let lastTime = 0
  const pick = (line: string): string | undefined => {
    const entry = parseLogLine(line)
    if (entry) lastTime = entry.time.getTime()
    if (lastTime < window.from || (window.to !== undefined && lastTime > window.to)) {
      return undefined
    }
    return opts.timestamps ? `${new Date(lastTime).toISOString()} ${line}\n` : `${line}\n`
  }
  let budget = opts.limitBytes ?? Infinity
  const take = (text: string): string | undefined => {
    if (budget <= 0) return undefined
    const bytes = Buffer.byteLength(text)
    if (bytes <= budget) {
      budget -= bytes
      return text
    }
    const cut = Buffer.from(text).subarray(0, budget).toString('utf8')
    budget = 0
    return cut
  }

  const current = componentLogFile(o.dataDir, component)
  const existing: string[] = []
  for (const file of componentLogFiles(o.dataDir, component).filter((f) => f !== current)) {
    for await (const line of createInterface({
      input: createReadStream(file),
      crlfDelay: Infinity
    })) {
      const kept = pick(line)
      if (kept !== undefined) existing.push(kept)
    }
  }
  const tail = createTail(current)
  await tail.readNew(async (line) => {
    const kept = pick(line)
    if (kept !== undefined) existing.push(kept)
  })
  const first =
    opts.tailLines === undefined
      ? existing
      : opts.tailLines === 0
        ? []
        : existing.slice(-opts.tailLines)
  for (const text of first) {
    const out = take(text)
    if (out === undefined) return
    yield out
  }
  if (!opts.follow || opts.previous) return
  for (;;) {
    await sleep(o.followPollMs ?? 250)
    const fresh: string[] = []
    await tail.readNew(async (line) => {
      const kept = pick(line)
      if (kept !== undefined) fresh.push(kept)
    })
    for (const text of fresh) {
      const out = take(text)
      if (out === undefined) return
      yield out
    }
  }
}
