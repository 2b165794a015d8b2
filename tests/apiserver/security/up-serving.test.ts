import { execFile } from 'node:child_process'
import { X509Certificate } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { request } from 'node:https'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import {
  runCli,
  startCli,
  stopStartedProcesses,
  tempDataDir,
  removeDataDir,
  type RunningCli
} from '../../cli/cli-process'

/** The API server alone: no worker nodes, and no Docker needed. */
const NO_NODES = ['--nodes', '0', '--provider', 'simulated']

// `kubedesk up` end to end, as a user meets it: HTTPS with a CA it made, a kubeconfig that real
// kubectl uses with verified TLS, 401 without a token, a merged context in the user's kubeconfig
// (a temporary one: KUBECONFIG is set for every process here), and `down --delete` undoing it.

const KUBECTL = '/usr/bin/kubectl'

interface Named {
  name: string
  [k: string]: unknown
}
interface Config {
  clusters: Named[] | null
  users: Named[] | null
  contexts: Named[] | null
  'current-context'?: string
}

const USER_KUBECONFIG = `apiVersion: v1
kind: Config
clusters:
- name: prod
  cluster:
    server: https://prod.example.com
users:
- name: prod-admin
  user:
    token: prod-token
contexts:
- name: prod
  context:
    cluster: prod
    user: prod-admin
current-context: prod
`

let userKubeconfig: string
let env: NodeJS.ProcessEnv
const homes: string[] = []

/** A temporary HOME and KUBECONFIG holding the user's own cluster. */
function userHome(): { home: string; kubeconfig: string; env: NodeJS.ProcessEnv } {
  const h = mkdtempSync(join(tmpdir(), 'kd-home-'))
  homes.push(h)
  const kubeconfig = join(h, 'config')
  writeFileSync(kubeconfig, USER_KUBECONFIG, { mode: 0o600 })
  // kubectl keeps a discovery cache under $HOME/.kube: HOME is temporary too.
  return { home: h, kubeconfig, env: { HOME: h, KUBECONFIG: kubeconfig } }
}

function kubectl(
  args: string[],
  extraEnv: NodeJS.ProcessEnv
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      KUBECTL,
      args,
      { env: { PATH: process.env.PATH, ...extraEnv }, timeout: 30_000 },
      (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr })
    )
  })
}

/** One HTTPS GET trusting only `ca`, as curl --cacert would. */
function get(
  url: string,
  ca: string,
  headers: Record<string, string> = {},
  servername?: string
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, headers, servername }, (res) => {
      let body = ''
      res.setEncoding('utf8').on('data', (c: string) => (body += c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

const read = (file: string): Config => parse(readFileSync(file, 'utf8')) as Config
const names = (list: Named[] | null): string[] => (list ?? []).map((e) => e.name)

afterAll(async () => {
  await stopStartedProcesses()
  homes.forEach((h) => rmSync(h, { recursive: true, force: true }))
})

describe('kubedesk up serves the API over TLS with token authentication', () => {
  let dir: string
  let up: RunningCli
  let server: string
  let caCert: string
  let token: string

  beforeAll(async () => {
    ;({ kubeconfig: userKubeconfig, env } = userHome())
    dir = tempDataDir()
    up = startCli(['up', '--store', 'memory', '--port', '0', ...NO_NODES, '--data-dir', dir], env)
    await up.waitFor(/KubeDesk is running/)
    const config = parse(readFileSync(join(dir, 'kubeconfig'), 'utf8')) as {
      clusters: { cluster: { server: string; 'certificate-authority-data': string } }[]
      users: { user: { token: string } }[]
    }
    server = config.clusters[0].cluster.server
    caCert = Buffer.from(
      config.clusters[0].cluster['certificate-authority-data'],
      'base64'
    ).toString()
    token = config.users[0].user.token
  })

  afterAll(async () => {
    await stopStartedProcesses()
    removeDataDir(dir)
  })

  it('writes <data-dir>/kubeconfig (0600) for a 127.0.0.1 server and the CA from pki/', () => {
    expect(server).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/)
    expect(statSync(join(dir, 'kubeconfig')).mode & 0o777).toBe(0o600)
    expect(caCert.trim()).toBe(readFileSync(join(dir, 'pki', 'ca.crt'), 'utf8').trim())
    expect(up.stderr()).toContain(`✓ kube-apiserver: serving on ${server}\n`)
  })

  it('kubectl --kubeconfig <data-dir>/kubeconfig get --raw /version works over verified TLS', async () => {
    const { code, stdout, stderr } = await kubectl(
      ['--kubeconfig', join(dir, 'kubeconfig'), 'get', '--raw', '/version'],
      env
    )
    expect(stderr).toBe('')
    expect(code).toBe(0)
    expect(JSON.parse(stdout)).toHaveProperty('gitVersion')
  })

  it('kubectl refuses the server when it does not trust the CA', async () => {
    const { code, stderr } = await kubectl(
      [
        '--server',
        server,
        '--token',
        token,
        '--kubeconfig',
        '/dev/null',
        'get',
        '--raw',
        '/version'
      ],
      env
    )
    expect(code).not.toBe(0)
    expect(stderr).toMatch(/certificate signed by unknown authority/)
  })

  it('a request without a token, or with a wrong one, gets a 401 Status', async () => {
    for (const headers of [
      {} as Record<string, string>,
      { authorization: 'Bearer not-the-token' },
      { authorization: `Basic ${Buffer.from(`admin:${token}`).toString('base64')}` }
    ]) {
      const { status, body } = await get(`${server}/api/v1/namespaces`, caCert, headers)
      expect(status).toBe(401)
      expect(JSON.parse(body)).toMatchObject({
        kind: 'Status',
        status: 'Failure',
        reason: 'Unauthorized',
        code: 401
      })
    }
    const ok = await get(`${server}/version`, caCert, { authorization: `Bearer ${token}` })
    expect(ok.status).toBe(200)
  })

  it('kubectl prints the 401 as a real cluster makes it', async () => {
    const { code, stderr } = await kubectl(
      [
        '--server',
        server,
        '--certificate-authority',
        join(dir, 'pki', 'ca.crt'),
        '--token',
        'wrong',
        '--kubeconfig',
        '/dev/null',
        'get',
        'namespaces'
      ],
      env
    )
    expect(code).toBe(1)
    expect(stderr).toMatch(/You must be logged in to the server|Unauthorized/)
  })

  it('a Host header that is neither loopback nor ours is refused', async () => {
    // A DNS-rebinding page would send its own name; TLS still verifies against `localhost`.
    const { status, body } = await get(
      `${server}/version`,
      caCert,
      { authorization: `Bearer ${token}`, host: 'attacker.example.com' },
      'localhost'
    )
    expect(status).toBe(403)
    expect(JSON.parse(body)).toMatchObject({ kind: 'Status', reason: 'Forbidden', code: 403 })
  })

  it("merges the kubedesk context into the user's kubeconfig, keeping theirs current", async () => {
    expect(up.stderr()).toContain(
      `✓ kubeconfig: context 'kubedesk' merged into ${userKubeconfig} (current context stays 'prod'`
    )
    const config = read(userKubeconfig)
    expect(config['current-context']).toBe('prod')
    expect(names(config.clusters)).toEqual(['prod', 'kubedesk'])
    const { code, stdout } = await kubectl(
      ['--context', 'kubedesk', 'get', '--raw', '/version'],
      env
    )
    expect(code).toBe(0)
    expect(JSON.parse(stdout)).toHaveProperty('gitVersion')
  })

  it('down --delete removes what up added to the user kubeconfig, and nothing else', async () => {
    const down = await runCli(['down', '--delete', '--data-dir', dir], env)
    expect(down.code).toBe(0)
    expect(down.stderr).toContain(
      `✓ removed from ${userKubeconfig}: cluster kubedesk, user kubedesk, context kubedesk`
    )
    expect(read(userKubeconfig)).toEqual(parse(USER_KUBECONFIG))
    expect((await up.exited).code).toBe(0)
  })
})

describe('kubedesk up with a user kubeconfig that does not parse', () => {
  it('still serves, warns with the file, and leaves the file untouched', async () => {
    const { env: userEnv, kubeconfig } = userHome()
    writeFileSync(kubeconfig, 'clusters: [\n')
    const dir = tempDataDir()
    try {
      const up = startCli(
        ['up', '--store', 'memory', '--port', '0', ...NO_NODES, '--data-dir', dir],
        userEnv
      )
      await up.waitFor(/KubeDesk is running/)
      expect(up.stderr()).toContain(
        `! kubeconfig: not merged into your kubeconfig — cannot use the kubeconfig ${kubeconfig}: ` +
          'it is not valid YAML'
      )
      expect(up.stderr()).toContain(`Meanwhile: kubectl --kubeconfig ${join(dir, 'kubeconfig')}`)
      expect(readFileSync(kubeconfig, 'utf8')).toBe('clusters: [\n')
      const { code } = await kubectl(
        ['--kubeconfig', join(dir, 'kubeconfig'), 'get', '--raw', '/version'],
        userEnv
      )
      expect(code).toBe(0)
      up.child.kill('SIGTERM')
      expect((await up.exited).code).toBe(0)
    } finally {
      removeDataDir(dir)
    }
  })
})

describe('kubedesk up on a taken port', () => {
  let blocker: Server
  let dir: string

  beforeAll(async () => {
    blocker = createServer()
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
    dir = tempDataDir()
  })
  afterAll(async () => {
    await stopStartedProcesses()
    blocker.close()
    removeDataDir(dir)
  })

  it('moves to a free port, says so, and a second run reuses the CA and the token', async () => {
    const taken = (blocker.address() as { port: number }).port
    const { env: userEnv, kubeconfig } = userHome()
    const up = startCli(
      ['up', '--store', 'memory', '--port', String(taken), ...NO_NODES, '--data-dir', dir],
      userEnv
    )
    await up.waitFor(/KubeDesk is running/)
    const moved = new RegExp(
      `port ${taken} is in use; the API server listens on 127\\.0\\.0\\.1:(\\d+) instead`
    )
    const port = Number(moved.exec(up.stderr())?.[1])
    expect(port).toBeGreaterThan(0)
    expect(port).not.toBe(taken)
    expect(readFileSync(join(dir, 'logs', 'kube-apiserver.log'), 'utf8')).toMatch(moved)
    const first = parse(readFileSync(join(dir, 'kubeconfig'), 'utf8')) as Config & {
      clusters: { cluster: { server: string } }[]
      users: { user: { token: string } }[]
    }
    expect(first.clusters[0].cluster.server).toBe(`https://127.0.0.1:${port}`)
    const ca = new X509Certificate(readFileSync(join(dir, 'pki', 'ca.crt'))).fingerprint256
    up.child.kill('SIGTERM')
    expect((await up.exited).code).toBe(0)

    const again = startCli(
      ['up', '--store', 'memory', '--port', '0', ...NO_NODES, '--data-dir', dir],
      userEnv
    )
    await again.waitFor(/KubeDesk is running/)
    expect(new X509Certificate(readFileSync(join(dir, 'pki', 'ca.crt'))).fingerprint256).toBe(ca)
    const second = parse(readFileSync(join(dir, 'kubeconfig'), 'utf8')) as typeof first
    expect(second.users[0].user.token).toBe(first.users[0].user.token)
    // The merged context follows the new port.
    const merged = read(kubeconfig) as unknown as typeof first
    expect(merged.clusters.find((c) => (c as unknown as Named).name === 'kubedesk')).toEqual(
      second.clusters[0]
    )
    again.child.kill('SIGTERM')
    expect((await again.exited).code).toBe(0)
  })
})
