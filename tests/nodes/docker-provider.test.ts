/**
 * The docker node provider against the real engine: its own network, node image and data
 * directory (all named with a random id and removed afterwards), and a fake kubelet bundle.
 */
import Dockerode from 'dockerode'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, rmSync, statSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createDockerProvider,
  type DockerNodeProvider
} from '../../src/main/nodes/docker/docker-provider'
import { pingDocker } from '../../src/main/nodes/docker/docker-engine'
import { kubeletConfigFile, nodeStateDir } from '../../src/main/nodes/kubelet-config-file'
import { NodeProviderError, type KubeletLaunch } from '../../src/main/nodes/types'
import { fakeLaunch, memoryLog, waitFor, writeFakeAgent } from './fixtures'

const id = randomBytes(4).toString('hex')
const docker = new Dockerode({ socketPath: '/var/run/docker.sock' })
const network = `kubedesk-test-${id}`
const nodeA = `kdt-${id}-a`
const nodeB = `kdt-${id}-b`
const TEST_LABEL = 'io.kubedesk.test'
const small = { cpu: 0.5, memoryBytes: 256 * 1024 ** 2, pods: 20 }
const large = { cpu: 1, memoryBytes: 512 * 1024 ** 2, pods: 110 }

let skipReason: string | undefined
let dataDir: string
let agentBundle: string
let provider: DockerNodeProvider
const log = memoryLog()
const images = new Set<string>()

async function logsOf(name: string): Promise<string> {
  const stream = await provider.logs(name)
  let text = ''
  for await (const chunk of stream) text += String(chunk)
  return text
}

async function inspect(name: string): Promise<Dockerode.ContainerInspectInfo> {
  return docker.getContainer(name).inspect()
}

beforeAll(async () => {
  skipReason = await pingDocker(docker, 3000)
  if (skipReason) {
    console.warn(`skipping docker provider tests: no Docker engine answers (${skipReason})`)
    return
  }
  dataDir = mkdtempSync(join(tmpdir(), 'kubedesk-nodes-'))
  agentBundle = writeFakeAgent(id)
  // A random 10.2xx subnet so parallel runs rarely meet; the provider moves on when one is taken.
  const subnet = `10.${200 + Math.floor(Math.random() * 40)}.0.0/16`
  provider = createDockerProvider({ dataDir, log, agentBundle, network, subnet, docker })
})

afterAll(async () => {
  if (skipReason) return
  const mine = await docker.listContainers({
    all: true,
    filters: { label: [`io.kubedesk.cluster=${dataDir}`] }
  })
  const extra = await docker.listContainers({
    all: true,
    filters: { label: [`${TEST_LABEL}=${id}`] }
  })
  for (const c of [...mine, ...extra]) {
    await docker
      .getContainer(c.Id)
      .remove({ force: true })
      .catch(() => undefined)
  }
  await docker
    .getNetwork(network)
    .remove()
    .catch(() => undefined)
  for (const image of images)
    await docker
      .getImage(image)
      .remove({ force: true })
      .catch(() => undefined)
  rmSync(dataDir, { recursive: true, force: true })
  rmSync(dirname(agentBundle), { recursive: true, force: true })
})

describe('docker node provider', () => {
  it('prepare creates the network and builds the node image, then reuses both', async (ctx) => {
    if (skipReason) ctx.skip()
    const progress: string[] = []
    const { apiServerHost } = await provider.prepare((m) => progress.push(m))
    const image = provider.image!
    images.add(image)
    expect(image).toMatch(/^kubedesk\/node:[0-9a-f]{12}$/)
    expect(progress[0]).toBe(`building node image ${image} (assembling root filesystem…)`)
    expect(progress.at(-1)).toMatch(new RegExp(`^node image ${image} imported in [\\d.]+ s$`))

    const net = await docker.getNetwork(network).inspect()
    expect(net.Labels?.['io.kubedesk.cluster']).toBe(dataDir)
    expect(net.IPAM?.Config?.[0].Gateway).toBe(apiServerHost)
    const imageId = (await docker.getImage(image).inspect()).Id

    const again: string[] = []
    const second = createDockerProvider({ dataDir, log, agentBundle, network, docker })
    expect(await second.prepare((m) => again.push(m))).toEqual({ apiServerHost })
    expect(second.image).toBe(image)
    expect(again).toEqual([])
    expect((await docker.getImage(image).inspect()).Id).toBe(imageId)
  })

  it('creates nodes with their size, a fixed address, labels and a running kubelet', async (ctx) => {
    if (skipReason) ctx.skip()
    const launch = fakeLaunch()
    const [a, b] = await Promise.all([
      provider.create(nodeA, small, launch),
      provider.create(nodeB, large, launch)
    ])
    expect(a).toMatchObject({ name: nodeA, state: 'running', size: small })
    expect(b).toMatchObject({ name: nodeB, state: 'running', size: large })
    expect(a.address).toMatch(/^10\.2\d\d\.0\.\d+$/)
    expect(b.address).not.toBe(a.address)

    const info = await inspect(nodeA)
    expect(info.Id).toBe(a.id)
    expect(info.Config.Hostname).toBe(nodeA)
    expect(info.HostConfig.NanoCpus).toBe(500_000_000)
    expect(info.HostConfig.Memory).toBe(256 * 1024 ** 2)
    expect(info.HostConfig.Privileged).toBe(false)
    expect(info.HostConfig.RestartPolicy?.Name).toBe('no')
    expect(info.Config.Labels).toMatchObject({
      'io.kubedesk.cluster': dataDir,
      'io.kubedesk.node': nodeA,
      'io.kubedesk.role': 'worker'
    })
    expect(info.NetworkSettings.Networks[network].IPAddress).toBe(a.address)
    expect((await inspect(nodeB)).HostConfig.NanoCpus).toBe(1_000_000_000)

    // The kubelet config: written 0600, given to the kubelet, with the provider's parts.
    const file = kubeletConfigFile(dataDir, nodeA)
    expect(info.Config.Env).toContain(`KUBEDESK_KUBELET_CONFIG=${file}`)
    expect(statSync(file).mode & 0o777).toBe(0o600)
    const config = JSON.parse(readFileSync(file, 'utf8'))
    expect(config).toMatchObject({
      nodeName: nodeA,
      runtime: 'docker',
      rootDir: nodeStateDir(dataDir, nodeA),
      hostRootDir: nodeStateDir(dataDir, nodeA),
      network
    })
    expect(config.addresses[0]).toEqual({ type: 'InternalIP', address: a.address })

    // The fake kubelet runs with the image's node and reads its config through the bind mount.
    await waitFor('the kubelet to start', async () => (await logsOf(nodeA)).includes('up'))
    expect(await logsOf(nodeA)).toContain(`kubelet ${nodeA} up runtime=docker address=${a.address}`)
  })

  it('stop stops the node and its pod containers; start runs it again', async (ctx) => {
    if (skipReason) ctx.skip()
    const pod = await docker.createContainer({
      name: `kdt-${id}-pod`,
      Image: provider.image,
      Cmd: ['sleep', '300'],
      Labels: { 'io.kubedesk.node': nodeA, 'io.kubedesk.type': 'container', [TEST_LABEL]: id },
      HostConfig: { Init: true, NetworkMode: network }
    })
    await pod.start()

    await provider.stop(nodeA)
    expect((await inspect(nodeA)).State.Running).toBe(false)
    expect((await pod.inspect()).State.Running).toBe(false)
    expect((await inspect(nodeB)).State.Running).toBe(true)
    const listed = await provider.list()
    expect(listed.find((n) => n.name === nodeA)?.state).toBe('stopped')
    expect(await logsOf(nodeA)).toContain(`kubelet ${nodeA} stopping`)

    const launch = fakeLaunch()
    await provider.start(nodeA, launch)
    expect(launch.made).toHaveLength(1)
    const info = await inspect(nodeA)
    expect(info.State.Running).toBe(true)
    expect(info.NetworkSettings.Networks[network].IPAddress).toBe(
      listed.find((n) => n.name === nodeA)?.address
    )
    await waitFor('the restarted kubelet', async () => (await logsOf(nodeA)).includes('run=2'))
  })

  it('create adopts a running node: same container, no restart', async (ctx) => {
    if (skipReason) ctx.skip()
    const before = await inspect(nodeB)
    const node = await createDockerProvider({ dataDir, log, agentBundle, network, docker }).create(
      nodeB,
      large,
      fakeLaunch()
    )
    expect(node.id).toBe(before.Id)
    expect(node.state).toBe('running')
    expect((await inspect(nodeB)).State.StartedAt).toBe(before.State.StartedAt)
  })

  it('restarts only the kubelet of an adopted node that could no longer reach the API server', async (ctx) => {
    if (skipReason) ctx.skip()
    const before = await inspect(nodeB)
    const moved: KubeletLaunch = {
      ...fakeLaunch(),
      config: async (node) => {
        const config = await fakeLaunch().config(node)
        return { ...config, apiServer: { ...config.apiServer!, url: 'https://127.0.0.1:7443' } }
      }
    }
    const node = await createDockerProvider({ dataDir, log, agentBundle, network, docker }).create(
      nodeB,
      large,
      moved
    )
    expect(node.id).toBe(before.Id)
    const after = await inspect(nodeB)
    expect(after.State.Running).toBe(true)
    expect(after.State.StartedAt).not.toBe(before.State.StartedAt)
    const written = JSON.parse(readFileSync(kubeletConfigFile(dataDir, nodeB), 'utf8'))
    expect(written.apiServer.url).toBe('https://127.0.0.1:7443')
  })

  it('create starts a stopped node with its old address', async (ctx) => {
    if (skipReason) ctx.skip()
    await provider.stop(nodeB)
    const address = (await provider.list()).find((n) => n.name === nodeB)?.address
    const node = await provider.create(nodeB, large, fakeLaunch())
    expect(node).toMatchObject({ state: 'running', address })
  })

  it('list reports this data directory’s nodes with their sizes and addresses', async (ctx) => {
    if (skipReason) ctx.skip()
    const nodes = await provider.list()
    expect(nodes.map((n) => [n.name, n.state, n.size])).toEqual([
      [nodeA, 'running', small],
      [nodeB, 'running', large]
    ])
    expect(nodes.every((n) => n.address && n.id)).toBe(true)
    const other = createDockerProvider({
      dataDir: `${dataDir}-other`,
      log,
      agentBundle,
      network,
      docker
    })
    expect(await other.list()).toEqual([])
  })

  it('refuses a container of the same name that is not its node', async (ctx) => {
    if (skipReason) ctx.skip()
    const other = createDockerProvider({
      dataDir: `${dataDir}-other`,
      log,
      agentBundle,
      network,
      docker
    })
    await expect(other.create(nodeA, small, fakeLaunch())).rejects.toThrow(
      new RegExp(`a container named ${nodeA} exists but is not a node of this cluster`)
    )
    await expect(provider.create('Bad_Name', small, fakeLaunch())).rejects.toBeInstanceOf(
      NodeProviderError
    )
  })

  it('remove deletes the node, its pod containers and its state directory', async (ctx) => {
    if (skipReason) ctx.skip()
    await provider.remove(nodeA)
    await expect(inspect(nodeA)).rejects.toMatchObject({ statusCode: 404 })
    await expect(inspect(`kdt-${id}-pod`)).rejects.toMatchObject({ statusCode: 404 })
    expect(existsSync(nodeStateDir(dataDir, nodeA))).toBe(false)
    expect((await provider.list()).map((n) => n.name)).toEqual([nodeB])
    await provider.remove(nodeB)
    expect(await provider.list()).toEqual([])
  })
})

describe('docker engine errors', () => {
  it('says the engine is not answering, and what to do', async () => {
    const nowhere = new Dockerode({ socketPath: join(tmpdir(), `no-docker-${id}.sock`) })
    const p = createDockerProvider({
      dataDir: tmpdir(),
      log: memoryLog(),
      agentBundle: '/nonexistent',
      docker: nowhere
    })
    const err = await p.prepare().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(NodeProviderError)
    expect((err as NodeProviderError).message).toMatch(/^cannot reach the Docker engine at /)
    expect((err as NodeProviderError).hint).toBe('start Docker, or use --provider process')
  })
})
