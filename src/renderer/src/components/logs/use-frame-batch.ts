/**
 * Coalesces bursts into one call per animation frame: a log that pushes many batches a second
 * re-renders at most once a frame (and not at all in a hidden window, where frames stop and the
 * lines wait in the buffer).
 */
import { onBeforeUnmount } from 'vue'

export function useFrameBatch(flush: () => void): () => void {
  let frame: number | undefined
  onBeforeUnmount(() => {
    if (frame !== undefined) cancelAnimationFrame(frame)
  })
  return () => {
    if (frame !== undefined) return
    frame = requestAnimationFrame(() => {
      frame = undefined
      flush()
    })
  }
}
