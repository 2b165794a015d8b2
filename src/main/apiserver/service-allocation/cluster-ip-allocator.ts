/**
 * Service ClusterIPs from one IPv4 CIDR (kube-apiserver's `--service-cluster-ip-range`,
 * ipallocator.Range): every address but the network and broadcast addresses, the first of them
 * (10.96.0.1 in 10.96.0.0/12) going to the `kubernetes` Service.
 */
import { RangeAllocator, rangeOffset } from './range-allocator'

/** The range kind (and kubeadm) give Services by default. */
export const DEFAULT_SERVICE_CIDR = '10.96.0.0/12'

/** The address is taken (kube-apiserver: `provided IP is already allocated`). */
export class IPAllocatedError extends Error {
  constructor() {
    super('provided IP is already allocated')
    this.name = 'IPAllocatedError'
  }
}

/** The address is outside the range, with kube-apiserver's wording. */
export class IPNotInRangeError extends Error {
  constructor(ip: string, cidr: string) {
    super(`the provided IP (${ip}) is not in the valid range. The range of valid IPs is ${cidr}`)
    this.name = 'IPNotInRangeError'
  }
}

/** `a.b.c.d` → its 32-bit value; undefined for anything else. */
export function parseIPv4(ip: string): number | undefined {
  const parts = ip.split('.')
  if (parts.length !== 4) return undefined
  let value = 0
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return undefined
    value = value * 256 + Number(part)
  }
  return value
}

/** A 32-bit value → `a.b.c.d`. */
export function formatIPv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.')
}

/** Allocates ClusterIPs from an IPv4 CIDR. */
export class ClusterIPAllocator {
  /** The network address: index 0 of the allocator is the address after it. */
  private readonly base: number
  private readonly range: RangeAllocator

  constructor(
    readonly cidr: string = DEFAULT_SERVICE_CIDR,
    random: () => number = Math.random
  ) {
    const [address, bitsText] = cidr.split('/')
    const network = parseIPv4(address ?? '')
    const bits = Number(bitsText)
    if (network === undefined || !Number.isInteger(bits) || bits < 8 || bits > 30) {
      throw new Error(`not an IPv4 CIDR between /8 and /30: ${cidr}`)
    }
    const total = 2 ** (32 - bits)
    if (network % total !== 0) throw new Error(`${cidr} has host bits set`)
    this.base = network
    // kube's ipallocator offsets the range by one and leaves out the broadcast address.
    const size = total - 2
    this.range = new RangeAllocator(size, rangeOffset(size, 16, 256, 16), random)
  }

  /** The first address of the range: the `kubernetes` Service's. */
  get first(): string {
    return formatIPv4(this.base + 1)
  }

  /** Addresses still free. */
  get free(): number {
    return this.range.free
  }

  /** True when `ip` lies within the allocatable part of the range. */
  contains(ip: string): boolean {
    return this.indexOf(ip) !== undefined
  }

  /** True when `ip` is allocated. */
  has(ip: string): boolean {
    const i = this.indexOf(ip)
    return i !== undefined && this.range.has(i)
  }

  /** Allocates `ip`; IPNotInRangeError or IPAllocatedError when it cannot be had. */
  allocate(ip: string): void {
    const i = this.indexOf(ip)
    if (i === undefined) throw new IPNotInRangeError(ip, this.cidr)
    if (!this.range.allocate(i)) throw new IPAllocatedError()
  }

  /** Allocates a free address; RangeFullError when none is left. */
  allocateNext(): string {
    return formatIPv4(this.base + 1 + this.range.allocateNext())
  }

  /** Frees `ip` (an address outside the range or already free is ignored). */
  release(ip: string): void {
    const i = this.indexOf(ip)
    if (i !== undefined) this.range.release(i)
  }

  private indexOf(ip: string): number | undefined {
    const value = parseIPv4(ip)
    if (value === undefined) return undefined
    const i = value - this.base - 1
    return i >= 0 && i < this.range.size ? i : undefined
  }
}
