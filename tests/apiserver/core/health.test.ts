/**
 * /healthz, /livez and /readyz rendering (http/health.ts), case by case as kube-apiserver
 * answers: `ok` when passing, the check list on `?verbose` and always on failure (500), the
 * reason withheld from the public list, `?exclude`, and one check by name.
 */
import { describe, expect, it } from 'vitest'
import {
  healthAnswer,
  healthFailures,
  type HealthCheck
} from '../../../src/main/apiserver/http/health'

const CHECKS: HealthCheck[] = [
  { name: 'ping', check: () => undefined },
  {
    name: 'etcd',
    check: () => {
      throw new Error('database is locked')
    }
  },
  { name: 'shutdown', check: () => undefined, endpoints: ['readyz'] }
]
const HEALTHY = CHECKS.filter((c) => c.name !== 'etcd')

describe('health endpoints', () => {
  const cases: {
    what: string
    checks: HealthCheck[]
    endpoint: 'livez' | 'readyz'
    name?: string
    query?: string
    status: number
    body: string
  }[] = [
    { what: 'passing, quiet', checks: HEALTHY, endpoint: 'readyz', status: 200, body: 'ok' },
    {
      what: 'passing, verbose',
      checks: HEALTHY,
      endpoint: 'readyz',
      query: 'verbose',
      status: 200,
      body: '[+]ping ok\n[+]shutdown ok\nreadyz check passed\n'
    },
    {
      what: 'livez leaves out readyz-only checks',
      checks: HEALTHY,
      endpoint: 'livez',
      query: 'verbose',
      status: 200,
      body: '[+]ping ok\nlivez check passed\n'
    },
    {
      what: 'failing: always the list, reason withheld',
      checks: CHECKS,
      endpoint: 'readyz',
      status: 500,
      body: '[+]ping ok\n[-]etcd failed: reason withheld\n[+]shutdown ok\nreadyz check failed\n'
    },
    {
      what: 'a failing check excluded',
      checks: CHECKS,
      endpoint: 'livez',
      query: 'exclude=etcd&exclude=nope',
      status: 200,
      body: 'ok'
    },
    {
      what: 'an excluded check and an unknown one, verbose',
      checks: CHECKS,
      endpoint: 'livez',
      query: 'verbose&exclude=etcd&exclude=nope',
      status: 200,
      body:
        '[+]ping ok\n[+]etcd excluded: ok\n' +
        'warn: some health checks cannot be excluded: no matches for "nope"\nlivez check passed\n'
    },
    {
      what: 'one check by name, failing, with its reason',
      checks: CHECKS,
      endpoint: 'readyz',
      name: 'etcd',
      status: 500,
      body: 'internal server error: database is locked\n'
    },
    {
      what: 'one check by name',
      checks: CHECKS,
      endpoint: 'readyz',
      name: 'ping',
      status: 200,
      body: 'ok'
    },
    {
      what: 'an unknown check',
      checks: CHECKS,
      endpoint: 'livez',
      name: 'shutdown',
      status: 404,
      body: '404 page not found\n'
    }
  ]
  it.each(cases)('$what', async (c) => {
    const answer = await healthAnswer(
      c.checks,
      c.endpoint,
      c.name,
      new URLSearchParams(c.query ?? '')
    )
    expect(answer).toEqual({ status: c.status, body: c.body })
  })

  it('tells the failing checks with their reasons (for logs and mirror pods)', async () => {
    expect(await healthFailures(CHECKS, 'readyz')).toBe('etcd: database is locked')
    expect(await healthFailures(HEALTHY, 'readyz')).toBeUndefined()
  })
})
