/**
 * Service node ports from kube-apiserver's `--service-node-port-range` (default 30000-32767;
 * portallocator.PortAllocator). One port number serves a Service on every node, whatever the
 * protocol, as in Kubernetes.
 */
import { NODE_PORT_RANGE } from '../admission/validate-service'
import { RangeAllocator, rangeOffset } from './range-allocator'

/** The port is taken (kube-apiserver: `provided port is already allocated`). */
export class PortAllocatedError extends Error {
  constructor() {
    super('provided port is already allocated')
    this.name = 'PortAllocatedError'
  }
}

/** The port is outside the range, with kube-apiserver's wording. */
export class PortNotInRangeError extends Error {
  constructor(min: number, max: number) {
    super(`provided port is not in the valid range. The range of valid ports is ${min}-${max}`)
    this.name = 'PortNotInRangeError'
  }
}

/** Allocates node ports from [min, max]. */
export class NodePortAllocator {
  private readonly range: RangeAllocator

  constructor(
    readonly min: number = NODE_PORT_RANGE.min,
    readonly max: number = NODE_PORT_RANGE.max,
    random: () => number = Math.random
  ) {
    const size = max - min + 1
    this.range = new RangeAllocator(size, rangeOffset(size, 16, 128, 32), random)
  }

  /** Ports still free. */
  get free(): number {
    return this.range.free
  }

  /** True when `port` is allocated. */
  has(port: number): boolean {
    return port >= this.min && port <= this.max && this.range.has(port - this.min)
  }

  /** Allocates `port`; PortNotInRangeError or PortAllocatedError when it cannot be had. */
  allocate(port: number): void {
    if (!Number.isInteger(port) || port < this.min || port > this.max) {
      throw new PortNotInRangeError(this.min, this.max)
    }
    if (!this.range.allocate(port - this.min)) throw new PortAllocatedError()
  }

  /** Allocates a free port; RangeFullError when none is left. */
  allocateNext(): number {
    return this.min + this.range.allocateNext()
  }

  /** Frees `port` (a port outside the range or already free is ignored). */
  release(port: number): void {
    if (Number.isInteger(port) && port >= this.min && port <= this.max) {
      this.range.release(port - this.min)
    }
  }
}
