/**
 * Quantities and durations as metrics-server writes them: CPU as a decimal quantity scaled from
 * nanocores (`123456789n`, `12m`, `2500m`), memory as a binary quantity from bytes (`1234Ki`),
 * the window as a Go duration (`15.012s`). Each follows apimachinery's canonical form, so the
 * strings are the ones a real cluster prints.
 */

const DECIMAL_SUFFIXES: Record<number, string> = {
  [-9]: 'n',
  [-6]: 'u',
  [-3]: 'm',
  0: '',
  3: 'k',
  6: 'M',
  9: 'G'
}

/**
 * Nanocores as `resource.NewScaledQuantity(n, -9)` prints: trailing zeros dropped, the exponent
 * lowered to a multiple of three (`1500000n` → `1500u`, `12000000n` → `12m`, 0 → `0`).
 */
export function formatNanoCores(nanoCores: number): string {
  let mantissa = Math.max(0, Math.round(nanoCores))
  if (mantissa === 0) return '0'
  let exponent = -9
  while (mantissa % 10 === 0 && exponent < 9) {
    mantissa /= 10
    exponent++
  }
  const down = ((exponent % 3) + 3) % 3
  mantissa *= 10 ** down
  exponent -= down
  return `${mantissa}${DECIMAL_SUFFIXES[exponent]}`
}

const BINARY_SUFFIXES = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei']

/**
 * Bytes as a BinarySI quantity prints: the largest power of 1024 that divides it (`1234Ki`), a
 * plain number otherwise; below 1024 apimachinery switches to DecimalSI (`1k` for 1000).
 */
export function formatMemoryBytes(bytes: number): string {
  let value = Math.max(0, Math.round(bytes))
  if (value < 1024) return value !== 0 && value % 1000 === 0 ? `${value / 1000}k` : String(value)
  let power = 0
  while (value % 1024 === 0 && power < BINARY_SUFFIXES.length - 1) {
    value /= 1024
    power++
  }
  return `${value}${BINARY_SUFFIXES[power]}`
}

/** Milliseconds as Go's `time.Duration.String()` (`15.012s`, `1m0.5s`, `250ms`, `0s`). */
export function formatGoDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms))
  if (total === 0) return '0s'
  if (total < 1000) return `${total}ms`
  const hours = Math.floor(total / 3_600_000)
  const minutes = Math.floor((total % 3_600_000) / 60_000)
  const millis = total % 60_000
  const seconds = `${Math.floor(millis / 1000)}${
    millis % 1000
      ? `.${String(millis % 1000)
          .padStart(3, '0')
          .replace(/0+$/, '')}`
      : ''
  }s`
  if (hours > 0) return `${hours}h${minutes}m${seconds}`
  if (minutes > 0) return `${minutes}m${seconds}`
  return seconds
}
