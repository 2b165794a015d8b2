/**
 * Where a pod's startup time goes, read from the kubelets' own logs (klog lines in the node
 * containers' output): create request sent → the kubelet syncs the new pod (API + watch to the
 * node) → it starts creating the sandbox (the pod worker's queue) → the container is started
 * (sandbox + container through the runtime) → the watch sees the pod Running (status write).
 */
import type Dockerode from 'dockerode'
import { containerLog } from '../../src/main/nodes/docker/container-log'

/** The kubelet log lines the stages are read from. */
const MARKS = ['syncing new pod', 'creating pod sandbox', 'started container'] as const
type Mark = (typeof MARKS)[number]

/** Epoch ms of each mark per pod (`namespace/name`), the first occurrence. */
export type PodMarks = Map<string, Partial<Record<Mark, number>>>

const LINE = /^I(\d\d)(\d\d) (\d\d):(\d\d):(\d\d\.\d+)\s+\d+ kubelet\] "([^"]+)" pod="([^"]+)"/

/** Reads the marks of every pod from the logs of node containers `ids`. */
export async function readPodMarks(docker: Dockerode, ids: string[]): Promise<PodMarks> {
  const marks: PodMarks = new Map()
  const year = new Date().getUTCFullYear()
  for (const id of ids) {
    const stream = await containerLog(docker, id)
    let text = ''
    for await (const chunk of stream) text += String(chunk)
    for (const line of text.split('\n')) {
      const m = LINE.exec(line)
      if (!m || !(MARKS as readonly string[]).includes(m[6])) continue
      const [, mon, day, hh, mm, ss, what, pod] = m
      const at =
        Date.UTC(year, Number(mon) - 1, Number(day), Number(hh), Number(mm)) + Number(ss) * 1000
      const entry = marks.get(pod) ?? {}
      entry[what as Mark] ??= at
      marks.set(pod, entry)
    }
  }
  return marks
}

/** Per-stage durations in seconds for each pod that has all marks. */
export function podStages(
  marks: PodMarks,
  sentEpochMs: Map<string, number>,
  runningEpochMs: Map<string, number>
): Record<'seen' | 'queued' | 'started' | 'reported', number[]> {
  const out = {
    seen: [] as number[],
    queued: [] as number[],
    started: [] as number[],
    reported: [] as number[]
  }
  for (const [name, sent] of sentEpochMs) {
    const m = marks.get(`default/${name}`)
    const running = runningEpochMs.get(name)
    const seen = m?.['syncing new pod']
    const sandbox = m?.['creating pod sandbox']
    const started = m?.['started container']
    if (seen === undefined || sandbox === undefined || started === undefined || !running) continue
    out.seen.push((seen - sent) / 1000)
    out.queued.push((sandbox - seen) / 1000)
    out.started.push((started - sandbox) / 1000)
    out.reported.push((running - started) / 1000)
  }
  return out
}
