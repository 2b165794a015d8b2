/**
 * A subscribed list kept in the renderer: `apply` takes the host's ListUpdate batches into a Map
 * keyed by `key` and bumps one reactive version per batch, so a batch of 200 changes costs one
 * re-render, not 200. Items are frozen plain objects: Vue does not make them deeply reactive.
 */
import { computed, shallowRef, type ComputedRef, type ShallowRef } from 'vue'
import type { ListUpdate } from '../../../shared/desktop-api'

export class ListState<T extends { key: string }> {
  /** Bumped once per applied batch; read it to depend on the list. */
  readonly version: ShallowRef<number> = shallowRef(0)
  /** Whether the first `reset` has arrived. */
  readonly loaded: ShallowRef<boolean> = shallowRef(false)
  private readonly map = new Map<string, T>()

  /** Every item, in arrival order (a new array after every batch). */
  readonly items: ComputedRef<T[]> = computed(() => {
    void this.version.value
    return [...this.map.values()]
  })

  /** Applies one update from the host. */
  apply(update: ListUpdate<T>): void {
    if (update.reset) {
      this.map.clear()
      for (const item of update.items) this.map.set(item.key, Object.freeze(item))
      this.loaded.value = true
    } else {
      for (const key of update.deletes) this.map.delete(key)
      for (const item of update.upserts) this.map.set(item.key, Object.freeze(item))
    }
    this.version.value++
  }

  get(key: string): T | undefined {
    void this.version.value
    return this.map.get(key)
  }

  get size(): number {
    void this.version.value
    return this.map.size
  }

  clear(): void {
    this.map.clear()
    this.loaded.value = false
    this.version.value++
  }
}
