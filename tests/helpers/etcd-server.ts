import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A real etcd started for a test or benchmark, on loopback ports, in a temporary directory. */
export interface EtcdServer {
  /** Client URLs, e.g. ['http://127.0.0.1:40123']. */
  endpoints: string[]
  /** Stops the process (SIGTERM, then SIGKILL) and removes its data directory. */
  stop(): Promise<void>
}

/** Path of the etcd binary: $ETCD_BIN, else `etcd` on PATH (Debian's etcd-server). */
export const etcdBinary = process.env.ETCD_BIN ?? 'etcd'

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolvePort(port))
    })
  })
}

/**
 * Starts etcd on two free loopback ports and waits until it answers `/health`.
 * Fails with etcd's own output when it does not come up within `timeoutMs`.
 */
export async function startEtcd(timeoutMs = 20_000): Promise<EtcdServer> {
  const dir = mkdtempSync(join(tmpdir(), 'kubedesk-etcd-'))
  const clientPort = await freePort()
  const peerPort = await freePort()
  const clientUrl = `http://127.0.0.1:${clientPort}`
  const peerUrl = `http://127.0.0.1:${peerPort}`
  const child: ChildProcess = spawn(
    etcdBinary,
    [
      '--name=kubedesk-test',
      `--data-dir=${join(dir, 'data')}`,
      `--listen-client-urls=${clientUrl}`,
      `--advertise-client-urls=${clientUrl}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=kubedesk-test=${peerUrl}`,
      '--log-level=error'
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] }
  )
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  let exited = false
  const exit = new Promise<void>((resolveExit) =>
    child.once('exit', () => {
      exited = true
      resolveExit()
    })
  )
  const spawnError = new Promise<never>((_, reject) => child.once('error', reject))

  const stop = async (): Promise<void> => {
    if (!exited) {
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
      await exit
      clearTimeout(timer)
    }
    rmSync(dir, { recursive: true, force: true })
  }

  const deadline = Date.now() + timeoutMs
  try {
    while (Date.now() < deadline) {
      if (exited) throw new Error(`etcd exited during startup:\n${output}`)
      try {
        const res = await Promise.race([fetch(`${clientUrl}/health`), spawnError])
        if (res.ok) return { endpoints: [clientUrl], stop }
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
          throw new Error(`etcd binary not found (${etcdBinary}); install Debian's etcd-server`)
        }
      }
      await new Promise((r) => setTimeout(r, 100))
    }
    throw new Error(`etcd did not become healthy within ${timeoutMs} ms:\n${output}`)
  } catch (err) {
    await stop()
    throw err
  }
}
