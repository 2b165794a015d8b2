/**
 * Where a pod's startup time goes, read from the kubelets' own logs (klog lines in the node
 * containers' output): create request sent → the kubelet syncs the new pod (API + watch to the
 * node) → it starts creating the sandbox (the pod worker's queue) → the container is started
 * (sandbox + container through the runtime) → the watch sees the pod Running (status write).
 * That last stage is also split at the kubelet's own word that its Running status was written:
 * `written` is the kubelet's part (listing, status PUT answered), `watched` the API server's
 * (commit, watch fan-out to the benchmark's watch).
 */
import type Dockerode from 'dockerode'
import { containerLog } from '../../src/main/nodes/docker/container-log'

/** The kubelet log lines the stages are read from. */
const MARKS = ['syncing new pod', 'creating pod sandbox', 'started container', 'pod phase'] as const
type Mark = (typeof MARKS)[number]

/** Epoch ms of each mark per pod (`namespace/name`), the first occurrence. */
export type PodMarks = Map<string, Partial<Record<Mark, number>>>

const LINE =
  /^I(\d\d)(\d\d) (\d\d):(\d\d):(\d\d\.\d+)\s+\d+ kubelet\] "([^"]+)" pod="([^"]+)"(?: phase="([^"]+)")?/

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
      const [, mon, day, hh, mm, ss, what, pod, phase] = m
      // Of the phase lines only the first Running one counts: the status the watch waits for.
      if (what === 'pod phase' && phase !== 'Running') continue
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
): Record<'seen' | 'queued' | 'started' | 'reported' | 'written' | 'watched', number[]> {
  const out = {
    seen: [] as number[],
    queued: [] as number[],
    started: [] as number[],
    reported: [] as number[],
    written: [] as number[],
    watched: [] as number[]
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
    const written = m?.['pod phase']
    if (written === undefined) continue
    out.written.push((written - started) / 1000)
    out.watched.push((running - written) / 1000)
  }
  return out
}
