/**
 * Reading kubelets' Summary API (`GET /stats/summary`) for the metrics scraper: over HTTPS as
 * kube-apiserver reaches a kubelet for pods/log (the Node's InternalIP and kubelet port, the
 * cluster CA, the API server's kubelet-client token), and turning summaries into the samples
 * the usage store computes rates from.
 */
import { Agent, request } from 'node:https'
import type { Summary } from '../../agent/server/stats-summary'
import type { KubeletClientConfig } from '../apiserver/rest/context'
import { kubeletBaseUrl } from '../apiserver/rest/pod-log'
import type { KubeObject } from '../apiserver/types'
import type { PodSamples, UsageBatch, UsageSample } from './usage-store'

/**
 * Connections to kubelets kept between scrapes, as metrics-server's HTTP client keeps them: a
 * scrape every 15 s then costs no TLS handshake on either side (kubelets keep them 90 s).
 */
const kubeletAgent = new Agent({ keepAlive: true })

/** GETs the node's `/stats/summary`; rejects on any failure, within `timeoutMs`. */
export function fetchSummary(
  node: KubeObject,
  client: KubeletClientConfig,
  timeoutMs: number
): Promise<Summary> {
  const base = kubeletBaseUrl(node)
  if (!base) return Promise.reject(new Error('the node reports no kubelet address and port'))
  return new Promise((resolve, reject) => {
    const req = request(new URL('/stats/summary', base), {
      method: 'GET',
      ca: client.caCert,
      agent: kubeletAgent,
      timeout: timeoutMs,
      headers: { Authorization: `Bearer ${client.token}`, Accept: 'application/json' }
    })
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)))
    req.on('error', reject)
    req.on('response', (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('error', reject)
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        if (res.statusCode !== 200) {
          reject(new Error(`the kubelet answered ${res.statusCode}: ${text.trim()}`))
          return
        }
        try {
          resolve(JSON.parse(text) as Summary)
        } catch {
          reject(new Error('the kubelet answered something that is not JSON'))
        }
      })
    })
    req.end()
  })
}

function sample(
  startTime: string,
  cpu: { time: string; usageCoreNanoSeconds: number },
  memory: { workingSetBytes: number }
): UsageSample {
  return {
    startTime: new Date(startTime),
    timestamp: new Date(cpu.time),
    cpuNanoSeconds: cpu.usageCoreNanoSeconds,
    memoryBytes: memory.workingSetBytes
  }
}

/** The samples of every node and container in `summaries` (one per node scraped). */
export function batchOf(summaries: Summary[]): UsageBatch {
  const batch: UsageBatch = { nodes: new Map(), pods: [] }
  for (const s of summaries) {
    batch.nodes.set(s.node.nodeName, sample(s.node.startTime, s.node.cpu, s.node.memory))
    for (const pod of s.pods) {
      const containers: PodSamples['containers'] = new Map()
      for (const c of pod.containers) containers.set(c.name, sample(c.startTime, c.cpu, c.memory))
      batch.pods.push({ ...pod.podRef, containers })
    }
  }
  return batch
}
