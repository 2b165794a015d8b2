/**
 * `/healthz`, `/livez` and `/readyz` as kube-apiserver answers them (k8s.io/apiserver
 * pkg/server/healthz): each endpoint runs its named checks; `?verbose` lists them one per line
 * (`[+]etcd ok`, `[-]etcd failed: reason withheld`) followed by `livez check passed`; without it a
 * passing endpoint says just `ok`, a failing one always lists the checks and answers 500.
 * `?exclude=NAME` (repeatable) skips a check; `/readyz/NAME` runs one check alone (`ok`, or 500
 * with `internal server error: <why>`); an unknown name is 404.
 */

/** One named check. */
export interface HealthCheck {
  name: string
  /** Resolves when healthy; rejects (or throws) with the reason when not. */
  check(): Promise<void> | void
  /** Endpoints that run it (default all three). */
  endpoints?: HealthEndpoint[]
}

/** The three health endpoints. */
export type HealthEndpoint = 'healthz' | 'livez' | 'readyz'

/** What to send back: always text/plain. */
export interface HealthAnswer {
  status: number
  body: string
}

/** How long one check may take before it counts as failed. */
const CHECK_TIMEOUT_MS = 5000

function checksOf(checks: readonly HealthCheck[], endpoint: HealthEndpoint): HealthCheck[] {
  return checks.filter((c) => (c.endpoints ?? ['healthz', 'livez', 'readyz']).includes(endpoint))
}

async function run(check: HealthCheck): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined
  try {
    await Promise.race([
      Promise.resolve().then(() => check.check()),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)),
          CHECK_TIMEOUT_MS
        )
      })
    ])
    return undefined
  } catch (err) {
    return err instanceof Error ? err.message : String(err)
  } finally {
    clearTimeout(timer)
  }
}

/** Runs `endpoint`'s checks (or the single check `name`) and renders the answer. */
export async function healthAnswer(
  checks: readonly HealthCheck[],
  endpoint: HealthEndpoint,
  name: string | undefined,
  query: URLSearchParams
): Promise<HealthAnswer> {
  const mine = checksOf(checks, endpoint)
  if (name !== undefined) {
    const one = mine.find((c) => c.name === name)
    if (!one) return { status: 404, body: '404 page not found\n' }
    const failure = await run(one)
    return failure === undefined
      ? { status: 200, body: 'ok' }
      : { status: 500, body: `internal server error: ${failure}\n` }
  }
  const excluded = new Set(query.getAll('exclude'))
  const verbose = query.has('verbose') && query.get('verbose') !== 'false'
  const results = await Promise.all(
    mine.map(async (c) => ({
      name: c.name,
      excluded: excluded.has(c.name),
      failure: excluded.has(c.name) ? undefined : await run(c)
    }))
  )
  const lines = results.map((r) =>
    r.excluded
      ? `[+]${r.name} excluded: ok`
      : r.failure === undefined
        ? `[+]${r.name} ok`
        : `[-]${r.name} failed: reason withheld`
  )
  const unknown = [...excluded].filter((n) => !mine.some((c) => c.name === n))
  if (unknown.length > 0) {
    const quoted = unknown.map((n) => `"${n}"`).join(',')
    lines.push(`warn: some health checks cannot be excluded: no matches for ${quoted}`)
  }
  const failed = results.some((r) => r.failure !== undefined)
  if (failed) return { status: 500, body: `${lines.join('\n')}\n${endpoint} check failed\n` }
  if (!verbose) return { status: 200, body: 'ok' }
  return { status: 200, body: `${lines.join('\n')}\n${endpoint} check passed\n` }
}

/** Why the checks that fail do (for logs and the mirror pods), or undefined when all pass. */
export async function healthFailures(
  checks: readonly HealthCheck[],
  endpoint: HealthEndpoint
): Promise<string | undefined> {
  const mine = checksOf(checks, endpoint)
  const failures = await Promise.all(
    mine.map(async (c) => {
      const failure = await run(c)
      return failure === undefined ? undefined : `${c.name}: ${failure}`
    })
  )
  const failed = failures.filter((f) => f !== undefined)
  return failed.length > 0 ? failed.join('; ') : undefined
}
