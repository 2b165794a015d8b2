/**
 * A set of integers 0…size-1 handed out one at a time: the core that the ClusterIP and NodePort
 * allocators share (kube-apiserver's `allocator.AllocationBitmap`).
 *
 * Like kube-apiserver (since 1.24), `allocateNext` prefers the upper part of the range: it
 * starts at a random point at or above `offset` and scans forward, and only falls back to the
 * lower `offset` values when the upper part is full. The lower part is thereby kept mostly free
 * for values users ask for by number (10.96.0.10 for DNS, a well-known node port).
 */

/** The range has no free value left (kube-apiserver: `range is full`). */
export class RangeFullError extends Error {
  constructor() {
    super('range is full')
    this.name = 'RangeFullError'
  }
}

/**
 * The size of the lower band kept for static requests (kube's calculateRangeOffset): size/step,
 * at least `min` and at most `max`; 0 for a range smaller than `min`.
 */
export function rangeOffset(size: number, min: number, max: number, step: number): number {
  if (size < min) return 0
  return Math.min(max, Math.max(min, Math.floor(size / step)))
}

/** Integers 0…size-1, each either free or allocated. Synchronous, so callers never race. */
export class RangeAllocator {
  private readonly used = new Set<number>()

  /**
   * @param size how many values the range holds
   * @param offset where dynamic allocation starts looking (values below it are used last)
   * @param random a source of [0, 1) numbers (tests pass a fixed one)
   */
  constructor(
    readonly size: number,
    readonly offset = 0,
    private readonly random: () => number = Math.random
  ) {}

  /** How many values are allocated. */
  get allocated(): number {
    return this.used.size
  }

  /** How many values are free. */
  get free(): number {
    return this.size - this.used.size
  }

  /** True when `i` is allocated. */
  has(i: number): boolean {
    return this.used.has(i)
  }

  /** Allocates `i`; false when it is already allocated. `i` must be within the range. */
  allocate(i: number): boolean {
    if (!Number.isInteger(i) || i < 0 || i >= this.size) {
      throw new RangeError(`${i} is outside 0…${this.size - 1}`)
    }
    if (this.used.has(i)) return false
    this.used.add(i)
    return true
  }

  /** Allocates a free value (upper band first, from a random start); RangeFullError when none. */
  allocateNext(): number {
    if (this.used.size >= this.size) throw new RangeFullError()
    const found =
      this.scan(this.offset, this.size - this.offset) ?? this.scan(0, this.offset) ?? undefined
    if (found === undefined) throw new RangeFullError()
    this.used.add(found)
    return found
  }

  /** Frees `i` (a free value stays free). */
  release(i: number): void {
    this.used.delete(i)
  }

  /** A free value in [base, base+count), scanning from a random point with wrap-around. */
  private scan(base: number, count: number): number | undefined {
    if (count <= 0) return undefined
    const start = Math.floor(this.random() * count) % count
    for (let k = 0; k < count; k++) {
      const i = base + ((start + k) % count)
      if (!this.used.has(i)) return i
    }
    return undefined
  }
}
