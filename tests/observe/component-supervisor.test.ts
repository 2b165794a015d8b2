/**
 * The component supervisor on its own: what the mirror pods show comes from these records, so
 * the tests read them as a user reads `kubectl get pods -n kube-system` — ready or not, restart
 * count, the last termination — with short back-offs.
 */
import { afterEach, describe, expect, it } from 'vitest'
import {
  ComponentSupervisor,
  SIMULATED_FAILURE,
  type ComponentInstance,
  type ComponentRecord
} from '../../src/main/component-supervisor'

let supervisor: ComponentSupervisor | undefined

afterEach(async () => {
  await supervisor?.stop()
  supervisor = undefined
})

/** A component whose starts and stops are counted; `crash` reports an error from inside it. */
function counted() {
  const runs: { stopped: boolean; crash: (err: unknown) => void }[] = []
  return {
    runs,
    definition: {
      name: 'kube-scheduler',
      start(fail: (err: unknown) => void): ComponentInstance {
        const run = { stopped: false, crash: fail }
        runs.push(run)
        return { ready: Promise.resolve(), stop: () => void (run.stopped = true) }
      }
    }
  }
}

async function until(what: string, check: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 5))
  }
}

function record(s: ComponentSupervisor, name = 'kube-scheduler'): ComponentRecord {
  const r = s.records().find((x) => x.name === name)
  if (!r) throw new Error(`no record for ${name}`)
  return r
}

describe('ComponentSupervisor', () => {
  it('restarts a failed component after a doubling back-off and keeps its last termination', async () => {
    const c = counted()
    const s = (supervisor = new ComponentSupervisor([c.definition], {
      initialBackoffMs: 20,
      maxBackoffMs: 1000
    }))
    const changes: ComponentRecord[] = []
    s.onChange((r) => changes.push(r))
    s.start()
    await until('ready', () => record(s).ready)

    const gaps: number[] = []
    for (let i = 1; i <= 3; i++) {
      const failedAt = Date.now()
      s.fail('kube-scheduler')
      expect(record(s)).toMatchObject({ state: 'waiting', ready: false, restartCount: i })
      await until(`run ${i + 1}`, () => c.runs.length === i + 1 && record(s).ready)
      gaps.push(Date.now() - failedAt)
      expect(c.runs[i - 1].stopped).toBe(true)
    }
    // 20, 40, 80 ms: each wait at least the back-off, and each longer than the one before.
    expect(gaps[0]).toBeGreaterThanOrEqual(20)
    expect(gaps[1]).toBeGreaterThanOrEqual(40)
    expect(gaps[2]).toBeGreaterThanOrEqual(80)
    const last = record(s)
    expect(last.restartCount).toBe(3)
    expect(last.lastTermination).toMatchObject({
      reason: 'Error',
      exitCode: 1,
      message: SIMULATED_FAILURE
    })
    expect(changes.some((r) => r.state === 'waiting' && !r.ready)).toBe(true)
  })

  it('restarts on an error the component reports, and ignores a late one from an old run', async () => {
    const c = counted()
    const s = (supervisor = new ComponentSupervisor([c.definition], { initialBackoffMs: 10 }))
    s.start()
    await until('ready', () => record(s).ready)
    c.runs[0].crash(new Error('watch cache broken'))
    await until('restarted', () => c.runs.length === 2 && record(s).ready)
    expect(record(s).lastTermination?.message).toBe('watch cache broken')
    // The first run is gone: its errors no longer count.
    c.runs[0].crash(new Error('late'))
    expect(record(s)).toMatchObject({ state: 'running', restartCount: 1 })
  })

  it('marks a probed component not ready while its probe fails, and refuses to restart it', async () => {
    let healthy = true
    const s = (supervisor = new ComponentSupervisor(
      [
        {
          name: 'etcd',
          probe: async () => {
            if (!healthy) throw new Error('database is locked')
          }
        }
      ],
      { probeIntervalMs: 10 }
    ))
    s.start()
    await until('ready', () => record(s, 'etcd').ready)
    healthy = false
    await until('not ready', () => !record(s, 'etcd').ready)
    expect(record(s, 'etcd').message).toBe('database is locked')
    healthy = true
    await until('ready again', () => record(s, 'etcd').ready)
    expect(() => s.fail('etcd')).toThrow(/cannot be restarted on its own/)
    expect(() => s.fail('kube-proxy')).toThrow(/unknown component 'kube-proxy'/)
  })

  it('stops every component and restarts nothing after stop', async () => {
    const c = counted()
    const s = new ComponentSupervisor([c.definition], { initialBackoffMs: 5 })
    s.start()
    await until('ready', () => record(s).ready)
    await s.stop()
    c.runs[0].crash(new Error('after stop'))
    await new Promise((r) => setTimeout(r, 30))
    expect(c.runs).toHaveLength(1)
    expect(record(s)).toMatchObject({ state: 'stopped', ready: false })
  })
})
