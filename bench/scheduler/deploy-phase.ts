/**
 * End to end through the whole control plane: `kubedesk up --nodes N --provider simulated` as a
 * child process (API server on sqlite, scheduler, controller manager, in-process kubelets with
 * the fake runtime), then Deployments created over HTTPS until every pod they own is Running, as
 * a watch on the namespace's pods sees it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { round, seconds } from '../cluster/docker-phase'
import { cpuMeter, treeCpuSeconds } from '../cluster/proc-stats'
import { warmCli } from '../cluster/prepare'
import { cliCommand, UpProcess } from '../cluster/up-process'
import { isWorker, nodeReady, watchUntil } from '../cluster/watch-until'

/** How many nodes and pods. */
export interface DeployConfig {
  nodes: number
  deployments: number
  replicas: number
  /** Flags for the `up` process's node (e.g. --cpu-prof). */
  nodeFlags?: string[]
  /** Leave the data directory (store, component logs) for a look afterwards. */
  keepData?: boolean
}

const READY_TIMEOUT_MS = 180_000
const RUNNING_TIMEOUT_MS = 180_000
const NAMESPACE = 'default'

function deployment(name: string, replicas: number): unknown {
  const labels = { app: name }
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: NAMESPACE },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          containers: [
            {
              name: 'pause',
              image: 'registry.k8s.io/pause:3.10.1',
              resources: { requests: { cpu: '10m', memory: '16Mi' } }
            }
          ]
        }
      }
    }
  }
}

/** Answers `deploy_<P>_pods_running_s` and what surrounds it. */
export async function runDeployPhase(
  config: DeployConfig,
  log: (line: string) => void
): Promise<Record<string, number>> {
  const total = config.deployments * config.replicas
  log(`deploy: kubedesk up runs from ${cliCommand().label}`)
  await warmCli(log)
  const dataDir = mkdtempSync(join(tmpdir(), 'kubedesk-bench-sched-deploy-'))
  const userKubeconfig = `${dataDir}.user-kc`
  writeFileSync(userKubeconfig, '')
  log(`deploy: kubedesk up --nodes ${config.nodes} --provider simulated (${dataDir})`)
  const up = UpProcess.start(
    dataDir,
    ['--nodes', String(config.nodes), '--provider', 'simulated'],
    userKubeconfig,
    config.nodeFlags
  )
  try {
    const { api } = await up.waitApiReady(READY_TIMEOUT_MS)
    try {
      const ready = new Set<string>()
      const nodesReady = await watchUntil(
        api,
        '/api/v1/nodes',
        (node) => {
          if (!isWorker(node)) return
          if (nodeReady(node)) ready.add(node.metadata.name)
          else ready.delete(node.metadata.name)
        },
        () => ready.size >= config.nodes,
        READY_TIMEOUT_MS,
        () => `${ready.size} of ${config.nodes} nodes Ready`,
        () => up.nodeProblem()
      )
      log(
        `deploy: ${config.nodes} nodes Ready; creating ${total} pods in ${config.deployments} Deployments`
      )
      const running = new Set<string>()
      const bound = new Set<string>()
      const seen = new Set<string>()
      let boundAt = 0
      let createdAt = 0
      const meter = cpuMeter(() => treeCpuSeconds(up.pid))
      let start = 0
      const allRunning = watchUntil(
        api,
        `/api/v1/namespaces/${NAMESPACE}/pods`,
        (pod) => {
          const name = pod.metadata.name
          const spec = pod.spec as { nodeName?: string } | undefined
          if (!seen.has(name)) {
            seen.add(name)
            if (seen.size === total) createdAt = performance.now()
          }
          if (spec?.nodeName && !bound.has(name)) {
            bound.add(name)
            if (bound.size === total) boundAt = performance.now()
          }
          const phase = (pod.status as { phase?: string } | undefined)?.phase
          if (phase === 'Running') running.add(name)
          else running.delete(name)
        },
        () => running.size >= total,
        RUNNING_TIMEOUT_MS,
        () => `${running.size} of ${total} pods Running (${bound.size} bound)`,
        () => up.nodeProblem()
      )
      // The watch is open once its list answered; give it a moment before the first create.
      await new Promise((resolve) => setTimeout(resolve, 200))
      start = performance.now()
      await Promise.all(
        Array.from({ length: config.deployments }, (_, i) =>
          api.json(
            'POST',
            `/apis/apps/v1/namespaces/${NAMESPACE}/deployments`,
            deployment(`web-${i}`, config.replicas)
          )
        )
      )
      const done = await allRunning
      const cpu = meter.stop()
      return {
        [`deploy_${total}_pods_running_s`]: seconds(done - start),
        deploy_pods_created_s: createdAt ? seconds(createdAt - start) : NaN,
        deploy_pods_bound_s: boundAt ? seconds(boundAt - start) : NaN,
        deploy_up_nodes_ready_s: seconds(nodesReady - up.startedAt),
        deploy_cpu_pct: round(cpu.pct),
        deploy_nodes: config.nodes,
        deploy_pods: total
      }
    } finally {
      api.close()
    }
  } catch (err) {
    log(`kubedesk up stderr (last lines):\n${up.stderr().split('\n').slice(-30).join('\n')}`)
    throw err
  } finally {
    log(`deploy: kubedesk up stopped (exit ${await up.stop()})`)
    if (config.keepData) log(`deploy: kept ${dataDir} (store.db, logs/)`)
    else rmSync(dataDir, { recursive: true, force: true })
    rmSync(userKubeconfig, { force: true })
  }
}
