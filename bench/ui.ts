/**
 * The UI benchmark: `npm run bench -- ui [--quick] [--profile]` (`--profile` saves CPU
 * profiles of the first render, the renderer's and this process's, under bench/results/profiles).
 *
 * Browser mode as `kubedesk up --ui` serves it — the control plane, the desktop host and the UI
 * server in this process, the built renderer (`out/renderer`, from `npm run build`) in headless
 * Chromium — with 1,000 Nodes and 10,000 Running pods written KWOK-style (API objects only). It
 * measures the Nodes view's first render (navigation start → every node and pod rendered, the
 * renderer's `nodes-view-rendered` mark), then the renderer's main-thread busy time per second
 * while 200 pods change phase every second (CDP TaskDuration), and how long the view took to
 * show the last of those changes.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import { loadavg } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { round } from './cluster/docker-phase'
import { finishRun, log, printMetricTable } from './results-file'
import { NodesPage } from './ui/nodes-page'
import { runPhaseChurn } from './ui/phase-churn'
import { countObjects, seedCluster, startUiCluster } from './ui/ui-cluster'

type Metrics = Record<string, number>

interface Config {
  nodes: number
  pods: number
  churnPerSecond: number
  churnSeconds: number
  /** Quiet time measured before the churn (the idle baseline). */
  idleSeconds: number
}

const FULL: Config = {
  nodes: 1000,
  pods: 10_000,
  churnPerSecond: 200,
  churnSeconds: 10,
  idleSeconds: 3
}
const QUICK: Config = {
  nodes: 300,
  pods: 3000,
  churnPerSecond: 200,
  churnSeconds: 5,
  idleSeconds: 2
}

/** Targets of issue 7: metric, bound (below), why. */
const TARGETS: [string, number, string][] = [
  [
    'nodes_view_first_render_ms',
    1000,
    "Nodes view with every node's and pod's count and its first screen, from navigation start"
  ],
  [
    'busy_ms_per_s_at_200_updates',
    250,
    'renderer main thread while 200 pods change phase each second'
  ]
]

/** Runs the benchmark; answers the exit code (non-zero only when something failed). */
export async function run(args: string[]): Promise<number> {
  const quick = args.includes('--quick')
  const profile = args.includes('--profile')
  const config = quick ? QUICK : FULL
  const rendererDir = join(__dirname, '..', 'out', 'renderer')
  if (!existsSync(join(rendererDir, 'index.html'))) {
    log(`no built renderer at ${rendererDir}: run \`npm run build\` first`)
    return 1
  }
  const started = performance.now()
  const metrics: Metrics = {
    loadavg_1m_at_start: round(loadavg()[0]),
    quick: quick ? 1 : 0,
    nodes: config.nodes,
    pods: config.pods,
    churn_pods_per_s: config.churnPerSecond,
    churn_seconds: config.churnSeconds
  }
  const failures: string[] = []

  log('== cluster: control plane (memory store), desktop host, UI server')
  const cluster = await startUiCluster()
  let page: NodesPage | undefined
  try {
    const seedStart = performance.now()
    await seedCluster(cluster, config.nodes, config.pods, log)
    metrics.seed_s = round((performance.now() - seedStart) / 1000)
    const total = await countObjects(cluster)
    metrics.nodes_total = total.nodes
    metrics.pods_total = total.pods
    log(
      `  seeded in ${metrics.seed_s} s; the API holds ${total.nodes} nodes and ${total.pods} pods`
    )

    log('== first render of #/nodes')
    page = await NodesPage.open()
    const hostProfile = profile ? new Session() : undefined
    if (hostProfile) {
      await page.startProfile()
      hostProfile.connect()
      await hostProfile.post('Profiler.enable')
      await hostProfile.post('Profiler.start')
    }
    const first = await page.firstRender(cluster.url, total.nodes, total.pods, 120_000)
    metrics.nodes_view_first_render_ms = round(first.ms)
    if (profile) {
      const dir = join(__dirname, 'results', 'profiles')
      mkdirSync(dir, { recursive: true })
      const file = join(dir, `ui-first-render-${Date.now()}.cpuprofile`)
      writeFileSync(file, JSON.stringify(await page.stopProfile()))
      log(`  renderer CPU profile: ${file}`)
      if (hostProfile) {
        const { profile: hostCpu } = await hostProfile.post('Profiler.stop')
        const hostFile = join(dir, `ui-first-render-host-${Date.now()}.cpuprofile`)
        writeFileSync(hostFile, JSON.stringify(hostCpu))
        hostProfile.disconnect()
        log(`  host (this process) CPU profile: ${hostFile}`)
      }
    }
    metrics.nodes_view_all_boxes_ms = round(first.completeMs)
    metrics.dom_node_boxes = first.domNodeBoxes
    metrics.dom_pod_squares = first.domPods
    metrics.dom_elements = first.domElements
    metrics.first_render_dom_content_loaded_ms = round(first.domContentLoadedMs)
    metrics.first_render_subscribed_ms = round(first.subscribedMs)
    metrics.first_render_nodes_received_ms = round(first.nodesReceivedMs)
    metrics.first_render_pods_received_ms = round(first.podsReceivedMs)
    metrics.host_nodes_first_update_ms = round(cluster.hostFirstUpdateMs.get('nodes') ?? NaN)
    metrics.host_pods_first_update_ms = round(cluster.hostFirstUpdateMs.get('pods') ?? NaN)
    log(`  rendered ${first.nodes} nodes and ${first.pods} pods in ${round(first.ms)} ms`)
    if (first.domNodeBoxes !== total.nodes || first.domPods !== total.pods) {
      failures.push(
        `the DOM holds ${first.domNodeBoxes} node boxes and ${first.domPods} pod squares, ` +
          `not ${total.nodes} and ${total.pods}`
      )
    }

    log(`== idle for ${config.idleSeconds} s`)
    await new Promise((resolve) => setTimeout(resolve, 1000))
    const idle0 = await page.metrics()
    await new Promise((resolve) => setTimeout(resolve, config.idleSeconds * 1000))
    const idle1 = await page.metrics()
    metrics.busy_ms_per_s_idle = round(
      (idle1.taskMs - idle0.taskMs) / ((idle1.at - idle0.at) / 1000)
    )

    log(
      `== churn: ${config.churnPerSecond} pods change phase every second for ${config.churnSeconds} s`
    )
    const churn0 = await page.metrics()
    const churn = await runPhaseChurn(
      cluster.client,
      cluster.pods,
      config.churnPerSecond,
      config.churnSeconds
    )
    const churn1 = await page.metrics()
    metrics.busy_ms_per_s_at_200_updates = round(
      (churn1.taskMs - churn0.taskMs) / ((churn1.at - churn0.at) / 1000)
    )
    metrics.churn_writes = churn.writes
    metrics.churn_slowest_batch_ms = round(churn.slowestBatchMs)
    metrics.heap_mb_after_churn = round(churn1.heapMb)
    metrics.ui_caught_up_ms = round(
      (await page.untilPending(churn.pendingAtEnd, 30_000)) - churn.lastWriteAt
    )
    log(
      `  ${churn.writes} status writes; UI caught up ${metrics.ui_caught_up_ms} ms after the last`
    )
  } catch (err) {
    failures.push((err as Error).message)
    log(`FAILED: ${(err as Error).stack ?? String(err)}`)
  } finally {
    await page?.close()
    await cluster.close()
  }

  metrics.bench_duration_s = round((performance.now() - started) / 1000)
  printMetricTable(ROWS, metrics)
  Object.assign(metrics, printTargets(metrics))
  return finishRun('ui', metrics, failures)
}

const ROWS: [string, string][] = [
  ['nodes', 'Nodes (API objects, Ready, 8 cores / 32 Gi each)'],
  ['pods', 'pods, bound and Running, spread evenly over the nodes'],
  ['seed_s', 'writing them through the in-process client'],
  ['nodes_total', "nodes the API holds (the control plane's own included)"],
  ['pods_total', 'pods the API holds (the control-plane static pods included)'],
  [
    'nodes_view_first_render_ms',
    "navigation start → all nodes' and pods' counts and the first screen of boxes painted"
  ],
  ['first_render_dom_content_loaded_ms', '… of which: the page and its scripts loaded'],
  ['first_render_subscribed_ms', '… the Nodes view subscribed to nodes and pods'],
  ['first_render_nodes_received_ms', '… the first full node list arrived'],
  ['first_render_pods_received_ms', '… the first full pod list arrived'],
  ['host_nodes_first_update_ms', 'host alone: nodes subscribed → its first update (no transport)'],
  ['host_pods_first_update_ms', 'host alone: pods subscribed → its first update (no transport)'],
  ['nodes_view_all_boxes_ms', 'navigation start → every node box and pod square in the DOM'],
  ['dom_node_boxes', 'node boxes in the DOM then'],
  ['dom_pod_squares', 'pod squares in the DOM then'],
  ['dom_elements', 'elements in the document then'],
  ['busy_ms_per_s_idle', 'renderer main thread, ms busy per s, no changes'],
  ['busy_ms_per_s_at_200_updates', 'renderer main thread, ms busy per s, 200 phase changes/s'],
  ['churn_writes', 'pod status writes made during the churn'],
  ['churn_slowest_batch_ms', "the slowest second's 200 writes, first sent → last answered"],
  ['ui_caught_up_ms', 'last status write answered → the view shows it (polled every 100 ms)'],
  ['heap_mb_after_churn', 'renderer JS heap after the churn'],
  ['loadavg_1m_at_start', 'machine load when the run began (2 cores here)'],
  ['bench_duration_s', 'benchmark wall time']
]

/** Prints PASS/FAIL lines; answers `<metric>_pass` (1/0) for the JSON. */
function printTargets(m: Metrics): Metrics {
  const out: Metrics = {}
  console.log('')
  console.log(
    `Targets (issue 7)${m.quick ? ` — quick run: ${m.nodes} nodes, ${m.pods} pods, ${m.churn_seconds} s of churn` : ''}:`
  )
  for (const [name, bound, why] of TARGETS) {
    const v = m[name]
    const verdict = v === undefined || Number.isNaN(v) ? 'SKIP' : v < bound ? 'PASS' : 'FAIL'
    if (verdict !== 'SKIP') out[`${name}_pass`] = v < bound ? 1 : 0
    console.log(`  ${verdict.padEnd(4)} ${name} < ${bound} (got ${v ?? '-'}; ${why})`)
  }
  return out
}
