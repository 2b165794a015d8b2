import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { FLUSH_INTERVAL_MS } from '../../src/main/observe/log-file-writer'
import {
  createComponentLog,
  logAt,
  parseLogLine,
  type ComponentLog
} from '../../src/main/observe/component-log'
import {
  DEFAULT_VERBOSITY,
  LogHub,
  existingLogHub,
  logHubFor
} from '../../src/main/observe/log-hub'

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kd-loghub-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

const fileLines = (component: string): string[] => {
  const file = join(dir, 'logs', `${component}.log`)
  if (!existsSync(file)) return []
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
}
const messages = (lines: string[]): string[] => lines.map((l) => parseLogLine(l)?.message ?? l)

describe('log hub', () => {
  it('keeps the most recent lines of each component, oldest first', () => {
    const hub = new LogHub(dir, 3)
    const sink = hub.sink('etcd')
    for (const n of [1, 2, 3, 4, 5]) sink.write(`line ${n}`)
    expect(sink.recent()).toEqual(['line 3', 'line 4', 'line 5'])
    expect(sink.recent(2)).toEqual(['line 4', 'line 5'])
    expect(sink.written).toBe(5)
    expect(hub.sink('kube-scheduler').recent()).toEqual([])
    sink.close()
  })

  it('tells subscribers each new line until they unsubscribe', () => {
    const log = createComponentLog(dir, 'kube-scheduler')
    const sink = logHubFor(dir).get('kube-scheduler')!
    const seen: string[] = []
    const unsubscribe = sink.subscribe((line) => seen.push(line))
    log.info('Successfully bound pod to node', { pod: 'default/web', node: 'kubedesk-worker' })
    unsubscribe()
    log.info('not seen')
    expect(messages(seen)).toEqual(['Successfully bound pod to node'])
    expect(messages(sink.recent())).toEqual(['Successfully bound pod to node', 'not seen'])
    log.close()
  })

  it('writes lines to the file within the flush interval and at close, not line by line', async () => {
    const log = createComponentLog(dir, 'etcd')
    log.info('one')
    log.info('two')
    await nextTurn()
    expect(fileLines('etcd')).toEqual([])
    await sleep(FLUSH_INTERVAL_MS + 50)
    expect(messages(fileLines('etcd'))).toEqual(['one', 'two'])
    log.info('three')
    log.close()
    expect(messages(fileLines('etcd'))).toEqual(['one', 'two', 'three'])
    // A closed log reopens for a late line.
    log.warn('late')
    log.close()
    expect(messages(fileLines('etcd'))).toEqual(['one', 'two', 'three', 'late'])
  })

  it('forgets a data directory once its logs are closed and nobody follows them', () => {
    const log = createComponentLog(dir, 'etcd')
    log.info('x')
    expect(existingLogHub(dir)).toBeDefined()
    log.close()
    expect(existingLogHub(dir)).toBeUndefined()
  })

  it('never runs out of file descriptors with many components', () => {
    const logs = Array.from({ length: 150 }, (_, i) => createComponentLog(dir, `kubelet-node${i}`))
    for (const [i, log] of logs.entries()) log.info('registered', { node: `node${i}` })
    logHubFor(dir).flush()
    for (const [i, log] of logs.entries()) log.info('heartbeat', { node: `node${i}` })
    for (const log of logs) log.close()
    expect(messages(fileLines('kubelet-node0'))).toEqual(['registered', 'heartbeat'])
    expect(messages(fileLines('kubelet-node149'))).toEqual(['registered', 'heartbeat'])
  })
})

describe('verbosity', () => {
  it.each([
    [0, ['always']],
    [2, ['always', 'v2']],
    [3, ['always', 'v2', 'v3']],
    [5, ['always', 'v2', 'v3', 'v5']]
  ])('at -v=%i writes %j', (verbosity, expected) => {
    const log = createComponentLog(dir, 'kube-apiserver')
    log.setVerbosity(verbosity)
    log.info('always')
    log.v(2)?.info('v2')
    log.v(3)?.info('v3')
    log.v(5)?.info('v5')
    log.close()
    expect(messages(fileLines('kube-apiserver'))).toEqual(expected)
  })

  it('starts at 2 and is shared by every logger of a component, changeable at run time', () => {
    const a = createComponentLog(dir, 'kube-controller-manager')
    const b = createComponentLog(dir, 'kube-controller-manager')
    expect(a.verbosity).toBe(DEFAULT_VERBOSITY)
    expect(DEFAULT_VERBOSITY).toBe(2)
    expect(b.enabled(4)).toBe(false)
    a.setVerbosity(4)
    expect(b.enabled(4)).toBe(true)
    expect(b.v(4)).toBe(b)
    expect(createComponentLog(dir, 'kube-scheduler').enabled(4)).toBe(false)
    a.close()
  })

  it('does not build a verbose line that is off', () => {
    const log = createComponentLog(dir, 'kube-apiserver')
    let built = 0
    const expensive = (): Record<string, unknown> => ({ n: ++built })
    for (let i = 0; i < 100; i++) log.v(3)?.info('HTTP', expensive())
    expect(built).toBe(0)
    log.close()
  })

  it('logAt keeps only V(0) for a plain ComponentLog (a test double)', () => {
    const lines: string[] = []
    const plain: ComponentLog = {
      component: 'x',
      file: '/dev/null',
      info: (m) => void lines.push(m),
      warn: () => undefined,
      error: () => undefined,
      close: () => undefined
    }
    logAt(plain, 0)?.info('zero')
    logAt(plain, 3)?.info('three')
    expect(lines).toEqual(['zero'])
    expect(logAt(undefined, 0)).toBeUndefined()
  })
})

describe('lines queued when the process ends', () => {
  const script = (ending: string): string =>
    [
      `const { createComponentLog } = require(${JSON.stringify(resolve('src/main/observe/component-log.ts'))})`,
      `const log = createComponentLog(${JSON.stringify(dir)}, 'kubedesk')`,
      `for (let i = 0; i < 1000; i++) log.info('line', { i })`,
      ending
    ].join('\n')

  it.each([
    ['process.exit()', 'process.exit(3)', 3],
    ['an uncaught exception', "throw new Error('boom')", 1],
    ['the end of the event loop', '', 0]
  ])('are written on %s', (_, ending, code) => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', '-e', script(ending)], {
      encoding: 'utf8',
      timeout: 60_000
    })
    expect(run.status).toBe(code)
    const lines = fileLines('kubedesk')
    expect(lines).toHaveLength(1000)
    expect(lines.at(-1)).toMatch(/ i=999$/)
  })
})
