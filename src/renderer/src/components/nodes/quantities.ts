/** CPU and memory as the Nodes view shows and takes them. */

/** Millicores as cores: "250m" below one core, "1.5" above. */
export function formatCpu(millis: number): string {
  if (millis < 1000) return `${Math.round(millis)}m`
  return `${Number((millis / 1000).toFixed(millis % 1000 === 0 ? 0 : 1))}`
}

/** Bytes in binary units: "512Mi", "1.5Gi". */
export function formatBytes(bytes: number): string {
  const units = ['', 'Ki', 'Mi', 'Gi', 'Ti']
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${Number(value.toFixed(value >= 10 || unit === 0 ? 0 : 1))}${units[unit]}`
}

const MEMORY = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/
const MEMORY_FACTORS: Record<string, number> = {
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40
}

/** A memory quantity ("2Gi", "1536Mi") in bytes, or null when it is not one. */
export function parseMemory(text: string): number | null {
  const m = MEMORY.exec(text.trim())
  if (!m) return null
  return Number(m[1]) * MEMORY_FACTORS[m[2] ?? '']
}

/** A share of a capacity as a percentage for a bar, 0..100 (0 when there is no capacity). */
export function percentOf(value: number, capacity: number): number {
  if (!(capacity > 0)) return 0
  return Math.min(100, Math.max(0, (value / capacity) * 100))
}
