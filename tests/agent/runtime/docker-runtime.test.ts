/**
 * The docker runtime against the real engine: the shared contract, plus pod networking on a
 * test network, limits, mounts, Kubernetes command/args semantics, dockershim names, node
 * isolation and pull errors. Everything it creates carries this run's node name and is removed
 * in afterAll; skipped (with the reason printed) only when no Docker engine answers.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import type Dockerode from 'dockerode'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDockerRuntime } from '../../../src/agent/runtime/docker/docker-runtime'
import { PAUSE_IMAGE } from '../../../src/agent/runtime/docker/pause-image'
import { createRuntime } from '../../../src/agent/runtime/index'
import {
  ImagePullError,
  LABELS,
  RuntimeNotFoundError,
  type ContainerRuntime
} from '../../../src/agent/runtime/types'
import { dockerAvailable, ensureBusyboxImage, localDocker } from '../../helpers/docker-images'
import { containerConfig, describeRuntimeContract, podMeta, readAll, waitFor } from './contract'

const available = await dockerAvailable()
if (!available)
  console.warn(
    'Skipping the docker runtime tests: no Docker engine answers on /var/run/docker.sock'
  )

const suffix = randomBytes(4).toString('hex')
const nodeName = `kubedesk-test-rt-${suffix}`
const networkName = `kubedesk-test-rt-${suffix}`
let docker: Dockerode
let runtime: ContainerRuntime
let image: string
let subnet: string
const hostDir = mkdtempSync(join(tmpdir(), 'kubedesk-test-rt-mount-'))

describe.skipIf(!available)('docker runtime', () => {
  beforeAll(async () => {
    docker = localDocker()
    image = await ensureBusyboxImage(docker)
    const network = await docker.createNetwork({
      Name: networkName,
      Driver: 'bridge',
      Labels: { [LABELS.node]: nodeName }
    })
    subnet = (await network.inspect()).IPAM?.Config?.[0]?.Subnet ?? ''
    runtime = createDockerRuntime({
      nodeName,
      network: networkName,
      docker,
      labels: { 'io.kubedesk.test': suffix }
    })
  })

  afterAll(async () => {
    await runtime?.close()
    if (docker) {
      const leftovers = await docker.listContainers({
        all: true,
        filters: { label: [`${LABELS.node}=${nodeName}`] }
      })
      await Promise.all(leftovers.map((c) => docker.getContainer(c.Id).remove({ force: true })))
      await docker
        .getNetwork(networkName)
        .remove()
        .catch(() => undefined)
    }
    rmSync(hostDir, { recursive: true, force: true })
  })

  describeRuntimeContract('docker', () => ({ runtime, image, workingDir: '/tmp' }))

  async function pod(prefix: string): Promise<string> {
    const metadata = podMeta(prefix)
    return runtime.runPodSandbox({ metadata, hostname: metadata.name, labels: {} })
  }

  it('gives each pod an IP on the cluster network and lets pods reach each other', async () => {
    const server = await pod('server')
    const client = await pod('client')
    const serverIp = (await runtime.podSandboxStatus(server)).ip!
    const clientIp = (await runtime.podSandboxStatus(client)).ip!
    expect(subnet).toMatch(/^\d+\.\d+\.\d+\.\d+\/\d+$/)
    const prefix = subnet.split('.').slice(0, 2).join('.') + '.'
    expect(serverIp.startsWith(prefix)).toBe(true)
    const attached = (await docker.getNetwork(networkName).inspect()).Containers ?? {}
    expect(attached[server]?.IPv4Address).toBe(`${serverIp}/${subnet.split('/')[1]}`)
    expect(clientIp).not.toBe(serverIp)
    const listener = await runtime.createContainer(
      server,
      containerConfig(image, { command: ['sh', '-c', 'echo pong | nc -l -p 8080'] })
    )
    await runtime.startContainer(listener)
    const caller = await runtime.createContainer(
      client,
      containerConfig(image, { command: ['sleep', '60'] })
    )
    await runtime.startContainer(caller)
    const reply = await waitFor('a reply from the other pod', async () => {
      const r = await runtime.execSync(
        caller,
        ['sh', '-c', `echo ping | nc -w 2 ${serverIp} 8080`],
        5
      )
      return r.stdout.includes('pong') && r.stdout
    })
    // The reply crossed from one pod's network namespace to the other's by pod IP. (Whether the
    // one-shot `nc -l` also printed the ping depends on which side closes first: not asserted.)
    expect(reply.trim()).toBe('pong')
  })

  it('applies memory and CPU limits, mounts and dockershim names', async () => {
    writeFileSync(join(hostDir, 'greeting'), 'hi from the host\n')
    const metadata = podMeta('limits')
    const sandbox = await runtime.runPodSandbox({ metadata, hostname: metadata.name, labels: {} })
    const id = await runtime.createContainer(
      sandbox,
      containerConfig(image, {
        name: 'app',
        command: ['sh', '-c', 'cat /data/greeting; sleep 30'],
        resources: { memoryBytes: 64 * 1024 * 1024, cpuMillis: 500 },
        mounts: [{ containerPath: '/data', hostPath: hostDir, readOnly: true }],
        attempt: 2
      })
    )
    await runtime.startContainer(id)
    const info = await docker.getContainer(id).inspect()
    expect(info.HostConfig.Memory).toBe(67108864)
    expect(info.HostConfig.NanoCpus).toBe(500_000_000)
    expect(info.HostConfig.NetworkMode).toBe(`container:${sandbox}`)
    const { name, namespace, uid } = metadata
    expect(info.Name).toBe(`/k8s_app_${name}_${namespace}_${uid}_2`)
    const sandboxInfo = await docker.getContainer(sandbox).inspect()
    expect(sandboxInfo.Name).toBe(`/k8s_POD_${name}_${namespace}_${uid}_0`)
    expect(sandboxInfo.Config.Image).toBe(PAUSE_IMAGE)
    expect(sandboxInfo.Config.Hostname).toBe(name)
    expect(sandboxInfo.Config.Labels).toMatchObject({
      'io.kubedesk.test': suffix,
      [LABELS.type]: 'sandbox'
    })
    const logs = await waitFor('the mounted file in the log', async () => {
      const text = await readAll(await runtime.containerLogs(id, {}))
      return text.includes('hi') && text
    })
    expect(logs).toBe('hi from the host\n')
    const write = await runtime.execSync(id, ['sh', '-c', 'echo x > /data/new'], 5)
    expect(write.exitCode).not.toBe(0)
    expect(write.stderr).toMatch(/Read-only file system/)
    expect((await runtime.containerStatus(id)).imageRef).toMatch(/^sha256:/)
  })

  it('reports a container killed for going over its memory limit as OOMKilled', async () => {
    const sandbox = await pod('oom')
    const hog = 'x=$(head -c 100000000 /dev/zero | tr "\\0" a); echo survived'
    const id = await runtime.createContainer(
      sandbox,
      containerConfig(image, {
        command: ['sh', '-c', hog],
        resources: { memoryBytes: 32 * 1024 * 1024 }
      })
    )
    await runtime.startContainer(id)
    const status = await waitFor('the container to exit', async () => {
      const s = await runtime.containerStatus(id)
      return s.state === 'exited' && s
    })
    expect(status).toMatchObject({ reason: 'OOMKilled', exitCode: 137 })
  })

  it('follows Kubernetes command/args semantics', async () => {
    const sandbox = await pod('args')
    const argsOnly = await runtime.createContainer(
      sandbox,
      containerConfig(image, { name: 'a', args: ['echo', 'args only'] })
    )
    const commandOnly = await runtime.createContainer(
      sandbox,
      containerConfig(image, { name: 'c', command: ['echo'] })
    )
    const both = await runtime.createContainer(
      sandbox,
      containerConfig(image, { name: 'b', command: ['echo'], args: ['x', 'y'] })
    )
    for (const id of [argsOnly, commandOnly, both]) await runtime.startContainer(id)
    const outputs = await Promise.all(
      [argsOnly, commandOnly, both].map(async (id) => {
        await waitFor('exit', async () => (await runtime.containerStatus(id)).state === 'exited')
        return readAll(await runtime.containerLogs(id, {}))
      })
    )
    // command without args drops the image's CMD (`sh`): echo prints an empty line.
    expect(outputs).toEqual(['args only\n', '\n', 'x y\n'])
  })

  it('sees only its own node, and stops and removes a pod with its containers', async () => {
    const other = createRuntime('docker', {
      nodeName: `${nodeName}-other`,
      network: networkName,
      docker
    })
    const sandbox = await pod('isolated')
    const id = await runtime.createContainer(
      sandbox,
      containerConfig(image, { command: ['sleep', '60'] })
    )
    await runtime.startContainer(id)
    expect(await other.listPodSandboxes()).toEqual([])
    expect(await other.listContainers()).toEqual([])
    await expect(other.containerStatus(id)).rejects.toThrow(/not found/)
    await runtime.stopPodSandbox(sandbox)
    expect((await runtime.containerStatus(id)).state).toBe('exited')
    await runtime.removePodSandbox(sandbox)
    expect(await runtime.listContainers({ podSandboxId: sandbox })).toEqual([])
    await expect(docker.getContainer(id).inspect()).rejects.toMatchObject({ statusCode: 404 })
    await other.close()
  })

  it('replaces a sandbox left behind by the same pod and attempt', async () => {
    const metadata = podMeta('again')
    const first = await runtime.runPodSandbox({ metadata, hostname: 'h', labels: {} })
    const member = await runtime.createContainer(
      first,
      containerConfig(image, { command: ['sleep', '60'] })
    )
    const second = await runtime.runPodSandbox({ metadata, hostname: 'h', labels: {} })
    expect(second).not.toBe(first)
    expect((await runtime.podSandboxStatus(second)).state).toBe('ready')
    await expect(runtime.podSandboxStatus(first)).rejects.toThrow(/not found/)
    await expect(runtime.containerStatus(member)).rejects.toThrow(/not found/)
  })

  it('never runs a container in a sandbox stopped behind its back', async () => {
    const sandbox = await pod('stopped')
    const config = containerConfig(image, { command: ['sleep', '60'] })
    await docker.getContainer(sandbox).stop({ t: 0 })
    // Before the runtime has looked, the engine refuses to join the stopped sandbox's network.
    const member = await runtime.createContainer(sandbox, config)
    await expect(runtime.startContainer(member)).rejects.toThrow(/non running container/)
    expect((await runtime.containerStatus(member)).state).toBe('created')
    // Once it has seen the sandbox stopped, it refuses the container itself.
    expect((await runtime.podSandboxStatus(sandbox)).state).toBe('notready')
    await expect(runtime.createContainer(sandbox, config)).rejects.toThrow(/is not ready/)
  })

  it('reports a container removed behind its back as not found when started', async () => {
    const sandbox = await pod('vanished')
    const id = await runtime.createContainer(
      sandbox,
      containerConfig(image, { command: ['sleep', '60'] })
    )
    await docker.getContainer(id).remove({ force: true })
    await expect(runtime.startContainer(id)).rejects.toBeInstanceOf(RuntimeNotFoundError)
  })

  it("reports a failed pull with Docker's own message, and finds present images", async () => {
    const missing = `kubedesk-test-rt-missing-${suffix}/nothing:1`
    const steps: string[] = []
    const err = await runtime
      .pullImage(missing, (p) => steps.push(p.status))
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ImagePullError)
    const message = (err as ImagePullError).message
    // Docker's words (no registry is reachable here, or the repository does not exist).
    expect(message).toMatch(/registry|repository|pull access denied|dial tcp|no such host/i)
    expect(message).not.toMatch(/^\(HTTP code/)
    expect((err as ImagePullError).image).toBe(missing)
    expect(await runtime.imageStatus(missing)).toBeUndefined()
    const present = await runtime.pullImage(image)
    expect(present.repoTags).toContain(image)
    expect((await runtime.listImages()).map((i) => i.id)).toContain(present.id)
    expect((await runtime.version()).runtimeName).toBe('docker')
  })
})
