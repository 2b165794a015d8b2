/**
 * Service ClusterIPs and node ports as kubectl shows them against `kubedesk up`: the
 * `kubernetes` Service, allocation on `create service` and `expose`, the 422s of kube-apiserver
 * for taken and foreign values, release on delete and on a type change, concurrent creates,
 * and allocations that survive a restart of the control plane.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startCluster, type Cluster } from '../../helpers/cluster'

let cluster: Cluster
let tmp: string

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>

async function ok(args: string[], stdin?: string): Promise<string> {
  const r = await cluster.kubectl(args, { stdin })
  if (r.code !== 0) {
    throw new Error(`kubectl ${args.join(' ')} exited ${r.code}\n${r.stdout}\n${r.stderr}`)
  }
  return r.stdout
}

async function fails(args: string[]): Promise<string> {
  const r = await cluster.kubectl(args)
  expect(r.code, `kubectl ${args.join(' ')} should fail`).not.toBe(0)
  return r.stderr.trim()
}

const svcJson = async (name: string, ns = 'svc'): Promise<Json> =>
  JSON.parse(await ok(['get', 'svc', name, '-n', ns, '-o', 'json'])) as Json

/** The columns of `kubectl get svc NAME` (NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE). */
async function row(name: string, ns = 'svc'): Promise<string[]> {
  const out = await ok(['get', 'svc', name, '-n', ns, '--no-headers'])
  return out.trim().split(/\s+/)
}

const inServiceRange = (ip: string): boolean => {
  const [a, b] = ip.split('.').map(Number)
  return a === 10 && b! >= 96 && b! <= 111
}

beforeAll(async () => {
  cluster = await startCluster({ keepData: true })
  tmp = cluster.tmp
  await ok(['create', 'namespace', 'svc'])
}, 60_000)

afterAll(async () => {
  await cluster?.stop()
  const { rmSync } = await import('node:fs')
  if (tmp) rmSync(tmp, { recursive: true, force: true })
})

describe('service access points through kubectl', () => {
  it('has the kubernetes Service at the first address, with the API server as its endpoint', async () => {
    expect((await row('kubernetes', 'default')).slice(0, 5)).toEqual([
      'kubernetes',
      'ClusterIP',
      '10.96.0.1',
      '<none>',
      '443/TCP'
    ])
    const ep = JSON.parse(
      await ok(['get', 'endpoints', 'kubernetes', '-n', 'default', '-o', 'json'])
    ) as Json
    const port = Number(new URL(cluster.access.server).port)
    expect(ep.subsets[0].ports[0].port).toBe(port)
  })

  it('allocates a ClusterIP with the single-stack fields Kubernetes sets', async () => {
    await ok(['create', 'service', 'clusterip', 'web', '-n', 'svc', '--tcp=80:8080'])
    const [, type, ip, external, ports] = await row('web')
    expect([type, external, ports]).toEqual(['ClusterIP', '<none>', '80/TCP'])
    expect(inServiceRange(ip!)).toBe(true)
    const spec = (await svcJson('web')).spec
    expect(spec.clusterIPs).toEqual([ip])
    expect(spec.ipFamilies).toEqual(['IPv4'])
    expect(spec.ipFamilyPolicy).toBe('SingleStack')
  })

  it('gives NodePort services a port in 30000-32767 shown as 80:3xxxx/TCP', async () => {
    await ok(['create', 'service', 'nodeport', 'np', '-n', 'svc', '--tcp=80:8080'])
    const [, type, ip, , ports] = await row('np')
    expect(type).toBe('NodePort')
    expect(inServiceRange(ip!)).toBe(true)
    const m = /^80:(\d+)\/TCP$/.exec(ports!)
    expect(m, ports).not.toBeNull()
    const nodePort = Number(m![1])
    expect(nodePort).toBeGreaterThanOrEqual(30000)
    expect(nodePort).toBeLessThanOrEqual(32767)
  })

  it('kubectl expose of a deployment as NodePort shows CLUSTER-IP and PORT(S)', async () => {
    await ok(['create', 'deployment', 'app', '-n', 'svc', '--image=busybox', '--port=8080'])
    expect(
      await ok([
        'expose',
        'deployment',
        'app',
        '-n',
        'svc',
        '--type=NodePort',
        '--port=80',
        '--target-port=8080'
      ])
    ).toBe('service/app exposed\n')
    const [, type, ip, , ports] = await row('app')
    expect(type).toBe('NodePort')
    expect(inServiceRange(ip!)).toBe(true)
    expect(ports).toMatch(/^80:3\d{4}\/TCP$/)
  })

  it('creates headless services without an address', async () => {
    await ok([
      'create',
      'service',
      'clusterip',
      'headless',
      '-n',
      'svc',
      '--clusterip=None',
      '--tcp=80'
    ])
    expect((await row('headless'))[2]).toBe('None')
    expect((await svcJson('headless')).spec.clusterIPs).toEqual(['None'])
  })

  it('refuses taken and foreign addresses and ports as kube-apiserver does', async () => {
    const taken = (await svcJson('web')).spec.clusterIP as string
    const nodePort = (await svcJson('np')).spec.ports[0].nodePort as number
    const cases: [string[], string][] = [
      [
        [
          'create',
          'service',
          'clusterip',
          'dup-ip',
          '-n',
          'svc',
          `--clusterip=${taken}`,
          '--tcp=80'
        ],
        `error: failed to create ClusterIP service: Service "dup-ip" is invalid: spec.clusterIPs: Invalid value: []string{"${taken}"}: failed to allocate IP ${taken}: provided IP is already allocated`
      ],
      [
        [
          'create',
          'service',
          'clusterip',
          'far-ip',
          '-n',
          'svc',
          '--clusterip=1.1.1.1',
          '--tcp=80'
        ],
        'error: failed to create ClusterIP service: Service "far-ip" is invalid: spec.clusterIPs: Invalid value: []string{"1.1.1.1"}: failed to allocate IP 1.1.1.1: the provided IP (1.1.1.1) is not in the valid range. The range of valid IPs is 10.96.0.0/12'
      ],
      [
        [
          'create',
          'service',
          'nodeport',
          'dup-port',
          '-n',
          'svc',
          `--node-port=${nodePort}`,
          '--tcp=81'
        ],
        `error: failed to create NodePort service: Service "dup-port" is invalid: spec.ports[0].nodePort: Invalid value: ${nodePort}: provided port is already allocated`
      ]
    ]
    for (const [args, message] of cases) expect(await fails(args)).toBe(message)
    // A requested free address and port are honoured.
    await ok([
      'create',
      'service',
      'nodeport',
      'fixed',
      '-n',
      'svc',
      '--node-port=30999',
      '--tcp=80'
    ])
    expect((await row('fixed'))[4]).toBe('80:30999/TCP')
  })

  it('releases node ports on delete and when the type changes to ClusterIP', async () => {
    await ok(['delete', 'svc', 'fixed', '-n', 'svc'])
    await ok([
      'create',
      'service',
      'nodeport',
      'fixed2',
      '-n',
      'svc',
      '--node-port=30999',
      '--tcp=80'
    ])
    await ok(['patch', 'svc', 'fixed2', '-n', 'svc', '-p', '{"spec":{"type":"ClusterIP"}}'])
    expect((await row('fixed2')).slice(1, 5)).toEqual([
      'ClusterIP',
      (await svcJson('fixed2')).spec.clusterIP,
      '<none>',
      '80/TCP'
    ])
    await ok([
      'create',
      'service',
      'nodeport',
      'fixed3',
      '-n',
      'svc',
      '--node-port=30999',
      '--tcp=80'
    ])
    expect((await row('fixed3'))[4]).toBe('80:30999/TCP')
  })

  it('keeps the allocated address and node port when kubectl apply runs again', async () => {
    const manifest = (team: string): string =>
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'applied', namespace: 'svc', labels: { team } },
        spec: { type: 'NodePort', selector: { app: 'x' }, ports: [{ port: 80, targetPort: 8080 }] }
      })
    await ok(['apply', '-f', '-'], manifest('a'))
    const first = (await svcJson('applied')).spec
    expect(await ok(['apply', '-f', '-'], manifest('b'))).toBe('service/applied configured\n')
    const second = (await svcJson('applied')).spec
    expect([second.clusterIP, second.ports[0].nodePort]).toEqual([
      first.clusterIP,
      first.ports[0].nodePort
    ])
  })

  it('never hands out one address or port twice under concurrent creates', async () => {
    const names = Array.from({ length: 24 }, (_, i) => `burst-${i}`)
    const responses = await Promise.all(
      names.map((name) =>
        cluster.request({
          method: 'POST',
          path: '/api/v1/namespaces/svc/services',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            apiVersion: 'v1',
            kind: 'Service',
            metadata: { name },
            spec: { type: 'NodePort', ports: [{ port: 80 }] }
          })
        })
      )
    )
    expect(responses.map((r) => r.status)).toEqual(names.map(() => 201))
    const list = JSON.parse(await ok(['get', 'svc', '-n', 'svc', '-o', 'json'])) as Json
    const ips = list.items.map((s: Json) => s.spec.clusterIP).filter((ip: string) => ip !== 'None')
    const ports = list.items.flatMap((s: Json) =>
      (s.spec.ports as Json[]).map((p) => p.nodePort).filter(Boolean)
    )
    expect(new Set(ips).size).toBe(ips.length)
    expect(new Set(ports).size).toBe(ports.length)
  })

  it('keeps allocations across a restart of the control plane', async () => {
    const web = (await svcJson('web')).spec.clusterIP as string
    const nodePort = (await svcJson('np')).spec.ports[0].nodePort as number
    await cluster.stop()
    cluster = await startCluster({ tmp, keepData: true })
    expect((await svcJson('web')).spec.clusterIP).toBe(web)
    expect(
      await fails([
        'create',
        'service',
        'nodeport',
        'after',
        '-n',
        'svc',
        `--node-port=${nodePort}`,
        '--tcp=80'
      ])
    ).toContain('provided port is already allocated')
    expect(
      await fails([
        'create',
        'service',
        'clusterip',
        'after',
        '-n',
        'svc',
        `--clusterip=${web}`,
        '--tcp=80'
      ])
    ).toContain('provided IP is already allocated')
  }, 60_000)
})
