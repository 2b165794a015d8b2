/**
 * The `docker` component log: engine events of this cluster's node and pod containers, and
 * nothing of other clusters' containers on the same engine (an engine double that streams the
 * events a real one sends).
 */
import type Dockerode from 'dockerode'
import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { LABELS } from '../../src/agent/runtime/types'
import { CLUSTER_LABEL } from '../../src/main/nodes/docker/cluster-network'
import { watchDockerEvents } from '../../src/main/nodes/docker/docker-events'
import { ROLE_LABEL } from '../../src/main/nodes/docker/docker-provider'
import { memoryLog, waitFor } from './fixtures'

const DATA_DIR = '/home/u/.kubedesk'

function engine(nodes: string[]) {
  const stream = new PassThrough()
  let filters: unknown
  const docker = {
    listContainers: async () =>
      nodes.map((name) => ({
        Labels: { [CLUSTER_LABEL]: DATA_DIR, [ROLE_LABEL]: 'worker', [LABELS.node]: name }
      })),
    getEvents: async (opts: { filters: unknown }) => {
      filters = opts.filters
      return stream
    }
  } as unknown as Dockerode
  const send = (action: string, attrs: Record<string, string>, id = 'abcdef0123456789'): void =>
    void stream.write(
      JSON.stringify({
        Type: 'container',
        Action: action,
        time: 1,
        Actor: { ID: id, Attributes: attrs }
      }) + '\n'
    )
  return { docker, send, filters: () => filters }
}

const pod = (node: string, container = 'web') => ({
  [LABELS.node]: node,
  [LABELS.type]: 'container',
  [LABELS.podNamespace]: 'default',
  [LABELS.podName]: 'web-1',
  [LABELS.containerName]: container,
  name: `k8s_${container}_web-1_default_uid_0`
})

describe('docker events log', () => {
  it('logs our containers’ lifecycle, warns on a failed exit and OOM, ignores other clusters', async () => {
    const { docker, send, filters } = engine(['kubedesk-worker'])
    const log = memoryLog()
    const watch = watchDockerEvents(docker, DATA_DIR, log)
    try {
      await waitFor('the event stream', () => filters() !== undefined)
      expect(filters()).toMatchObject({ type: ['container'], label: [LABELS.node] })
      send('start', pod('kubedesk-worker'))
      send('exec_start: sh -c true', pod('kubedesk-worker'))
      send('oom', pod('kubedesk-worker'))
      send('die', { ...pod('kubedesk-worker'), exitCode: '137' })
      send('die', { ...pod('kubedesk-worker', 'sidecar'), exitCode: '0' })
      // Another data directory's node of the same name, and a pod on a node that is not ours.
      send('die', {
        [CLUSTER_LABEL]: '/elsewhere',
        [ROLE_LABEL]: 'worker',
        [LABELS.node]: 'kubedesk-worker2',
        exitCode: '1'
      })
      send('die', { ...pod('kubedesk-worker2'), exitCode: '1' })
      // A node of ours created later counts from its first event.
      send('start', {
        [CLUSTER_LABEL]: DATA_DIR,
        [ROLE_LABEL]: 'worker',
        [LABELS.node]: 'kubedesk-worker3',
        name: 'kubedesk-worker3'
      })
      send('kill', { ...pod('kubedesk-worker3'), signal: '15' })
      await waitFor('the last line', () => log.lines.length >= 6)
      await new Promise((resolve) => setTimeout(resolve, 50))
      expect(log.lines.map((l) => l.split(' {')[0])).toEqual([
        'I container start',
        'W container oom',
        'W container die',
        'I container die',
        'I container start',
        'I container kill'
      ])
      expect(JSON.parse(log.lines[2]!.slice('W container die '.length))).toEqual({
        id: 'abcdef012345',
        name: 'k8s_web_web-1_default_uid_0',
        node: 'kubedesk-worker',
        role: 'container',
        pod: 'default/web-1',
        container: 'web',
        exitCode: 137
      })
      expect(log.lines[4]).toContain('"role":"node"')
    } finally {
      watch.close()
    }
  })
})
