/**
 * Kubernetes resource quantities (`500m`, `2`, `128Mi`, `1.5Gi`, `1e3`, `2G`), as
 * k8s.io/apimachinery/pkg/api/resource parses them: binary suffixes Ki…Ei, decimal suffixes
 * n, u, m, k, M, G, T, P, E, and exponents. Used for capacities, requests and limits, and the
 * `--memory` flag of `kubedesk node add`.
 */

const BINARY: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60
}
const DECIMAL: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18
}

const QUANTITY = /^([+-]?(?:\d+\.?\d*|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$/

/** The value of a quantity as a number (`'500m'` → 0.5, `'1Gi'` → 1073741824); undefined if malformed. */
export function parseQuantity(raw: string | number | undefined): number | undefined {
  if (typeof raw === 'number') return Number.isFinite(raw) ? raw : undefined
  if (typeof raw !== 'string') return undefined
  const m = QUANTITY.exec(raw.trim())
  if (!m) return undefined
  const value = Number(m[1])
  const suffix = m[2] ?? ''
  if (suffix in BINARY) return value * BINARY[suffix]!
  if (suffix in DECIMAL) return value * DECIMAL[suffix]!
  return value * 10 ** Number(suffix.slice(1))
}

/** CPU in millicores (`'2'` → 2000, `'250m'` → 250), rounded up as Kubernetes does. */
export function cpuMillis(raw: string | number | undefined): number | undefined {
  const cores = parseQuantity(raw)
  return cores === undefined ? undefined : Math.ceil(Math.round(cores * 1e6) / 1e3)
}

/** A byte count as Kubernetes prints memory: the largest binary suffix that divides it. */
export function formatBytes(bytes: number): string {
  for (const suffix of ['Ei', 'Pi', 'Ti', 'Gi', 'Mi', 'Ki']) {
    const unit = BINARY[suffix]!
    if (bytes >= unit && bytes % unit === 0) return `${bytes / unit}${suffix}`
  }
  return String(Math.round(bytes))
}
