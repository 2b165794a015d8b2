import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { runCliInProcess } from './in-process-cli'
import { afterAll, describe, expect, it } from 'vitest'
import { KUBEDESK_VERSION } from '../../src/main/version'
import { REPO_ROOT, removeDataDir, runCli, tempDataDir } from './cli-process'

const kubedesk = (argv: string[]) => runCliInProcess(argv)

const dir = tempDataDir()
afterAll(() => removeDataDir(dir))

describe('bad command lines: one readable line with a hint, exit 2', () => {
  const up = (...flags: string[]): string[] => ['up', '--data-dir', dir, ...flags]
  it.each([
    [up('--nodes', 'abc'), "--nodes must be a whole number from 0 to 10000 (got 'abc')"],
    [up('--nodes', '-1'), "--nodes must be a whole number from 0 to 10000 (got '-1')"],
    [up('--nodes', '1.5'), "--nodes must be a whole number from 0 to 10000 (got '1.5')"],
    [
      up('--provider', 'foo'),
      "--provider must be one of auto, docker, process, simulated (got 'foo')"
    ],
    [up('--store', 'mysql'), "--store must be one of sqlite, memory, etcd (got 'mysql')"],
    [up('--port', '70000'), "--port must be a whole number from 0 to 65535 (got '70000')"],
    [up('--ui-port', '8080'), '--ui-port only applies with --ui'],
    [up('--store', 'etcd', '--etcd-endpoints', 'localhost'), '--etcd-endpoints must be http:// or'],
    [
      up('--etcd-endpoints', 'http://127.0.0.1:2379'),
      '--etcd-endpoints only applies with --store etcd'
    ],
    [up('--frobnicate'), "unknown flag '--frobnicate' for 'kubedesk up'"],
    [up('--nodes'), '--nodes needs a value'],
    [up('--ui=yes'), '--ui takes no value'],
    [up('extra'), "unexpected argument 'extra' for 'kubedesk up'"],
    [['status', '--output', 'yaml'], "--output must be one of text, json (got 'yaml')"],
    [
      ['logs', 'etcd', '--level', 'debug'],
      "--level must be one of info, warn, error (got 'debug')"
    ],
    [['logs', 'etcd', '--since', 'yesterday'], '--since must be a duration such as 30s, 5m'],
    [
      ['logs', '--verbosity', '3', '--data-dir', dir],
      '--verbosity needs a COMPONENT, one of: docker, etcd, kube-apiserver'
    ],
    [['logs', 'etcd', '--verbosity', 'loud'], "--verbosity wants a level from 0 to 10, not 'loud'"],
    [['down', '--timeout', 'soon'], '--timeout must be a duration'],
    [['node', 'add'], "'kubedesk node add' needs a node NAME"],
    [
      ['node', 'grow', 'w1'],
      "the node action must be one of add, stop, start, rm, fail (got 'grow')"
    ],
    [['node', 'add', 'Worker_1'], 'the node NAME must be lowercase letters'],
    [
      ['node', 'add', 'w1', '--cpu', '0'],
      "--cpu must be a number of cores above 0 (e.g. 2 or 0.5), not '0'"
    ],
    [
      ['node', 'add', 'w1', '--memory', 'lots'],
      "--memory must be a size of at least 64Mi (e.g. 512Mi, 4Gi, 2G), not 'lots'"
    ],
    [['node', 'stop', 'w1', '--cpu', '2'], "--cpu and --memory only apply to 'kubedesk node add'"],
    [
      up('--crash-loop-backoff', '10s'),
      "--crash-loop-backoff takes INITIAL,MAX (e.g. 10s,5m), not '10s'"
    ],
    [
      up('--node-heartbeat', 'soon'),
      "--node-heartbeat must be a duration such as 30s, 5m, 1h30m or 2d (got 'soon')"
    ],
    [['launch'], "unknown command 'launch'"]
  ])('kubedesk %j', async (argv, expected) => {
    const { code, stdout, stderr } = await kubedesk(argv)
    expect(code).toBe(2)
    expect(stdout).toBe('')
    const lines = stderr.trimEnd().split('\n')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/^kubedesk: /)
    expect(lines[0]).toContain(expected)
    expect(lines[0]).toMatch(/See 'kubedesk( \w+)? --help'\.$/)
  })

  it('nothing was created by a refused command line', () => {
    expect(existsSync(join(dir, 'kubedesk.pid'))).toBe(false)
    expect(existsSync(join(dir, 'logs'))).toBe(false)
  })

  it('as a real process: exit status 2 and no stack trace', async () => {
    const { code, stderr } = await runCli(['up', '--provider', 'foo', '--data-dir', dir])
    expect(code).toBe(2)
    expect(stderr.trim()).toBe(
      "kubedesk: --provider must be one of auto, docker, process, simulated (got 'foo'). " +
        "See 'kubedesk up --help'."
    )
  })
})

describe('help and version', () => {
  it.each(['up', 'status', 'down', 'logs', 'node'])('kubedesk %s --help', async (command) => {
    const { code, stdout, stderr } = await kubedesk([command, '--help'])
    expect(code).toBe(0)
    expect(stderr).toBe('')
    expect(stdout).toContain(`kubedesk ${command}`)
    expect(stdout).toContain('--data-dir DIR')
    // Help wins over other flags, even bad ones: the user is asking how to fix them.
    expect((await kubedesk([command, '--bogus', '-h'])).stdout).toBe(stdout)
  })

  it('up --help explains nodes, providers and their defaults', async () => {
    const { stdout } = await kubedesk(['up', '--help'])
    expect(stdout).toMatch(/default: docker when a Docker engine answers, else process/)
    expect(stdout).toMatch(/adopted, with their pods, by the next 'up'/)
    expect(stdout).toMatch(/0 = any free port/)
    expect(stdout).toMatch(/merges a 'kubedesk' cluster, user and context into your kubeconfig/)
  })

  it('kubedesk --help lists every command; help <command> equals <command> --help', async () => {
    const { code, stdout } = await kubedesk(['--help'])
    expect(code).toBe(0)
    for (const command of ['up', 'status', 'down', 'logs', 'node']) {
      expect(stdout).toMatch(new RegExp(`^  ${command} `, 'm'))
    }
    expect((await kubedesk(['help', 'logs'])).stdout).toBe((await kubedesk(['logs', '-h'])).stdout)
  })

  it('kubedesk --version prints the package version', async () => {
    const { code, stdout } = await kubedesk(['--version'])
    expect(code).toBe(0)
    expect(stdout).toBe(`kubedesk ${KUBEDESK_VERSION}\n`)
    expect(KUBEDESK_VERSION).toMatch(/^\d+\.\d+\.\d+/)
  })
})

describe('kubedesk node', () => {
  it.each(['add', 'stop', 'start', 'rm'])(
    'node %s with no KubeDesk running says so (exit 1)',
    async (action) => {
      const { code, stderr } = await kubedesk([
        'node',
        action,
        'kubedesk-worker2',
        '--data-dir',
        dir
      ])
      expect(code).toBe(1)
      expect(stderr).toMatch(/^kubedesk: no KubeDesk is running for /)
    }
  )
})

const builtCli = join(REPO_ROOT, 'out', 'main', 'cli.js')
const built = existsSync(builtCli)
if (!built) {
  console.log(`skipping the built-bin test: ${builtCli} does not exist (run 'npm run build')`)
}

describe('bin/kubedesk.js', () => {
  it.skipIf(!built)('runs the built CLI', async () => {
    const { execFile } = await import('node:child_process')
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(
        process.execPath,
        [join(REPO_ROOT, 'bin', 'kubedesk.js'), '--version'],
        (err, out) => (err ? reject(err) : resolve(out))
      )
    )
    expect(stdout).toBe(`kubedesk ${KUBEDESK_VERSION}\n`)
  })
})
