/**
 * Resource quantities for the runtime: CPU in millicores and memory in bytes. Parsing is the API
 * server's (`parseQuantity`), so the kubelet reads `500m` or `1Gi` exactly as admission did.
 */
import { parseQuantity } from '../../main/apiserver/admission/shape'

/** `500m` → 500, `2` → 2000; undefined when absent or malformed. */
export function cpuMillis(q: unknown): number | undefined {
  const n = parseQuantity(q)
  return n === undefined || n <= 0 ? undefined : Math.ceil(n * 1000)
}

/** `64Mi` → 67108864; undefined when absent or malformed. */
export function memoryBytes(q: unknown): number | undefined {
  const n = parseQuantity(q)
  return n === undefined || n <= 0 ? undefined : Math.ceil(n)
}
