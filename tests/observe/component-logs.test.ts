/**
 * Component logs as a user meets them on a running `kubedesk up` (simulated provider): the
 * request log of kube-apiserver switched on with kube-apiserver's own `PUT /debug/flags/v`
 * (through the real kubectl) and with `kubedesk logs --verbosity`, the in-process components'
 * requests in it, and `kubedesk logs` listing every component.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { main } from '../../src/main/cli'
import { parseLogLine } from '../../src/main/observe/component-log'
import { startCluster, type Cluster } from '../helpers/cluster'

let cluster: Cluster

beforeAll(async () => {
  cluster = await startCluster()
}, 120_000)
afterAll(async () => {
  await cluster?.stop()
})

async function kubedesk(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  let out = ''
  let err = ''
  stdout.setEncoding('utf8').on('data', (c: string) => (out += c))
  stderr.setEncoding('utf8').on('data', (c: string) => (err += c))
  const code = await main([...argv, '--data-dir', cluster.dataDir], { stdout, stderr, env: {} })
  return { code, stdout: out, stderr: err }
}

async function kubectl(args: string[], stdin?: string): Promise<string> {
  const r = await cluster.kubectl(args, { stdin })
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.code}\n${r.stderr}`)
  return r.stdout
}

/** The kube-apiserver's "HTTP" lines so far. */
function httpLines(): string[] {
  const file = join(cluster.dataDir, 'logs', 'kube-apiserver.log')
  if (!existsSync(file)) return []
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => parseLogLine(line)?.message === 'HTTP')
}

async function waitForLine(what: RegExp, timeoutMs = 20_000): Promise<string> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const line = httpLines().find((l) => what.test(l))
    if (line) return line
    if (Date.now() > deadline) throw new Error(`no request line matching ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

describe('kube-apiserver request log', () => {
  it('is off at the default verbosity, on after PUT /debug/flags/v 3 (kubectl replace --raw)', async () => {
    await kubectl(['get', 'namespaces', '-o', 'name'])
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(httpLines().filter((l) => l.includes('kubectl/'))).toEqual([])

    const answer = await kubectl(['replace', '--raw', '/debug/flags/v', '-f', '-'], '3')
    expect(answer.trim()).toBe('successfully set klog.logging.verbosity to 3')

    await kubectl(['get', 'pods', '-A'])
    const line = await waitForLine(/verb="LIST" URI="\/api\/v1\/pods\?limit=500"/)
    expect(line).toMatch(/^I\d{4} [\d:.]+ +\d+ kube-apiserver\] "HTTP" /)
    expect(line).toMatch(/ latency="[\d.]+(ns|µs|ms|s)"/)
    expect(line).toMatch(/ userAgent="kubectl\/v1\.\d+/)
    expect(line).toContain(' user="kubernetes-admin" resource="pods"')
    expect(line).toMatch(/ srcIP="127\.0\.0\.1:\d+" resp=200$/)
  })

  it('shows the in-process components’ requests with their own user', async () => {
    await kubectl(['create', 'deployment', 'web', '--image', 'busybox', '--replicas', '1'])
    const line = await waitForLine(/user="system:kube-controller-manager" resource="replicasets"/)
    expect(line).toContain('verb="POST" URI="/apis/apps/v1/namespaces/default/replicasets"')
    expect(line).toContain('userAgent="kube-controller-manager"')
    expect(line).toMatch(/ resp=201$/)
    // No node takes the pod (the control-plane node is tainted): the scheduler says why.
    await waitForLine(/verb="PATCH" .*user="system:kube-scheduler" resource="pods\/status"/)
  })

  it('kubedesk logs --verbosity sets it back through the control socket', async () => {
    const set = await kubedesk(['logs', '--verbosity', '2', 'kube-apiserver'])
    expect(set).toMatchObject({ code: 0, stdout: 'kube-apiserver: verbosity 2 (was 3)\n' })
    await kubectl(['get', 'configmaps', '-A'])
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(httpLines().filter((l) => l.includes('resource="configmaps"'))).toEqual([])
  })
})

describe('kubedesk logs', () => {
  it('lists every component, with its verbosity in the running instance', async () => {
    await kubedesk(['logs', '--verbosity', '4', 'kube-scheduler'])
    const { code, stdout } = await kubedesk(['logs'])
    expect(code).toBe(0)
    const rows = new Map(
      stdout
        .trim()
        .split('\n')
        .slice(1)
        .map((line) => line.split(/ {3,}/) as [string, string, string, string])
        .map((cells) => [cells[0], cells[1]])
    )
    expect(Object.fromEntries(rows)).toMatchObject({
      etcd: '2',
      'kube-apiserver': '2',
      'kube-scheduler': '4',
      'kube-controller-manager': '2',
      'kubelet/kubedesk-control-plane': '2',
      'node-provider': '2',
      kubedesk: '2',
      docker: '-'
    })
  })

  it('prints the control-plane node’s kubelet log as kubelet/<node>', async () => {
    const { code, stdout } = await kubedesk(['logs', 'kubelet/kubedesk-control-plane'])
    expect(code).toBe(0)
    const entries = stdout
      .trim()
      .split('\n')
      .map((l) => parseLogLine(l))
    expect(entries.length).toBeGreaterThan(0)
    expect(entries.every((e) => e?.component === 'kubelet')).toBe(true)
  })

  it.each([
    [['--verbosity', '3', 'kube-dns'], "no component 'kube-dns' logs here"],
    [['--verbosity', '11', 'etcd'], 'verbosity must be an integer from 0 to 10']
  ])('logs %j is an error: %s', async (args, message) => {
    const { code, stderr } = await kubedesk(['logs', ...args])
    expect(code).toBe(1)
    expect(stderr).toContain(message)
  })
})
