/**
 * Copies each docker node's kubelet output (the node container's stdout and stderr), line by
 * line, into the log hub's `kubelet-<node>` component (ring buffer, followers, and the file
 * `<data-dir>/logs/kubelet-<node>.log` with rotation) while the control plane runs, where
 * `kubedesk logs kubelet/<node>` reads it, as it reads a process node's. After a restart of
 * the control plane it goes on from the file's last write, so lines are not copied twice (but
 * for the second in which the old control plane stopped).
 */
import { kubeletLogComponent } from '../kubelet-verbosity'
import type Dockerode from 'dockerode'
import { statSync } from 'node:fs'
import { PassThrough, type Readable } from 'node:stream'
import { componentLogFile, type ComponentLog } from '../../observe/component-log'
import { copyLines, logHubFor } from '../../observe/log-hub'
import { containerLog } from './container-log'

/** Follows node containers' output into their kubelet log files. */
export interface KubeletLogCollector {
  /** Starts copying `name`'s output (no-op when it already is). */
  follow(name: string, containerId: string): void
  /** Stops copying `name`'s output. */
  unfollow(name: string): void
  /** Stops everything. */
  close(): void
}

/** A collector writing under `dataDir`; failures are logged to `log`, never thrown. */
export function createKubeletLogCollector(
  docker: Dockerode,
  dataDir: string,
  log: Pick<ComponentLog, 'warn'>
): KubeletLogCollector {
  const followed = new Map<string, Readable>()

  const unfollow = (name: string): void => {
    followed.get(name)?.destroy()
    followed.delete(name)
  }

  return {
    follow(name, containerId) {
      if (followed.has(name)) return
      const file = componentLogFile(dataDir, kubeletLogComponent(name))
      let sinceSeconds: number | undefined
      try {
        sinceSeconds = Math.floor(statSync(file).mtimeMs / 1000)
      } catch {
        sinceSeconds = undefined
      }
      // Holds the place while the engine answers, so a second follow() does not start another.
      const placeholder: Readable = new PassThrough()
      followed.set(name, placeholder)
      containerLog(docker, containerId, { follow: true, sinceSeconds })
        .then((stream) => {
          if (followed.get(name) !== placeholder) return stream.destroy()
          followed.set(name, stream)
          const sink = logHubFor(dataDir).sink(kubeletLogComponent(name), { external: true })
          const copy = copyLines(sink)
          stream.on('data', (chunk: Buffer) => copy.write(chunk))
          stream.on('error', () => undefined)
          stream.on('close', () => {
            copy.end()
            sink.close()
            if (followed.get(name) === stream) followed.delete(name)
          })
        })
        .catch((err: unknown) => {
          if (followed.get(name) === placeholder) followed.delete(name)
          log.warn('cannot follow the kubelet log', { node: name, err })
        })
    },
    unfollow,
    close() {
      for (const name of [...followed.keys()]) unfollow(name)
    }
  }
}
