/**
 * Server CPU time per create, for A/B comparisons of the create path on a noisy machine (CPU time
 * moves far less with the load of other processes than latency does):
 * `npx tsx bench/apiserver/create-cpu.ts [--creates=3000] [--clients=16] [--rounds=3]`.
 *
 * It starts the API server child (server-child.ts, the benchmark's own), creates `--creates`
 * benchmark Pods through HTTPS from `--clients` concurrent clients once to warm up, then
 * `--rounds` more times, reading the child's CPU time (/proc) around each round. Prints one JSON
 * line: the server's CPU ms per create of each round and their median.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { HttpsClient, median, parallel, round } from './load'
import { podBody } from './pods'
import { startServerProcess } from './server-process'

function flag(name: string, fallback: number): number {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`))
  return arg ? Number(arg.slice(name.length + 3)) : fallback
}

async function main(): Promise<void> {
  const creates = flag('creates', 3000)
  const clients = flag('clients', 16)
  const rounds = flag('rounds', 3)
  const dataDir = mkdtempSync(join(tmpdir(), 'kubedesk-create-cpu-'))
  const server = await startServerProcess({ dataDir })
  const http = new HttpsClient(
    { host: '127.0.0.1', port: server.port, ca: server.ca, token: server.token },
    clients
  )
  try {
    const path = '/api/v1/namespaces/default/pods'
    let seq = 0
    const round1 = async (): Promise<number> => {
      const cpu0 = server.cpuMs()
      await parallel(creates, clients, () => {
        const name = `cpu-${seq++}`
        return http.call('POST', path, podBody(name, 'default', seq), 201)
      })
      return (server.cpuMs() - cpu0) / creates
    }
    await round1()
    const perCreate: number[] = []
    for (let r = 0; r < rounds; r++) perCreate.push(round(await round1()))
    console.log(JSON.stringify({ cpu_ms_per_create: median(perCreate), rounds: perCreate }))
  } finally {
    http.close()
    await server.stop()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

void main()
