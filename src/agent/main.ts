/**
 * The agent's entry point, bundled into `out/agent/kubelet.js` (scripts/build-agent.mjs) and
 * run inside every docker node (`node /kubedesk/kubelet.js`) and as the child process of every
 * process node.
 *
 *   kubelet.js            runs the kubelet with the configuration in $KUBEDESK_KUBELET_CONFIG
 *   kubelet.js crictl …   `crictl` against the running kubelet's runtime (the node image has a
 *                         /usr/local/bin/crictl wrapper for it)
 *
 * The kubelet logs klog-style lines to stderr, where the node provider collects them. SIGTERM
 * and SIGINT stop it cleanly, leaving pod containers running for the next kubelet to adopt.
 */
import { readFileSync } from 'node:fs'
import { createHttpsClient } from './api/https-client'
import { KUBELET_CONFIG_ENV, type KubeletConfig } from './config'
import { runCrictl } from './crictl/crictl'
import { Kubelet } from './kubelet/kubelet'
import { streamLog } from './log'
import { createRuntime } from './runtime'
import { startCriSocket } from './server/cri-socket'
import { startKubeletServer } from './server/kubelet-server'

/** Reads and checks the configuration file; throws a readable Error. */
export function loadKubeletConfig(file: string | undefined): KubeletConfig {
  if (!file)
    throw new Error(`${KUBELET_CONFIG_ENV} is not set: it must name the kubelet's config file`)
  let config: KubeletConfig
  try {
    config = JSON.parse(readFileSync(file, 'utf8')) as KubeletConfig
  } catch (err) {
    throw new Error(`cannot read the kubelet config ${file}: ${(err as Error).message}`)
  }
  for (const field of ['nodeName', 'runtime', 'capacity', 'rootDir'] as const) {
    if (!config[field]) throw new Error(`the kubelet config ${file} has no ${field}`)
  }
  if (!config.apiServer) throw new Error(`the kubelet config ${file} has no apiServer`)
  return config
}

async function runKubelet(): Promise<void> {
  const log = streamLog('kubelet')
  const config = loadKubeletConfig(process.env[KUBELET_CONFIG_ENV])
  const runtime = createRuntime(config.runtime, {
    nodeName: config.nodeName,
    rootDir: config.rootDir,
    network: config.network,
    ip: config.addresses.find((a) => a.type === 'InternalIP')?.address,
    log
  })
  const client = createHttpsClient(config.apiServer!, {
    qps: config.qps,
    burst: config.burst,
    userAgent: `kubelet/${config.nodeName}`
  })
  const kubelet = new Kubelet({ config, client, runtime, log })
  const server = config.server
    ? await startKubeletServer({ config: config.server, nodeName: config.nodeName, runtime, log })
    : undefined
  const cri = config.criSocket ? await startCriSocket(config.criSocket, runtime) : undefined
  log.info('kubelet starting', {
    node: config.nodeName,
    runtime: config.runtime,
    apiServer: config.apiServer!.url,
    port: server?.port
  })
  await kubelet.start()

  let stopping = false
  const stop = (signal: string): void => {
    if (stopping) return
    stopping = true
    log.info('kubelet stopping', { signal })
    void (async () => {
      await kubelet.stop().catch((err: unknown) => log.error('stop failed', { err }))
      await server?.close().catch(() => undefined)
      await cri?.close().catch(() => undefined)
      await runtime.close().catch(() => undefined)
      client.close()
      process.exit(0)
    })()
  }
  process.on('SIGTERM', () => stop('SIGTERM'))
  process.on('SIGINT', () => stop('SIGINT'))
}

async function main(argv: string[]): Promise<number | undefined> {
  if (argv[0] === 'crictl') {
    const config = loadKubeletConfig(process.env[KUBELET_CONFIG_ENV])
    if (!config.criSocket) throw new Error('this kubelet serves no CRI socket (criSocket unset)')
    return runCrictl(argv.slice(1), {
      socket: config.criSocket,
      out: process.stdout,
      err: process.stderr
    })
  }
  await runKubelet()
  return undefined
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== undefined) process.exitCode = code
  },
  (err: unknown) => {
    process.stderr.write(`kubelet: ${err instanceof Error ? err.message : String(err)}\n`)
    process.exit(1)
  }
)
