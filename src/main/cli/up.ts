/**
 * `kubedesk up`: runs the control plane in the foreground until Ctrl-C, SIGTERM or
 * `kubedesk down`, then stops it in order and exits 0. A failed start exits 1 at once, except
 * with --ui: the UI stays up showing the failed step until Ctrl-C, then `up` exits 1.
 */
import { ControlPlane, type ControlPlaneOptions, type NodeProviderName } from '../control-plane'
import type { BrowserMode } from '../desktop/browser-mode'
import { StartupTracker } from '../desktop/startup-tracker'
import { dataDirPaths, resolveDataDir } from '../data-dir'
import type { StoreBackend } from '../store/types'
import { KUBEDESK_VERSION } from '../version'
import {
  parseChoiceFlag,
  parseDurationFlag,
  parseFlags,
  parseIntegerFlag,
  parsePortFlag,
  parseUrlListFlag,
  stringFlag,
  type FlagSpec
} from './args'
import { describeError, UsageError } from './errors'
import { onStopSignal, write, type CliIO } from './io'

const COMMAND = 'kubedesk up'

const FLAGS: FlagSpec = {
  nodes: { type: 'string' },
  provider: { type: 'string' },
  store: { type: 'string' },
  'etcd-endpoints': { type: 'string' },
  port: { type: 'string' },
  ui: { type: 'boolean' },
  'ui-port': { type: 'string' },
  'node-heartbeat': { type: 'string' },
  'crash-loop-backoff': { type: 'string' },
  'node-monitor-grace-period': { type: 'string' },
  'default-not-ready-toleration-seconds': { type: 'string' },
  'default-unreachable-toleration-seconds': { type: 'string' },
  'terminated-pod-gc-threshold': { type: 'string' },
  'event-ttl': { type: 'string' }
}

const STORES: readonly StoreBackend[] = ['sqlite', 'memory', 'etcd']
const PROVIDERS: readonly (NodeProviderName | 'auto')[] = ['auto', 'docker', 'process', 'simulated']
/** A sanity bound, well above what the simulated provider is meant for. */
const MAX_NODES = 10_000
/** tolerationSeconds is an int64; a bound of 2^31-1 s (68 years) is for ever enough. */
const MAX_TOLERATION_SECONDS = 2_147_483_647

/** What `up` was asked for. */
export interface UpRequest {
  controlPlane: Omit<ControlPlaneOptions, 'onProgress' | 'onShutdownRequested'>
  ui: boolean
  uiPort?: number
}

/** Checks `up`'s flags; a UsageError names the first problem. */
export function parseUpArgs(argv: string[], env: NodeJS.ProcessEnv): UpRequest {
  const { values } = parseFlags(COMMAND, argv, FLAGS)
  const raw = (name: string): string | undefined => stringFlag(values, name)

  const store = parseChoiceFlag(COMMAND, '--store', raw('store') ?? 'sqlite', STORES)
  const provider = parseChoiceFlag(COMMAND, '--provider', raw('provider') ?? 'auto', PROVIDERS)
  const nodes = parseIntegerFlag(COMMAND, '--nodes', raw('nodes') ?? '1', 0, MAX_NODES)
  const port = parsePortFlag(COMMAND, '--port', raw('port') ?? '6443', true)
  const endpointsRaw = raw('etcd-endpoints')
  if (store === 'etcd' && endpointsRaw === undefined) {
    throw new UsageError(
      '--store etcd needs --etcd-endpoints (e.g. --etcd-endpoints http://127.0.0.1:2379)',
      COMMAND
    )
  }
  if (store !== 'etcd' && endpointsRaw !== undefined) {
    throw new UsageError(
      `--etcd-endpoints only applies with --store etcd (store is ${store})`,
      COMMAND
    )
  }
  const etcdEndpoints =
    endpointsRaw === undefined
      ? undefined
      : parseUrlListFlag(COMMAND, '--etcd-endpoints', endpointsRaw)
  const ui = values.ui === true
  const uiPortRaw = raw('ui-port')
  if (uiPortRaw !== undefined && !ui) {
    throw new UsageError('--ui-port only applies with --ui', COMMAND)
  }
  const uiPort =
    uiPortRaw === undefined ? undefined : parsePortFlag(COMMAND, '--ui-port', uiPortRaw, true)
  const dataDir = resolveDataDir(raw('data-dir'), env)
  const seconds = (flag: string): number | undefined => {
    const value = raw(flag)
    if (value === undefined) return undefined
    const ms = parseDurationFlag(COMMAND, `--${flag}`, value)
    if (ms < 100) throw new UsageError(`--${flag} must be at least 100ms (got '${value}')`, COMMAND)
    return ms / 1000
  }
  const integer = (flag: string, max: number): number | undefined => {
    const value = raw(flag)
    return value === undefined ? undefined : parseIntegerFlag(COMMAND, `--${flag}`, value, 0, max)
  }
  const heartbeat = seconds('node-heartbeat')
  const backoff = parseBackoff(raw('crash-loop-backoff'))
  const kubelet = {
    ...(heartbeat === undefined
      ? {}
      : { heartbeatSeconds: heartbeat, leaseDurationSeconds: heartbeat * 4 }),
    ...(backoff ? { backoff } : {})
  }
  return {
    controlPlane: {
      dataDir,
      store,
      etcdEndpoints,
      nodes,
      provider,
      port,
      kubelet,
      nodeMonitorGracePeriodSeconds: seconds('node-monitor-grace-period'),
      defaultNotReadyTolerationSeconds: integer(
        'default-not-ready-toleration-seconds',
        MAX_TOLERATION_SECONDS
      ),
      defaultUnreachableTolerationSeconds: integer(
        'default-unreachable-toleration-seconds',
        MAX_TOLERATION_SECONDS
      ),
      terminatedPodGcThreshold: integer('terminated-pod-gc-threshold', 100_000_000),
      eventTtlSeconds: eventTtl(raw('event-ttl'))
    },
    ui,
    uiPort
  }
}

/** `--crash-loop-backoff 10s,5m`: the first restart delay and its ceiling. */
function parseBackoff(
  raw: string | undefined
): { initialSeconds: number; maxSeconds: number } | undefined {
  if (raw === undefined) return undefined
  const [first, max, extra] = raw.split(',')
  if (first === undefined || max === undefined || extra !== undefined) {
    throw new UsageError(
      `--crash-loop-backoff takes INITIAL,MAX (e.g. 10s,5m), not '${raw}'`,
      COMMAND
    )
  }
  const initialSeconds = parseDurationFlag(COMMAND, '--crash-loop-backoff', first) / 1000
  const maxSeconds = parseDurationFlag(COMMAND, '--crash-loop-backoff', max) / 1000
  if (initialSeconds <= 0 || maxSeconds < initialSeconds) {
    throw new UsageError(
      `--crash-loop-backoff: the ceiling must be at least the first delay (got '${raw}')`,
      COMMAND
    )
  }
  return { initialSeconds, maxSeconds }
}

/** `--event-ttl 1h`: how long an Event lives after its last write, in s; at least 1 s. */
function eventTtl(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined
  const seconds = parseDurationFlag(COMMAND, '--event-ttl', raw) / 1000
  if (seconds < 1) throw new UsageError(`--event-ttl must be at least 1s (got '${raw}')`, COMMAND)
  return seconds
}

/**
 * A failed start with --ui: the page keeps showing the failed step and its log, so the UI stays
 * up until Ctrl-C (or SIGTERM); then `up` exits 1 as any failed start does. The start has
 * already undone itself (data directory released, no control socket), so `kubedesk down`
 * cannot reach this process.
 */
async function holdFailedStart(
  startErr: unknown,
  ui: BrowserMode,
  stopRequested: Promise<string>,
  io: CliIO
): Promise<number> {
  const { line, exitCode, stack } = describeError(startErr, io.env)
  await write(io.stderr, line + '\n' + (stack ? stack + '\n' : ''))
  await write(io.stdout, `\n  KubeDesk UI: ${ui.url}\n\n`)
  await write(
    io.stderr,
    'kubedesk: the cluster failed to start; the UI above shows the failed step and its log. ' +
      'Stop with Ctrl-C.\n'
  )
  const reason = await stopRequested
  await write(io.stderr, `Stopping the UI (${reason})…\n`)
  await ui.close().catch(() => undefined)
  await write(io.stderr, '✓ ui: stopped\n')
  return exitCode
}

/** Runs `kubedesk up`; resolves with the exit code once the control plane has stopped. */
export async function runUp(argv: string[], io: CliIO): Promise<number> {
  const request = parseUpArgs(argv, io.env)
  const { dataDir } = request.controlPlane
  const err = (line: string): void => void io.stderr.write(line + '\n')

  let requestStop: (reason: string) => void = () => undefined
  const stopRequested = new Promise<string>((resolve) => (requestStop = resolve))
  // With --ui the page shows start-up step by step (startup-tracker.ts).
  const tracker = request.ui
    ? new StartupTracker({
        nodes: request.controlPlane.nodes,
        dataDir,
        apiClient: () => controlPlane.apiClient
      })
    : undefined
  const controlPlane: ControlPlane = new ControlPlane({
    ...request.controlPlane,
    env: io.env,
    onProgress: (event) => {
      err(`${event.warning ? '!' : '✓'} ${event.component}: ${event.message}`)
      tracker?.onProgress(event)
    },
    onShutdownRequested: () => requestStop("'kubedesk down'")
  })

  // Listen from the start: a Ctrl-C while the store opens still stops cleanly afterwards.
  let signals = 0
  const disposeSignals = onStopSignal((signal) => {
    signals++
    if (signals === 1) return requestStop(signal)
    err(`kubedesk: ${signal} again — exiting without a clean stop`)
    process.exit(130)
  })
  let ui: BrowserMode | undefined
  try {
    err(`Starting KubeDesk ${KUBEDESK_VERSION} in ${dataDir} (pid ${process.pid})`)
    if (tracker) {
      // Before the control plane: the page shows its start-up as it happens.
      const { startBrowserMode } = await import('../desktop/browser-mode')
      ui = await startBrowserMode({ controlPlane, startup: tracker, dataDir, port: request.uiPort })
      await write(io.stdout, `\n  KubeDesk UI: ${ui.url}\n\n`)
      err('✓ ui: serving on 127.0.0.1 (open the URL above; it carries the access token)')
    }
    try {
      await controlPlane.start()
    } catch (startErr) {
      tracker?.markFailed(startErr)
      if (!ui) throw startErr
      return await holdFailedStart(startErr, ui, stopRequested, io)
    }
    tracker?.markRunning()
    if (ui) controlPlane.setUiUrl(ui.url)

    err(`Try it: kubectl --kubeconfig ${dataDirPaths(dataDir).kubeconfig} get namespaces`)
    err(
      `KubeDesk is running (pid ${process.pid}). Stop it with Ctrl-C or ` +
        `'kubedesk down --data-dir ${dataDir}'.`
    )
    const reason = await stopRequested
    err(`Stopping KubeDesk (${reason})…`)
    if (ui) {
      await ui.close().catch(() => undefined)
      err('✓ ui: stopped')
    }
    await controlPlane.stop()
    err(
      '✓ stopped: API server closed, store closed, control socket removed, ' +
        'data directory released'
    )
    return 0
  } finally {
    disposeSignals()
    await ui?.close().catch(() => undefined)
    // A failed start has already undone itself; this is a no-op then.
    await controlPlane.stop().catch(() => undefined)
  }
}
