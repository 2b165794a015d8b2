/**
 * kube-proxy against a real API server (memory store): NodePorts on 127.0.0.1 balancing over
 * ready endpoints, endpoint and type changes, and `openService` (reuse, unknown Service,
 * ExternalName, no ready endpoints, Service deleted). The "pods" are HTTP servers on loopback
 * ports, wired to Services through hand-written EndpointSlices.
 */
import { createServer, get, type Server } from 'node:http'
import { request } from 'node:https'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startKubeProxy, type KubeProxy } from '../../src/main/proxy/kube-proxy'
import {
  memoryLog,
  startControllerFixture,
  until,
  type ControllerFixture
} from '../controllers/fixture'

const SVC = { apiVersion: 'v1', kind: 'Service' }
const SLICE = { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice' }

let fx: ControllerFixture
let proxy: KubeProxy
const log = memoryLog('kube-proxy')
const pods: { name: string; server: Server; port: number }[] = []

/** GET http://127.0.0.1:port/ on a fresh connection: the body, or the error code. */
function fetchOnce(port: number): Promise<string> {
  return new Promise((resolve) => {
    const req = get({ host: '127.0.0.1', port, path: '/', agent: false, timeout: 3000 }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => (body += c))
      res.on('end', () => resolve(body))
      res.on('error', () => resolve('ERROR'))
    })
    req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'ERROR'))
    req.on('timeout', () => req.destroy())
  })
}

async function answers(port: number, n: number): Promise<Set<string>> {
  const seen = new Set<string>()
  for (let i = 0; i < n; i++) seen.add(await fetchOnce(port))
  return seen
}

/** One slice per pod (each listens on its own port), as the controller would write them. */
async function writeSlices(service: string, ready: Record<string, boolean>): Promise<void> {
  for (const pod of pods) {
    const name = `${service}-${pod.name}`
    const body = {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name, namespace: 'default', labels: { 'kubernetes.io/service-name': service } },
      addressType: 'IPv4',
      endpoints:
        pod.name in ready
          ? [{ addresses: ['127.0.0.1'], conditions: { ready: ready[pod.name] } }]
          : [],
      ports: [{ name: 'http', port: pod.port, protocol: 'TCP' }]
    }
    try {
      const current = await fx.client.get(SLICE, 'default', name)
      await fx.client.update({
        ...body,
        metadata: { ...body.metadata, resourceVersion: current.metadata.resourceVersion }
      })
    } catch {
      await fx.client.create(body)
    }
  }
}

/** A created Service as much as the tests read of it. */
interface CreatedService {
  spec: { ports: { nodePort?: number }[] }
}

async function createService(name: string, spec: Record<string, unknown>): Promise<CreatedService> {
  return (await fx.client.create({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'default' },
    spec: { ports: [{ name: 'http', port: 80, targetPort: 8080 }], ...spec }
  })) as unknown as CreatedService
}

beforeAll(async () => {
  fx = await startControllerFixture()
  for (const name of ['a', 'b']) {
    const server = createServer((_req, res) => res.end(name))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    pods.push({ name, server, port: (server.address() as AddressInfo).port })
  }
  proxy = startKubeProxy({ client: fx.client, log })
  await proxy.ready
})

afterAll(async () => {
  await proxy?.stop()
  for (const p of pods) p.server.close()
  await fx?.close()
})

describe('kube-proxy', () => {
  it('answers on 127.0.0.1:<nodePort>, balancing over the ready endpoints', async () => {
    const svc = await createService('web', { type: 'NodePort' })
    const nodePort = svc.spec.ports[0].nodePort as number
    await writeSlices('web', { a: true, b: true })
    await until('both pods answer', async () => (await answers(nodePort, 4)).size === 2)
    expect(await answers(nodePort, 4)).toEqual(new Set(['a', 'b']))
    expect(proxy.nodePorts()).toContainEqual({
      nodePort,
      service: 'default/web',
      port: 80,
      listening: true
    })
  })

  it('skips endpoints that are not ready, and closes connections when none is', async () => {
    const nodePort = (await fx.client.get(SVC, 'default', 'web')).spec as {
      ports: { nodePort: number }[]
    }
    const port = nodePort.ports[0]!.nodePort
    await writeSlices('web', { a: false, b: true })
    await until('only b answers', async () => [...(await answers(port, 4))].join() === 'b')
    await writeSlices('web', { a: false })
    await until('nothing answers', async () => !(await answers(port, 2)).has('b'))
    expect(await fetchOnce(port)).toBe('ECONNRESET')
  })

  it('closes the node port when the Service becomes ClusterIP', async () => {
    const svc = await fx.client.get(SVC, 'default', 'web')
    const port = (svc.spec as { ports: { nodePort: number }[] }).ports[0]!.nodePort
    await fx.client.patch(SVC, 'default', 'web', 'merge', { spec: { type: 'ClusterIP' } })
    await until('the node port is closed', async () => (await fetchOnce(port)) === 'ECONNREFUSED')
  })

  it('opens a loopback port for any Service, and the same one when asked again', async () => {
    await writeSlices('web', { a: true, b: true })
    const opened = await proxy.openService('default', 'web')
    expect(opened.url).toBe(`http://127.0.0.1:${opened.localPort}`)
    expect([opened.servicePort, opened.portName, opened.readyEndpoints, opened.reused]).toEqual([
      80,
      'http',
      2,
      false
    ])
    expect(await answers(opened.localPort, 4)).toEqual(new Set(['a', 'b']))
    const again = await proxy.openService('default', 'web')
    expect([again.localPort, again.reused]).toEqual([opened.localPort, true])
  })

  it('opens the kubernetes Service as an https URL that reaches the API server', async () => {
    const opened = await proxy.openService('default', 'kubernetes')
    expect(opened.url).toBe(`https://127.0.0.1:${opened.localPort}`)
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port: opened.localPort, path: '/livez', rejectUnauthorized: false },
        (res) => {
          res.resume()
          resolve(res.statusCode ?? 0)
        }
      )
      req.on('error', reject)
      req.end()
    })
    // A TLS answer of the fixture's API server (which authenticates nobody) is the point.
    expect(status).toBeGreaterThanOrEqual(200)
  })

  it.each([
    [
      'an unknown Service',
      'nope',
      undefined,
      404,
      'service "nope" not found in namespace "default"'
    ],
    [
      'an ExternalName Service',
      'ext',
      { type: 'ExternalName', externalName: 'example.com', ports: [] },
      409,
      'service "ext" is of type ExternalName (example.com): it has no endpoints to open'
    ]
  ])('refuses %s', async (_what, name, spec, code, message) => {
    if (spec) await createService(name, spec)
    await expect(proxy.openService('default', name)).rejects.toMatchObject({ code, message })
  })

  it('opens a Service without ready endpoints and says so; deleting the Service closes it', async () => {
    await createService('empty', {})
    const opened = await proxy.openService('default', 'empty')
    expect(opened.readyEndpoints).toBe(0)
    expect(await fetchOnce(opened.localPort)).toBe('ECONNRESET')
    await fx.client.delete(SVC, 'default', 'empty')
    await until(
      'the port is closed',
      async () => (await fetchOnce(opened.localPort)) === 'ECONNREFUSED'
    )
  })
})
