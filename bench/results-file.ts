import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

/** Saves a benchmark's metrics as `bench/results/<name>-<timestamp>.json`; answers the file. */
export function saveResults(name: string, metrics: Record<string, number>): string {
  const dir = join(__dirname, 'results')
  mkdirSync(dir, { recursive: true })
  const file = join(dir, `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`)
  writeFileSync(file, JSON.stringify(metrics, null, 2) + '\n')
  return file
}

/** Progress goes to stderr, so stdout keeps only the table and the closing JSON line. */
export function log(message: string): void {
  process.stderr.write(`${message}\n`)
}

/** Prints `[metric, meaning]` rows as an aligned table of their values in `m` (`-` when absent). */
export function printMetricTable(
  rows: readonly [string, string][],
  m: Record<string, number>
): void {
  const width = Math.max(...rows.map(([name]) => name.length))
  console.log('')
  console.log(`${'metric'.padEnd(width)}  ${'value'.padStart(9)}  meaning`)
  for (const [name, meaning] of rows) {
    const v = m[name]
    console.log(
      `${name.padEnd(width)}  ${(v === undefined ? '-' : String(v)).padStart(9)}  ${meaning}`
    )
  }
}

/**
 * A benchmark's closing lines: its ERROR lines, the saved results file (on stderr), and the flat
 * JSON object as the last stdout line. Answers the exit code: 1 when a part failed.
 */
export function finishRun(
  name: string,
  metrics: Record<string, number>,
  failures: readonly string[]
): number {
  for (const failure of failures) console.log(`ERROR ${failure}`)
  log(`saved ${saveResults(name, metrics)}`)
  console.log(JSON.stringify(metrics))
  return failures.length > 0 ? 1 : 0
}
