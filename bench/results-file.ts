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
