/**
 * pods/exec end to end in one process: an in-process API server, kubelet servers (src/agent/
 * server) on the process runtime (real commands on this host) and on the fake runtime (simulated
 * containers), Nodes pointing at them, and the real kubectl: output and exit codes, stdin,
 * a terminal and its resizes, and every refusal as a Status before the upgrade.
 */
import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { writeKubeconfig } from '../../../src/main/kubeconfig'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createFakeRuntime } from '../../../src/agent/runtime/fake/fake-runtime'
import { createProcessRuntime } from '../../../src/agent/runtime/process/process-runtime'
import { LABELS, type ContainerRuntime } from '../../../src/agent/runtime/types'
import { startKubeletServer, type KubeletServer } from '../../../src/agent/server/kubelet-server'
import { STREAM_PROTOCOL_V4 } from '../../../src/agent/server/remote-command'
import { ensurePki, issueKubeletServingCert } from '../../../src/main/apiserver/pki'
import { startApiServer, type ApiServer } from '../../../src/main/apiserver/server'
import type { KubeObject } from '../../../src/main/apiserver/types'
import { openStore, type Store } from '../../../src/main/store'
import {
  execRefusal,
  execUrl,
  openExec,
  runOnTerminal,
  type ExecTarget
} from '../../helpers/exec-client'
import { KUBECTL } from '../../helpers/cluster'

const ADMIN = 'pod-exec-admin-token-0123456789abcdef'
const KUBELET_CLIENT = 'pod-exec-kubelet-client-token-0123456789'

let dir: string
let store: Store
let api: ApiServer
const kubelets: KubeletServer[] = []
const runtimes: ContainerRuntime[] = []
let caCert: string
let kubeconfig: string

interface Run {
  code: number
  stdout: string
  stderr: string
}

function kubectl(args: string[], stdin?: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      KUBECTL,
      ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), ...args],
      { timeout: 30_000, env: { ...process.env, HOME: dir, KUBECONFIG: kubeconfig } },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr })
    )
    child.stdin?.end(stdin ?? '')
  })
}

const target = (pod: string): ExecTarget => ({
  server: api.url,
  ca: caCert,
  token: ADMIN,
  pod
})

async function addNode(name: string, port?: number, runtime = 'process://20'): Promise<void> {
  const node = await api.client.create({ apiVersion: 'v1', kind: 'Node', metadata: { name } })
  await api.client.updateStatus({
    ...node,
    status: {
      addresses: [{ type: 'InternalIP', address: '127.0.0.1' }],
      nodeInfo: { containerRuntimeVersion: runtime },
      ...(port ? { daemonEndpoints: { kubeletEndpoint: { Port: port } } } : {})
    }
  })
}

/** A kubelet on `nodeName` over `runtime`, serving the API server's kubelet-client token. */
async function addKubelet(nodeName: string, runtime: ContainerRuntime): Promise<void> {
  const tls = await issueKubeletServingCert(dir, nodeName, ['127.0.0.1'])
  const kubelet = await startKubeletServer({
    config: { host: '127.0.0.1', port: 0, ...tls, allowedTokens: [KUBELET_CLIENT] },
    nodeName,
    runtime
  })
  kubelets.push(kubelet)
  runtimes.push(runtime)
  await addNode(nodeName, kubelet.port)
}

/** A pod whose container `main` runs `sleep` in `runtime`, with the status a kubelet reports. */
async function addPod(
  name: string,
  nodeName: string,
  runtime: ContainerRuntime | undefined,
  phase = 'Running'
): Promise<void> {
  const created = await api.client.create<KubeObject>({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: { nodeName, containers: [{ name: 'main', image: 'busybox' }] }
  })
  const running = phase === 'Running'
  await api.client.updateStatus({
    ...created,
    status: {
      phase,
      containerStatuses: [
        {
          name: 'main',
          ready: running,
          restartCount: 0,
          image: 'busybox',
          imageID: '',
          state: running
            ? { running: { startedAt: new Date().toISOString() } }
            : { terminated: { exitCode: 0, reason: 'Completed' } }
        }
      ]
    }
  })
  if (!runtime) return
  const uid = created.metadata.uid ?? name
  const sandbox = await runtime.runPodSandbox({
    metadata: { name, namespace: 'default', uid, attempt: 0 },
    hostname: name,
    labels: {}
  })
  // The labels the kubelet puts on its containers (the fake runtime adds none of its own).
  const labels = {
    [LABELS.podName]: name,
    [LABELS.podNamespace]: 'default',
    [LABELS.podUid]: uid,
    [LABELS.containerName]: 'main'
  }
  const id = await runtime.createContainer(sandbox, {
    name: 'main',
    image: 'busybox',
    command: ['sleep', '3600'],
    env: [{ name: 'GREETING', value: 'hello from the container env' }],
    workingDir: dir,
    mounts: [],
    resources: {},
    labels,
    attempt: 0
  })
  await runtime.startContainer(id)
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kd-pod-exec-'))
  const pki = await ensurePki(dir, { sans: [] })
  caCert = pki.caCert
  store = await openStore({ backend: 'memory', compaction: { enabled: false } })
  api = await startApiServer({
    store,
    port: 0,
    tls: { cert: pki.serverCert, key: pki.serverKey },
    authenticator: {
      authenticate: (h) =>
        h.authorization === `Bearer ${ADMIN}`
          ? { username: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] }
          : undefined
    },
    kubeletClient: { token: KUBELET_CLIENT, caCert: pki.caCert }
  })
  const proc = createProcessRuntime({ nodeName: 'node-proc', rootDir: join(dir, 'runtime') })
  await addKubelet('node-proc', proc)
  const fake = createFakeRuntime({ nodeName: 'node-sim' })
  await addKubelet('node-sim', fake)
  await addNode('node-dark')
  // A simulated node as KubeDesk's simulated provider registers it: no kubelet endpoint.
  await addNode('node-simulated', undefined, 'fake://0.1.0')
  await addPod('shell', 'node-proc', proc)
  await addPod('done', 'node-proc', undefined, 'Succeeded')
  await addPod('sim', 'node-sim', fake)
  await addPod('dark', 'node-dark', undefined)
  await addPod('simulated', 'node-simulated', undefined)
  // In the API but never started on its node: the kubelet has no such container.
  await addPod('ghost', 'node-proc', undefined)

  kubeconfig = join(dir, 'kubeconfig')
  writeKubeconfig(kubeconfig, { server: api.url, caCert, token: ADMIN })
}, 60_000)

afterAll(async () => {
  for (const k of kubelets) await k.close()
  for (const r of runtimes) await r.close()
  await api?.close()
  await store?.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('kubectl exec through the API server and the kubelet', () => {
  it('prints stdout and stderr and exits with the command exit code', async () => {
    const r = await kubectl(['exec', 'shell', '--', 'sh', '-c', 'echo out; echo err >&2; exit 3'])
    expect(r.code).toBe(3)
    expect(r.stdout).toBe('out\n')
    expect(r.stderr).toContain('err\n')
    expect(r.stderr).toContain('command terminated with exit code 3')
  })

  it("runs in the container's working directory with its env, exit 0", async () => {
    const r = await kubectl([
      'exec',
      'shell',
      '-c',
      'main',
      '--',
      'sh',
      '-c',
      'pwd; echo $GREETING'
    ])
    expect(r).toEqual({ code: 0, stdout: `${dir}\nhello from the container env\n`, stderr: '' })
  })

  it('-i passes stdin through and closes it at EOF', async () => {
    const text = 'line one\nline two\n'.repeat(200)
    const r = await kubectl(['exec', '-i', 'shell', '--', 'cat'], text)
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout).toBe(text)
  })

  it('a missing command is exit code 127 with the reason on stderr', async () => {
    const r = await kubectl(['exec', 'shell', '--', 'no-such-command-kd'])
    expect(r.code).toBe(127)
    expect(r.stderr).toContain('no-such-command-kd')
  })

  it('-it gives the command a terminal of the size of kubectl’s', async () => {
    const kubectl = [KUBECTL, '--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache')]
    const shell = ['exec', '-it', 'shell', '--', 'sh', '-c', 'stty size; tty']
    const r = await runOnTerminal([...kubectl, ...shell], 37, 91, { ...process.env, HOME: dir })
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^37 91\r?\n\/dev\/pts\/\d+/m)
  })

  it('a resize message changes the terminal size of a running command', async () => {
    const conn = await openExec(target('shell'), { command: ['sh'], stdin: true, tty: true })
    conn.resize(80, 24)
    conn.stdin('stty size\n')
    await conn.waitFor(/^24 80\r?$/m)
    conn.resize(132, 50)
    // The resize and the typed line travel separately; type until the new size shows.
    for (let i = 0; i < 50 && !/^50 132\r?$/m.test(conn.stdout()); i++) {
      conn.stdin('stty size\n')
      await new Promise((r) => setTimeout(r, 100))
    }
    expect(conn.stdout()).toMatch(/^50 132\r?$/m)
    conn.stdin('exit 4\n')
    const { status, closeCode } = await conn.done
    expect(closeCode).toBe(1000)
    expect(status).toMatchObject({
      status: 'Failure',
      reason: 'NonZeroExitCode',
      details: { causes: [{ reason: 'ExitCode', message: '4' }] }
    })
  })

  it('speaks v4.channel.k8s.io too (no stdin close: the command ends by itself)', async () => {
    const conn = await openExec(target('shell'), {
      command: ['sh', '-c', 'echo v4'],
      protocols: [STREAM_PROTOCOL_V4]
    })
    expect(conn.protocol).toBe(STREAM_PROTOCOL_V4)
    const { status } = await conn.done
    expect(conn.stdout()).toBe('v4\n')
    expect(status).toEqual({ metadata: {}, status: 'Success' })
  })

  it('a client that goes away ends the command', async () => {
    const marker = join(dir, 'still-running')
    const conn = await openExec(target('shell'), {
      command: ['sh', '-c', `echo started; sleep 2; touch ${marker}`],
      stdin: true
    })
    await conn.waitFor(/started/)
    conn.close()
    await new Promise((r) => setTimeout(r, 3000))
    expect(existsSync(marker)).toBe(false)
  })

  it('simulated containers refuse with a clear error instead of hanging', async () => {
    // A simulated node without a kubelet endpoint: the API server says so itself.
    const api = await kubectl(['exec', 'simulated', '--', 'ls'])
    expect(api.code).toBe(1)
    expect(api.stderr).toContain(
      'Error from server (BadRequest): cannot exec into container "main" of pod ' +
        '"default/simulated": node "node-simulated" runs simulated containers, which have no processes'
    )
    // A kubelet on the fake runtime: the session opens and ends with the runtime's refusal.
    const kubelet = await kubectl(['exec', 'sim', '--', 'ls'])
    expect(kubelet.code).toBe(1)
    expect(kubelet.stderr).toContain(
      'error executing command in container: cannot exec into container "main" of pod ' +
        '"default/sim": node "node-sim" runs simulated containers, which have no processes'
    )
  })

  it('kubectl shows the refusals of the API server', async () => {
    const cases: [string[], RegExp][] = [
      [['exec', 'nope', '--', 'ls'], /NotFound.*pods "nope" not found/],
      [['exec', 'shell', '-c', 'side', '--', 'ls'], /container side is not valid for pod shell/],
      [['exec', 'dark', '--', 'ls'], /no kubelet serves node "node-dark"/],
      [['exec', 'ghost', '--', 'ls'], /container "main" in pod "ghost" is not available/]
    ]
    for (const [args, message] of cases) {
      const r = await kubectl(args)
      expect(r.code, args.join(' ')).toBe(1)
      expect(r.stderr, args.join(' ')).toMatch(message)
    }
  })

  it('answers bad requests with a Status before the upgrade', async () => {
    const t = target('shell')
    const cases: [string, string, number, string, RegExp][] = [
      ['no command', execUrl(t, { command: [] }), 400, 'BadRequest', /at least one command/],
      [
        'no stream',
        execUrl(t, { command: ['ls'] }).replace(/&stdout=true&stderr=true/, ''),
        400,
        'BadRequest',
        /at least 1 of stdin, stdout, stderr/
      ],
      ['no pod', execUrl(target('nope'), { command: ['ls'] }), 404, 'NotFound', /not found/],
      [
        'finished pod',
        execUrl(target('done'), { command: ['ls'] }),
        400,
        'BadRequest',
        /phase is Succeeded/
      ],
      [
        'no kubelet',
        execUrl(target('dark'), { command: ['ls'] }),
        503,
        'ServiceUnavailable',
        /node-dark/
      ],
      [
        'not on the node',
        execUrl(target('ghost'), { command: ['ls'] }),
        400,
        'BadRequest',
        /is not available/
      ]
    ]
    for (const [what, url, code, reason, message] of cases) {
      const { status, body } = await execRefusal(url, t)
      expect({ what, status, reason: body.reason, kind: body.kind }).toEqual({
        what,
        status: code,
        reason,
        kind: 'Status'
      })
      expect(body.message, what).toMatch(message)
    }
    const stranger = await execRefusal(execUrl(t, { command: ['ls'] }), { ...t, token: 'wrong' })
    expect(stranger.status).toBe(401)
  })
})
