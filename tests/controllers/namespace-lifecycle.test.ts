import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startEndpointsController } from '../../src/main/controllers/endpoints-controller'
import { startEndpointSliceController } from '../../src/main/controllers/endpointslice-controller'
import { startNamespaceController } from '../../src/main/controllers/namespace-controller'
import { startServiceAccountController } from '../../src/main/controllers/serviceaccount-controller'
import { createInformerFactory } from '../../src/main/controllers/shared/informer-factory'
import type { RunningController } from '../../src/main/controllers/shared/run-workers'
import { startControllerFixture, until, type ControllerFixture, type Json } from './fixture'
import { createNamespace, createPod, service } from './service-pods-fixture'

// The four controllers on shared informers, as the controller manager runs them: the ones
// writing into a namespace must not keep a deleted one alive.
let f: ControllerFixture
let controllers: RunningController[]
let stopInformers: () => void

beforeAll(async () => {
  f = await startControllerFixture()
  const informers = createInformerFactory(f.client, { log: f.log })
  const o = { client: f.client, log: f.log, informers }
  controllers = [
    startNamespaceController(o),
    startServiceAccountController(o),
    startEndpointsController(o),
    startEndpointSliceController(o)
  ]
  stopInformers = () => informers.stop()
  await informers.start()
  await Promise.all(controllers.map((c) => c.ready))
})
afterAll(async () => {
  await Promise.all(controllers.map((c) => c.stop()))
  stopInformers?.()
  await f?.close()
})

const get = (kind: string, apiVersion: string, ns: string | undefined, name: string) =>
  f.client.get({ apiVersion, kind }, ns, name).catch(() => undefined)

describe('namespace lifecycle with the service controllers', () => {
  it('fills a new namespace, then deletes it with everything the controllers wrote in it', async () => {
    await createNamespace(f.client, 'shop')
    await createPod(f.client, 'shop', { name: 'web-1', ip: '10.3.0.1', ready: true })
    await f.client.create(service('shop', 'web'))
    await until('the default account', () => get('ServiceAccount', 'v1', 'shop', 'default'))
    await until('the endpoints', async () => {
      const ep: Json = await get('Endpoints', 'v1', 'shop', 'web')
      return ep?.subsets?.[0]?.addresses?.length === 1
    })
    await until('a slice', async () => {
      const l = await f.client.list(
        { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice' },
        { namespace: 'shop' }
      )
      return l.items.length === 1
    })

    await f.client.delete({ apiVersion: 'v1', kind: 'Namespace' }, undefined, 'shop')
    await until(
      'the namespace gone',
      async () => !(await get('Namespace', 'v1', undefined, 'shop'))
    )
    expect(f.log.lines.filter((l) => l.startsWith('E '))).toEqual([])
  })
})
