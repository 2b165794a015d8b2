/**
 * Printing resource quantities as Kubernetes does (parsing is the API server's
 * `parseQuantity` in src/main/apiserver/admission/shape.ts, which the kubelet and CLI share).
 */

const BINARY_SUFFIXES: [string, number][] = [
  ['Ei', 2 ** 60],
  ['Pi', 2 ** 50],
  ['Ti', 2 ** 40],
  ['Gi', 2 ** 30],
  ['Mi', 2 ** 20],
  ['Ki', 2 ** 10]
]

/** A byte count as Kubernetes prints memory: the largest binary suffix that divides it. */
export function formatBytes(bytes: number): string {
  for (const [suffix, unit] of BINARY_SUFFIXES) {
    if (bytes >= unit && bytes % unit === 0) return `${bytes / unit}${suffix}`
  }
  return String(Math.round(bytes))
}
