/**
 * The cluster network: a Docker bridge network (`kubedesk`) that node containers and pod
 * sandboxes join. Its gateway is the host's address on it, where the API server listens for
 * kubelets. Nodes get fixed addresses from the lower half of the subnet (a node's InternalIP goes
 * into its kubelet config before the container starts, and stays across restarts); the engine
 * hands out the upper half (`IPRange`) to pod sandboxes, so a pod never takes a stopped node's
 * address.
 */
import type Dockerode from 'dockerode'
import { NodeProviderError } from '../types'
import { dockerError, errorText, isNotFound } from './docker-engine'

/** The network's default name and subnet. */
export const DEFAULT_NETWORK = 'kubedesk'
export const DEFAULT_SUBNET = '172.30.0.0/16'

/** Label on networks and containers: the data directory of the cluster they belong to. */
export const CLUSTER_LABEL = 'io.kubedesk.cluster'

/** The cluster network as nodes need it. */
export interface ClusterNetwork {
  name: string
  /** e.g. 172.30.0.0/16 */
  subnet: string
  /** e.g. 172.30.0.1: the host on this network. */
  gateway: string
}

/** Subnets to try: the wanted one, then the next /16s (172.30 → 172.31 …), 8 in all. */
export function candidateSubnets(wanted: string): string[] {
  const m = /^(\d+)\.(\d+)\.0\.0\/16$/.exec(wanted)
  if (!m) return [wanted]
  const [a, b] = [Number(m[1]), Number(m[2])]
  return Array.from({ length: 8 }, (_, i) => `${a}.${b + i}.0.0/16`).filter(
    (s) => Number(s.split('.')[1]) <= 255
  )
}

/** The gateway (first host) and pod range (upper half) of a /N subnet. */
export function subnetLayout(subnet: string): { gateway: string; ipRange: string } {
  const [base, bits] = subnet.split('/')
  const prefix = Number(bits)
  const start = ipToInt(base)
  const size = 2 ** (32 - prefix)
  return { gateway: intToIp(start + 1), ipRange: `${intToIp(start + size / 2)}/${prefix + 1}` }
}

/**
 * Makes sure network `name` exists: reuses it when present (whoever made it), otherwise creates
 * it labelled with `dataDir` on the first free candidate subnet.
 */
export async function ensureClusterNetwork(
  docker: Dockerode,
  name: string,
  dataDir: string,
  subnet: string = DEFAULT_SUBNET
): Promise<ClusterNetwork> {
  const existing = await inspectNetwork(docker, name)
  if (existing) return existing
  const overlaps: string[] = []
  for (const candidate of candidateSubnets(subnet)) {
    const { gateway, ipRange } = subnetLayout(candidate)
    try {
      await docker.createNetwork({
        Name: name,
        Driver: 'bridge',
        CheckDuplicate: true,
        Labels: { [CLUSTER_LABEL]: dataDir },
        IPAM: {
          Driver: 'default',
          Config: [{ Subnet: candidate, Gateway: gateway, IPRange: ipRange }]
        }
      })
      return { name, subnet: candidate, gateway }
    } catch (err) {
      const text = errorText(err)
      if (/overlap|in use|conflict/i.test(text) && !/already exists/i.test(text)) {
        overlaps.push(candidate)
        continue
      }
      // Another `up` created it between our inspect and create: use theirs.
      const raced = await inspectNetwork(docker, name)
      if (raced) return raced
      throw dockerError(`cannot create the Docker network ${name}`, err)
    }
  }
  throw new NodeProviderError(
    `cannot create the Docker network ${name}: subnets ${overlaps.join(', ')} are all in use`,
    'pass another subnet (e.g. 10.250.0.0/16)'
  )
}

/** The network's subnet and gateway, or undefined when it does not exist. */
export async function inspectNetwork(
  docker: Dockerode,
  name: string
): Promise<ClusterNetwork | undefined> {
  let info: { IPAM?: { Config?: { Subnet?: string; Gateway?: string }[] } }
  try {
    info = await docker.getNetwork(name).inspect()
  } catch (err) {
    if (isNotFound(err)) return undefined
    throw dockerError(`cannot inspect the Docker network ${name}`, err)
  }
  const config = info.IPAM?.Config?.find((c) => c.Subnet && /^\d+\.\d+\.\d+\.\d+\//.test(c.Subnet))
  if (!config?.Subnet) {
    throw new NodeProviderError(`the Docker network ${name} has no IPv4 subnet`)
  }
  return {
    name,
    subnet: config.Subnet,
    gateway: config.Gateway ?? subnetLayout(config.Subnet).gateway
  }
}

/**
 * A free fixed address for a new node: the lowest in the lower half of the subnet (after the
 * gateway) that no container on the network uses and no container (running or stopped) asked for.
 */
export async function freeNodeAddress(docker: Dockerode, network: ClusterNetwork): Promise<string> {
  const used = new Set<string>([network.gateway])
  try {
    const info = (await docker.getNetwork(network.name).inspect()) as {
      Containers?: Record<string, { IPv4Address?: string }>
    }
    for (const c of Object.values(info.Containers ?? {})) {
      if (c.IPv4Address) used.add(c.IPv4Address.split('/')[0])
    }
    // Stopped containers are not in the network's list but keep their fixed address.
    const all = await docker.listContainers({ all: true })
    for (const c of all) {
      const settings = c.NetworkSettings?.Networks?.[network.name] as
        { IPAMConfig?: { IPv4Address?: string } | null; IPAddress?: string } | undefined
      if (settings?.IPAMConfig?.IPv4Address) used.add(settings.IPAMConfig.IPv4Address)
      if (settings?.IPAddress) used.add(settings.IPAddress)
    }
  } catch (err) {
    throw dockerError(`cannot list addresses on the Docker network ${network.name}`, err)
  }
  const [base, bits] = network.subnet.split('/')
  const start = ipToInt(base)
  const half = 2 ** (32 - Number(bits)) / 2
  for (let i = 2; i < half; i++) {
    const ip = intToIp(start + i)
    if (!used.has(ip)) return ip
  }
  throw new NodeProviderError(`no free node address left on the Docker network ${network.name}`)
}

function ipToInt(ip: string): number {
  return ip.split('.').reduce((n, octet) => n * 256 + Number(octet), 0)
}

function intToIp(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.')
}
