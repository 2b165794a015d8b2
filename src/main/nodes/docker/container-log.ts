/**
 * A container's output as one plain text stream: the engine multiplexes stdout and stderr with
 * frame headers (no TTY); this splits the frames and joins both streams in order. Used for a
 * docker node's kubelet log (`kubedesk logs kubelet/<node>`).
 */
import type Dockerode from 'dockerode'
import { PassThrough, type Readable } from 'node:stream'

/** How much of the log: all of it or the last lines, once or followed until the container exits. */
export interface ContainerLogOptions {
  follow?: boolean
  tailLines?: number
  /** Only output written at or after this Unix time (seconds). */
  sinceSeconds?: number
}

/** The container's stdout and stderr as text; with `follow`, until it exits or the stream is destroyed. */
export async function containerLog(
  docker: Dockerode,
  id: string,
  opts: ContainerLogOptions = {}
): Promise<Readable> {
  const container = docker.getContainer(id)
  const out = new PassThrough()
  const tail = {
    ...(opts.tailLines !== undefined ? { tail: opts.tailLines } : {}),
    ...(opts.sinceSeconds !== undefined ? { since: opts.sinceSeconds } : {})
  }
  if (!opts.follow) {
    const raw = await container.logs({ follow: false, stdout: true, stderr: true, ...tail })
    const source = new PassThrough()
    docker.modem.demuxStream(source, out, out)
    source.on('end', () => out.end())
    source.end(raw)
    return out
  }
  const stream = (await container.logs({
    follow: true,
    stdout: true,
    stderr: true,
    ...tail
  })) as Readable
  docker.modem.demuxStream(stream, out, out)
  stream.on('end', () => out.end())
  stream.on('error', (err) => out.destroy(err))
  out.on('close', () => stream.destroy())
  return out
}
