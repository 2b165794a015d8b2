import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { runCliInProcess } from './in-process-cli'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  createComponentLog,
  formatLogLine,
  parseLogLine
} from '../../src/main/observe/component-log'
import { removeDataDir, startCli, stopStartedProcesses, tempDataDir } from './cli-process'

const kubedesk = (argv: string[]) => runCliInProcess(argv, {})

let dir: string
const statSize = (component: string): number =>
  readFileSync(join(dir, 'logs', `${component}.log`)).length
beforeEach(() => {
  dir = tempDataDir()
})
afterEach(async () => {
  await stopStartedProcesses()
  removeDataDir(dir)
})

describe('component log format', () => {
  it('writes klog-style lines that parse back into their parts', () => {
    const log = createComponentLog(dir, 'etcd')
    log.warn('slow apply', { key: '/registry/pods/default/web', took: 120, ok: false })
    log.close()
    const line = readFileSync(join(dir, 'logs', 'etcd.log'), 'utf8').trimEnd()
    expect(line).toMatch(
      /^W\d{4} \d\d:\d\d:\d\d\.\d{6} +\d+ etcd\] "slow apply" key="\/registry\/pods\/default\/web" took=120 ok=false$/
    )
    const entry = parseLogLine(line)
    expect(entry).toMatchObject({
      level: 'warn',
      pid: process.pid,
      component: 'etcd',
      message: 'slow apply'
    })
    expect(Math.abs(entry!.time.getTime() - Date.now())).toBeLessThan(60_000)
  })

  it('keeps a message with quotes and newlines on one line', () => {
    const line = formatLogLine('error', 'kubedesk', 'bad "thing"\nsecond line', {
      err: new Error('x\ny')
    })
    expect(line).not.toContain('\n')
    expect(parseLogLine(line)?.message).toBe('bad "thing"\nsecond line')
  })

  it('rotates by size, keeping the newest files, and logs reads them oldest first', async () => {
    const log = createComponentLog(dir, 'kube-scheduler', { maxBytes: 400, keep: 2 })
    for (let i = 1; i <= 20; i++) log.info('scheduled', { n: i })
    log.close()
    expect(existsSync(join(dir, 'logs', 'kube-scheduler.log.1'))).toBe(true)
    expect(existsSync(join(dir, 'logs', 'kube-scheduler.log.2'))).toBe(true)
    expect(existsSync(join(dir, 'logs', 'kube-scheduler.log.3'))).toBe(false)

    const { code, stdout } = await kubedesk(['logs', 'kube-scheduler', '--data-dir', dir])
    expect(code).toBe(0)
    const numbers = stdout
      .trimEnd()
      .split('\n')
      .map((line) => Number(/ n=(\d+)$/.exec(line)?.[1]))
    // The oldest lines were rotated away; what is left is in order and ends with the newest.
    expect(numbers.at(-1)).toBe(20)
    expect(numbers).toEqual([...numbers].sort((a, b) => a - b))
    expect(numbers[0]).toBeGreaterThan(1)
  })
})

describe('kubedesk logs filters', () => {
  beforeEach(() => {
    mkdirSync(join(dir, 'logs'), { recursive: true })
    const hourAgo = new Date(Date.now() - 3600_000)
    const lines = [
      formatLogLine('info', 'etcd', 'old news', {}, hourAgo),
      formatLogLine('warn', 'etcd', 'old warning', {}, hourAgo),
      formatLogLine('info', 'etcd', 'opened store', { revision: 7 }),
      formatLogLine('warn', 'etcd', 'slow commit', { ms: 900 }),
      formatLogLine('error', 'etcd', 'compaction failed', { revision: 5 })
    ]
    appendFileSync(join(dir, 'logs', 'etcd.log'), lines.join('\n') + '\n')
  })

  const messages = (stdout: string): string[] =>
    stdout
      .trimEnd()
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => parseLogLine(l)!.message)

  it.each([
    [[], ['old news', 'old warning', 'opened store', 'slow commit', 'compaction failed']],
    [
      ['--level', 'warn'],
      ['old warning', 'slow commit', 'compaction failed']
    ],
    [['--level', 'error'], ['compaction failed']],
    [
      ['--since', '5m'],
      ['opened store', 'slow commit', 'compaction failed']
    ],
    [
      ['--since', '5m', '--level', 'warn'],
      ['slow commit', 'compaction failed']
    ],
    [
      ['--grep', 'revision='],
      ['opened store', 'compaction failed']
    ],
    [
      ['--since', '2h', '--grep', 'old'],
      ['old news', 'old warning']
    ]
  ])('logs etcd %j', async (flags, expected) => {
    const { code, stdout } = await kubedesk(['logs', 'etcd', '--data-dir', dir, ...flags])
    expect(code).toBe(0)
    expect(messages(stdout)).toEqual(expected)
  })

  it('an unknown component is an error listing the available ones (files and known names)', async () => {
    appendFileSync(join(dir, 'logs', 'my-agent.log'), 'x\n')
    appendFileSync(join(dir, 'logs', 'kubelet-kubedesk-worker.log'), 'x\n')
    const { code, stderr } = await kubedesk(['logs', 'kube-dns', '--data-dir', dir])
    expect(code).toBe(1)
    expect(stderr).toBe(
      "kubedesk: unknown component 'kube-dns'. Available: docker, etcd, kube-apiserver, " +
        'kube-controller-manager, kube-proxy, kube-scheduler, kubedesk, ' +
        'kubelet/kubedesk-worker, my-agent, node-provider.\n'
    )
  })

  it('without a COMPONENT lists them all, kubelets as kubelet/<node> (nothing running)', async () => {
    appendFileSync(join(dir, 'logs', 'kubelet-kubedesk-worker.log'), 'x\n')
    const { code, stdout } = await kubedesk(['logs', '--data-dir', dir])
    expect(code).toBe(0)
    const rows = stdout
      .split('\n\n')[0]!
      .split('\n')
      .map((l) => l.split(/ {3,}/))
    expect(rows[0]).toEqual(['COMPONENT', 'VERBOSITY', 'SIZE', 'LAST WRITTEN'])
    const byName = Object.fromEntries(rows.slice(1).map((r) => [r[0], r.slice(1)]))
    expect(Object.keys(byName)).toEqual([
      'docker',
      'etcd',
      'kube-apiserver',
      'kube-controller-manager',
      'kube-proxy',
      'kube-scheduler',
      'kubedesk',
      'kubelet/kubedesk-worker',
      'node-provider'
    ])
    expect(byName.etcd?.slice(0, 2)).toEqual(['-', `${statSize('etcd')}B`])
    expect(byName['kube-apiserver']).toEqual(['-', '-', 'no log yet'])
    expect(stdout).toContain(`KubeDesk is not running for ${dir}: verbosities show once it is.`)
  })

  it('a known component that has not logged yet says so (exit 1)', async () => {
    const { code, stderr } = await kubedesk(['logs', 'kube-apiserver', '--data-dir', dir])
    expect(code).toBe(1)
    expect(stderr).toContain('kube-apiserver has not written a log')
    expect(stderr).toContain('Components with logs there: etcd.')
  })

  it('-f prints lines appended later, until Ctrl-C (exit 0)', async () => {
    const follow = startCli(['logs', 'etcd', '-f', '--level', 'warn', '--data-dir', dir])
    await follow.waitFor(/compaction failed/, 'stdout')
    const log = createComponentLog(dir, 'etcd')
    log.info('not shown: below --level')
    log.warn('disk nearly full', { free: '1Gi' })
    log.close()
    await follow.waitFor(/disk nearly full/, 'stdout')
    follow.child.kill('SIGINT')
    const result = await follow.exited
    expect(result.code).toBe(0)
    expect(result.stdout).not.toContain('not shown')
  })
})
