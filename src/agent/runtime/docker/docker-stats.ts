/**
 * A container's one-shot stats straight over the engine's Unix socket. Every metrics scrape (15 s)
 * samples every container of the node, which made dockerode's request machinery (its debug
 * formatting of every request's options, redirect wrapper and promise plumbing) the kubelet's
 * largest idle cost; one keep-alive GET per container costs a fraction of it. Engines reached any
 * other way than a Unix socket go through dockerode as before.
 */
import type Dockerode from 'dockerode'
import { Agent, request } from 'node:http'

/** What the stats call answers (the fields the kubelet reads and more). */
export type EngineStats = Dockerode.ContainerStats

/** The Unix socket and API version a dockerode client talks to, when it uses one. */
function socketOf(docker: Dockerode): { socketPath: string; version: string } | undefined {
  const modem = (docker as unknown as { modem?: { socketPath?: unknown; version?: string } }).modem
  if (typeof modem?.socketPath !== 'string' || !modem.socketPath) return undefined
  return { socketPath: modem.socketPath, version: modem.version ? `/${modem.version}` : '' }
}

/** A stats reader for one runtime's engine connection; keeps its socket between calls. */
export function createStatsReader(docker: Dockerode): (id: string) => Promise<EngineStats> {
  const socket = socketOf(docker)
  // one-shot (API 1.41) skips the second sample stream: false would wait for.
  const viaDockerode = (id: string) =>
    docker
      .getContainer(id)
      .stats({ stream: false, 'one-shot': true } as never) as unknown as Promise<EngineStats>
  if (!socket) return viaDockerode
  const agent = new Agent({ keepAlive: true })
  return (id) =>
    new Promise<EngineStats>((resolve, reject) => {
      const path = `${socket.version}/containers/${encodeURIComponent(id)}/stats?stream=false&one-shot=true`
      const req = request({ socketPath: socket.socketPath, path, agent }, (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('error', reject)
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8')
          if (res.statusCode !== 200) {
            const message = (() => {
              try {
                return (JSON.parse(text) as { message?: string }).message
              } catch {
                return undefined
              }
            })()
            const err = new Error(`stats ${id}: ${message ?? text.trim()}`) as Error & {
              statusCode?: number
            }
            err.statusCode = res.statusCode
            return reject(err)
          }
          try {
            resolve(JSON.parse(text) as EngineStats)
          } catch {
            reject(new Error(`stats ${id}: the engine answered something that is not JSON`))
          }
        })
      })
      req.on('error', reject)
      req.end()
    })
}
