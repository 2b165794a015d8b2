/**
 * Services reached from the user's machine, written once and run on process nodes
 * (tests/cluster/services-process.test.ts) and Docker nodes (tests/cluster/docker-nodes.test.ts):
 * an HTTP server Deployment (busybox httpd serving an index file its script writes) exposed
 * with `kubectl expose --type=NodePort` answers on http://127.0.0.1:<nodePort>/ and on the URL
 * `kubedesk open svc/NAME` prints; `open` of an unknown Service fails with a clear line, and of
 * a Service without ready endpoints still opens and says so.
 */
import { get } from 'node:http'
import { expect, it } from 'vitest'
import type { Cluster } from '../helpers/cluster'
import { applyAll, getJson, kubedesk, waitUntil } from './fixtures'

/** What the scenarios need from the test file. */
export interface ServicesEnv {
  cluster(): Cluster
  /** httpd replicas (process pods share the host's ports: one there). */
  replicas: number
  /** The port httpd listens on in each pod (on process nodes, a free port of the host). */
  containerPort: number
  /** Called after the scenarios created pods (e.g. to remember their uids for clean-up). */
  created?: () => Promise<void>
}

const APP = 'httpd'

/** GET `url` on a fresh connection: status and body (throws on a connection error). */
function fetchText(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = get(url, { agent: false, timeout: 5000 }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => (body += c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.on('timeout', () => req.destroy(new Error(`timeout fetching ${url}`)))
  })
}

/** The bodies seen over `rounds` fetches of `url` (each on its own connection). */
async function bodiesOf(url: string, rounds: number): Promise<Set<string>> {
  const seen = new Set<string>()
  for (let i = 0; i < rounds; i++) seen.add((await fetchText(url)).body.trim())
  return seen
}

function deployment(env: ServicesEnv): Record<string, unknown> {
  const port = env.containerPort
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: APP, namespace: 'default' },
    spec: {
      replicas: env.replicas,
      selector: { matchLabels: { app: APP } },
      template: {
        metadata: { labels: { app: APP } },
        spec: {
          terminationGracePeriodSeconds: 1,
          containers: [
            {
              name: 'web',
              image: 'busybox:latest',
              env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
              // A relative directory: the container's own working directory on process nodes.
              command: [
                'sh',
                '-c',
                `mkdir -p www && echo "hello from $POD_NAME" > www/index.html && exec busybox httpd -f -p ${port} -h www`
              ],
              ports: [{ containerPort: port }]
            }
          ]
        }
      }
    }
  }
}

interface SliceView {
  endpoints?: { conditions?: { ready?: boolean } }[]
}

/** Adds the services scenarios to the caller's describe (titles start with `services: `). */
export function registerServicesScenarios(env: ServicesEnv): void {
  let nodePort = 0
  let pods: string[] = []

  it('services: kubectl expose --type=NodePort shows CLUSTER-IP and 80:<nodePort>/TCP', async () => {
    const c = env.cluster()
    await applyAll(c, [deployment(env)])
    await env.created?.()
    const exposed = await c.kubectl([
      'expose',
      'deployment',
      APP,
      '--type=NodePort',
      '--port=80',
      `--target-port=${env.containerPort}`
    ])
    expect(exposed.stdout + exposed.stderr).toBe(`service/${APP} exposed\n`)
    const [, type, clusterIP, external, ports] = (
      await c.kubectl(['get', 'svc', APP, '--no-headers'])
    ).stdout
      .trim()
      .split(/\s+/)
    expect([type, external]).toEqual(['NodePort', '<none>'])
    expect(clusterIP).toMatch(/^10\.(9[6-9]|10\d|11[01])\.\d+\.\d+$/)
    const m = /^80:(\d+)\/TCP$/.exec(ports ?? '')
    expect(m, ports).not.toBeNull()
    nodePort = Number(m![1])
    await waitUntil(
      `${env.replicas} ready endpoints of ${APP}`,
      async () => {
        const slices = await getJson<{ items: SliceView[] }>(c, [
          'endpointslices',
          '-l',
          `kubernetes.io/service-name=${APP}`
        ])
        const ready = slices.items
          .flatMap((s) => s.endpoints ?? [])
          .filter((e) => e.conditions?.ready)
        return ready.length === env.replicas ? true : undefined
      },
      90_000,
      500
    )
    const list = await getJson<{ items: { metadata: { name: string } }[] }>(c, [
      'pods',
      '-l',
      `app=${APP}`
    ])
    pods = list.items.map((p) => p.metadata.name).sort()
    expect(pods).toHaveLength(env.replicas)
  }, 120_000)

  it('services: the HTTP server answers on 127.0.0.1:<nodePort>, from every ready pod', async () => {
    expect(nodePort).toBeGreaterThan(0)
    const url = `http://127.0.0.1:${nodePort}/`
    const expected = new Set(pods.map((p) => `hello from ${p}`))
    const seen = await waitUntil(
      `every pod answering on ${url}`,
      async () => {
        const bodies = await bodiesOf(url, 2 * env.replicas + 2)
        return [...expected].every((b) => bodies.has(b)) ? bodies : undefined
      },
      60_000,
      500
    )
    expect(seen).toEqual(expected)
    expect((await fetchText(url)).status).toBe(200)
    // `kubedesk status` lists kube-proxy with the node ports it serves.
    const c = env.cluster()
    const status = await kubedesk(c, ['status', '-o', 'json', '--data-dir', c.dataDir])
    const proxy = (
      JSON.parse(status.stdout) as {
        components: { name: string; state: string; message?: string }[]
      }
    ).components.find((x) => x.name === 'kube-proxy')
    expect(proxy?.state).toBe('running')
    expect(proxy?.message).toMatch(/^[1-9]\d* node ports? on 127\.0\.0\.1$/)
  }, 90_000)

  it('services: kubedesk open svc/NAME prints a loopback URL that reaches the pods', async () => {
    const c = env.cluster()
    const r = await kubedesk(c, ['open', `svc/${APP}`, '--data-dir', c.dataDir])
    expect(r.code, r.stderr).toBe(0)
    const url = r.stdout.trim()
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(r.stderr).toContain(
      `Forwarding service default/${APP} port 80 from ${url} to ${env.replicas} ready endpoint`
    )
    const expected = new Set(pods.map((p) => `hello from ${p}`))
    const seen = await waitUntil(
      `every pod answering on ${url}`,
      async () => {
        const bodies = await bodiesOf(url + '/', 2 * env.replicas + 2)
        return [...expected].every((b) => bodies.has(b)) ? bodies : undefined
      },
      30_000,
      500
    )
    expect(seen).toEqual(expected)
    // Asked again: the same port.
    const again = await kubedesk(c, [
      'open',
      `svc/${APP}`,
      '-n',
      'default',
      '--data-dir',
      c.dataDir
    ])
    expect(again.stdout.trim()).toBe(url)
  }, 90_000)

  it('services: kubedesk open fails clearly for an unknown service, warns without endpoints', async () => {
    const c = env.cluster()
    const missing = await kubedesk(c, ['open', 'svc/no-such-svc', '--data-dir', c.dataDir])
    expect(missing.code).toBe(1)
    expect(missing.stderr.trim()).toBe(
      `kubedesk: service "no-such-svc" not found in namespace "default". See 'kubectl get services -n default'.`
    )
    const created = await c.kubectl(['create', 'service', 'clusterip', 'idle', '--tcp=80:8080'])
    expect(created.code, created.stderr).toBe(0)
    const idle = await kubedesk(c, ['open', 'svc/idle', '--data-dir', c.dataDir])
    expect(idle.code, idle.stderr).toBe(0)
    expect(idle.stdout.trim()).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(idle.stderr).toContain('Warning: service default/idle has no ready endpoints yet')
  }, 60_000)

  it('services: deleting the Service closes its node port', async () => {
    const c = env.cluster()
    await c.kubectl(['delete', 'svc', APP, 'idle'])
    await waitUntil(
      `127.0.0.1:${nodePort} closed`,
      async () => {
        try {
          await fetchText(`http://127.0.0.1:${nodePort}/`)
          return undefined
        } catch (err) {
          return (err as NodeJS.ErrnoException).code === 'ECONNREFUSED' ? true : undefined
        }
      },
      15_000
    )
    await c.kubectl(['delete', 'deployment', APP, '--wait=false'])
  }, 30_000)
}
