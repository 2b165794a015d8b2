/** The fake runtime keeps the ContainerRuntime contract the kubelet relies on. */
import { describe, expect, it, vi } from 'vitest'
import { createFakeRuntime } from '../../../src/agent/runtime/fake/fake-runtime'
import {
  ImagePullError,
  RuntimeNotFoundError,
  type ContainerConfig
} from '../../../src/agent/runtime/types'

const sandboxConfig = (uid: string) => ({
  metadata: { name: 'p', namespace: 'default', uid, attempt: 0 },
  hostname: 'p',
  labels: { 'io.kubedesk.node': 'n1', 'io.kubernetes.pod.uid': uid }
})
const containerConfig = (env: Record<string, string> = {}): ContainerConfig => ({
  name: 'c',
  image: 'busybox',
  env: Object.entries(env).map(([name, value]) => ({ name, value })),
  mounts: [],
  resources: {},
  labels: {
    'io.kubedesk.node': 'n1',
    'io.kubernetes.pod.uid': 'u1',
    'io.kubernetes.container.name': 'c'
  },
  attempt: 0
})

const read = async (s: NodeJS.ReadableStream): Promise<string> => {
  let out = ''
  for await (const chunk of s) out += String(chunk)
  return out
}

describe('fake runtime', () => {
  it('runs sandboxes with an IP and containers until stopped', async () => {
    const rt = createFakeRuntime({ ip: '10.9.9.9' })
    const sb = await rt.runPodSandbox(sandboxConfig('u1'))
    expect((await rt.podSandboxStatus(sb)).ip).toBe('10.9.9.9')
    const id = await rt.createContainer(sb, containerConfig())
    expect((await rt.containerStatus(id)).state).toBe('created')
    await rt.startContainer(id)
    expect((await rt.containerStatus(id)).state).toBe('running')
    expect(rt.inspect(id)?.name).toBe('c')
    expect(await rt.listContainers({ podUid: 'u1', state: 'running' })).toHaveLength(1)
    expect(await rt.listContainers({ labels: { 'io.kubedesk.node': 'n2' } })).toHaveLength(0)
    await rt.stopContainer(id, 1)
    const s = await rt.containerStatus(id)
    expect(s.state).toBe('exited')
    expect(s.finishedAt).toBeInstanceOf(Date)
    await rt.removeContainer(id)
    await expect(rt.containerStatus(id)).rejects.toBeInstanceOf(RuntimeNotFoundError)
    await rt.stopPodSandbox(sb)
    expect((await rt.podSandboxStatus(sb)).state).toBe('notready')
    await rt.removePodSandbox(sb)
    expect(await rt.listPodSandboxes()).toEqual([])
  })

  it('exits with KUBEDESK_FAKE_EXIT_CODE after KUBEDESK_FAKE_RUN_SECONDS and shows KUBEDESK_FAKE_LOG', async () => {
    const rt = createFakeRuntime()
    const sb = await rt.runPodSandbox(sandboxConfig('u1'))
    expect((await rt.podSandboxStatus(sb)).ip).toMatch(/^10\./)
    const id = await rt.createContainer(
      sb,
      containerConfig({
        KUBEDESK_FAKE_EXIT_CODE: '2',
        KUBEDESK_FAKE_RUN_SECONDS: '0.1',
        KUBEDESK_FAKE_LOG: 'one\ntwo'
      })
    )
    await rt.startContainer(id)
    expect((await rt.containerStatus(id)).state).toBe('running')
    await new Promise((r) => setTimeout(r, 250))
    expect(await rt.containerStatus(id)).toMatchObject({
      state: 'exited',
      exitCode: 2,
      reason: 'Error'
    })
    expect(await read(await rt.containerLogs(id, {}))).toBe('one\ntwo\n')
    expect(await read(await rt.containerLogs(id, { tailLines: 1 }))).toBe('two\n')
  })

  it('without KUBEDESK_FAKE_LOG, logs what it simulated; a follow lasts until the exit', async () => {
    // Only the clock is faked: the start and the exit a minute apart.
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-12-04T01:00:00Z') })
    try {
      const rt = createFakeRuntime({ nodeName: 'n1' })
      const sb = await rt.runPodSandbox(sandboxConfig('u1'))
      const config = { ...containerConfig(), command: ['sleep', '3600'] }
      const id = await rt.createContainer(sb, config)
      expect(await read(await rt.containerLogs(id, {}))).toBe('')
      await rt.startContainer(id)
      const started =
        '[kubedesk] started "sleep 3600" (image busybox) on simulated node n1\n' +
        '[kubedesk] a simulated container runs no process and logs nothing else; ' +
        'it runs until stopped\n'
      expect(await read(await rt.containerLogs(id, {}))).toBe(started)
      const follow = read(await rt.containerLogs(id, { follow: true }))
      vi.setSystemTime(new Date('2026-12-04T01:01:00Z'))
      await rt.stopContainer(id, 1)
      const exited = '[kubedesk] exited with code 137 (Error)\n'
      expect(await follow).toBe(started + exited)
      // Each line has its own time: only the exit is after a moment between the two.
      const since = new Date('2026-12-04T01:00:30Z')
      expect(await read(await rt.containerLogs(id, { since }))).toBe(exited)
      expect(await read(await rt.containerLogs(id, { timestamps: true, tailLines: 1 }))).toBe(
        `2026-12-04T01:01:00.000Z ${exited}`
      )
    } finally {
      vi.useRealTimers()
    }
  })

  it('fails pulls of missing images and answers exec by command', async () => {
    const rt = createFakeRuntime()
    const err = await rt.pullImage('example/does-not-exist:1').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ImagePullError)
    expect((err as Error).message).toBe(
      "pull access denied for example/does-not-exist, repository does not exist or may require 'docker login'"
    )
    expect(await rt.imageStatus('busybox')).toBeUndefined()
    const info = await rt.pullImage('busybox')
    expect(await rt.imageStatus('busybox')).toEqual(info)
    const sb = await rt.runPodSandbox(sandboxConfig('u1'))
    const id = await rt.createContainer(sb, containerConfig())
    await rt.startContainer(id)
    expect((await rt.execSync(id, ['cat', '/tmp/x'], 1)).exitCode).toBe(0)
    expect((await rt.execSync(id, ['false'], 1)).exitCode).toBe(1)
    expect((await rt.execSync(id, ['sh', '-c', 'exit 7'], 1)).exitCode).toBe(7)
    await expect(rt.stopContainer('nope', 1)).rejects.toBeInstanceOf(RuntimeNotFoundError)
  })

  it('holds a thousand nodes of containers cheaply', async () => {
    const runtimes = Array.from({ length: 1000 }, (_, i) =>
      createFakeRuntime({ nodeName: `n${i}` })
    )
    for (const rt of runtimes) {
      const sb = await rt.runPodSandbox(sandboxConfig('u1'))
      await rt.startContainer(await rt.createContainer(sb, containerConfig()))
    }
    const counts = await Promise.all(runtimes.map((rt) => rt.listContainers({ state: 'running' })))
    expect(counts.every((c) => c.length === 1)).toBe(true)
  })
})
