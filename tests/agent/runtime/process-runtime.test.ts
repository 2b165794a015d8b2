/**
 * The process runtime: the shared contract, plus what only it does — containers need a command,
 * mounts are skipped, and a restarted kubelet sees the containers of the one before.
 */
import { mkdtempSync, realpathSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createRuntime } from '../../../src/agent/runtime/index'
import { createProcessRuntime } from '../../../src/agent/runtime/process/process-runtime'
import type { ContainerRuntime } from '../../../src/agent/runtime/types'
import { containerConfig, describeRuntimeContract, podMeta, readAll, waitFor } from './contract'

const rootDir = mkdtempSync(join(tmpdir(), 'kubedesk-test-rt-process-'))
const workingDir = realpathSync(mkdtempSync(join(tmpdir(), 'kubedesk-test-rt-cwd-')))
const nodeName = 'kubedesk-test-rt-process'
const runtimes: ContainerRuntime[] = []

function newRuntime(dir = rootDir): ContainerRuntime {
  const runtime = createProcessRuntime({ nodeName, rootDir: dir, ip: '127.0.0.1' })
  runtimes.push(runtime)
  return runtime
}

const runtime = newRuntime()

afterAll(async () => {
  try {
    for (const r of runtimes) {
      for (const s of await r.listPodSandboxes()) await r.removePodSandbox(s.id)
      await r.close()
    }
  } finally {
    rmSync(rootDir, { recursive: true, force: true })
    rmSync(workingDir, { recursive: true, force: true })
  }
})

describeRuntimeContract('process', () => ({ runtime, image: 'busybox:latest', workingDir }))

describe('process runtime', () => {
  it('is built by the runtime factory, and the factory explains missing options', () => {
    expect(createRuntime('process', { nodeName, rootDir }).name).toBe('process')
    expect(() => createRuntime('process', { nodeName })).toThrow(/rootDir/)
    expect(() => createRuntime('docker', { nodeName })).toThrow(/network/)
    expect(() => createRuntime('nope' as never, { nodeName })).toThrow(/unknown container runtime/)
  })

  it('runs only containers with a command', async () => {
    const metadata = podMeta('nocmd')
    const pod = await runtime.runPodSandbox({ metadata, hostname: metadata.name, labels: {} })
    await expect(
      runtime.createContainer(pod, containerConfig('busybox:latest', {}))
    ).rejects.toThrow('the process runtime runs only containers with a command')
    // args alone run as the command line.
    const id = await runtime.createContainer(
      pod,
      containerConfig('busybox:latest', { args: ['echo', 'only args'] })
    )
    await runtime.startContainer(id)
    await waitFor('exit', async () => (await runtime.containerStatus(id)).state === 'exited')
    expect(await readAll(await runtime.containerLogs(id, {}))).toBe('only args\n')
  })

  it('reports a command that cannot start as a StartError', async () => {
    const metadata = podMeta('missing')
    const pod = await runtime.runPodSandbox({ metadata, hostname: metadata.name, labels: {} })
    const id = await runtime.createContainer(
      pod,
      containerConfig('busybox:latest', { command: ['/no/such/program'] })
    )
    await expect(runtime.startContainer(id)).rejects.toThrow(/ENOENT/)
    expect(await runtime.containerStatus(id)).toMatchObject({
      state: 'exited',
      reason: 'StartError'
    })
  })

  it('skips mounts, reports any image as present and the node IP as pod IP', async () => {
    const metadata = podMeta('mounts')
    const pod = await runtime.runPodSandbox({ metadata, hostname: metadata.name, labels: {} })
    expect((await runtime.podSandboxStatus(pod)).ip).toBe('127.0.0.1')
    const id = await runtime.createContainer(
      pod,
      containerConfig('example.com/anything:v1', {
        command: ['sh', '-c', 'echo "$HOSTNAME"'],
        mounts: [{ containerPath: '/data', hostPath: workingDir, readOnly: true }]
      })
    )
    await runtime.startContainer(id)
    await waitFor('exit', async () => (await runtime.containerStatus(id)).state === 'exited')
    expect(await readAll(await runtime.containerLogs(id, {}))).toBe(`${metadata.name}\n`)
    expect((await runtime.pullImage('example.com/anything:v1')).repoTags).toEqual([
      'example.com/anything:v1'
    ])
    await expect(runtime.pullImage('')).rejects.toThrow(/image name/)
  })

  it('keeps exited containers across a kubelet restart and reports running ones as lost', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubedesk-test-rt-restart-'))
    try {
      const first = newRuntime(dir)
      const metadata = podMeta('restart')
      const pod = await first.runPodSandbox({ metadata, hostname: metadata.name, labels: {} })
      const done = await first.createContainer(
        pod,
        containerConfig('img', { command: ['sh', '-c', 'echo bye; exit 4'] })
      )
      const running = await first.createContainer(
        pod,
        containerConfig('img', { name: 'long', command: ['sleep', '30'] })
      )
      await first.startContainer(done)
      await first.startContainer(running)
      await waitFor('exit', async () => (await first.containerStatus(done)).state === 'exited')
      // The kubelet dies without closing its runtime (a crash): `long` is left running.

      const second = newRuntime(dir)
      expect((await second.podSandboxStatus(pod)).metadata.name).toBe(metadata.name)
      expect(await second.containerStatus(done)).toMatchObject({ state: 'exited', exitCode: 4 })
      expect(await readAll(await second.containerLogs(done, {}))).toBe('bye\n')
      const lost = await second.containerStatus(running)
      expect(lost).toMatchObject({ state: 'exited', exitCode: 255 })
      expect(lost.message).toMatch(/kubelet restarted/)
      await second.removePodSandbox(pod)
      expect(await second.listContainers()).toEqual([])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('close() ends the pod processes: a stopped node keeps none running', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubedesk-test-rt-close-'))
    try {
      const runtime = newRuntime(dir)
      const metadata = podMeta('close')
      const pod = await runtime.runPodSandbox({ metadata, hostname: metadata.name, labels: {} })
      const id = await runtime.createContainer(
        pod,
        containerConfig('img', { name: 'long', command: ['sleep', '30'] })
      )
      await runtime.startContainer(id)
      const status = await runtime.containerStatus(id)
      expect(status.state).toBe('running')
      await runtime.close()
      const after = await newRuntime(dir).containerStatus(id)
      expect(after.state).toBe('exited')
      expect(after.exitCode).not.toBe(0)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
