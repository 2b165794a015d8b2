/**
 * Benchmark entry point: `npm run bench -- <name> [flags]`. Each benchmark prints a readable
 * table and, as the last line of stdout, one flat JSON object of metric name to number.
 */

/** The benchmarks by name; each module exports `run(args)`. */
const benchmarks: Record<string, () => Promise<{ run(args: string[]): Promise<number> }>> = {
  store: () => import('./store'),
  apiserver: () => import('./apiserver'),
  cluster: () => import('./cluster'),
  scheduler: () => import('./scheduler'),
  observe: () => import('./observe'),
  ui: () => import('./ui')
}

async function main(): Promise<number> {
  const [name, ...args] = process.argv.slice(2)
  const load = name ? benchmarks[name] : undefined
  if (!load) {
    const known = Object.keys(benchmarks).join(', ')
    process.stderr.write(
      `${name ? `unknown benchmark "${name}"` : 'no benchmark named'}; ` +
        `usage: npm run bench -- <benchmark> [flags] (benchmarks: ${known})\n`
    )
    return 2
  }
  const bench = await load()
  return bench.run(args)
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(
      `benchmark failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`
    )
    process.exit(1)
  }
)
