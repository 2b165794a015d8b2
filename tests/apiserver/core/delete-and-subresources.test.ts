/**
 * delete and the subresources over HTTPS: finalizers, propagation policies, graceful pod
 * deletion, namespaces, binding, eviction, scale and log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cm, deployment, json, startTestServer, type TestServer } from './test-server'

let t: TestServer
beforeAll(async () => {
  t = await startTestServer()
  await t.http('POST', '/apis/apps/v1/namespaces/default/deployments', json(deployment('web')))
  for (let i = 0; i < 5; i++) {
    const name = `page-${i}`
    await t.http(
      'POST',
      '/api/v1/namespaces/default/configmaps',
      json(cm(name, { metadata: { name, labels: { page: 'yes' } } }))
    )
  }
})
afterAll(async () => {
  await t?.close()
})

describe('delete', () => {
  it('keeps objects with finalizers until the finalizers are removed', async () => {
    await t.http(
      'POST',
      '/api/v1/namespaces/default/configmaps',
      json(cm('fin', { metadata: { name: 'fin', finalizers: ['example.com/hold'] } }))
    )
    const del = await t.http('DELETE', '/api/v1/namespaces/default/configmaps/fin')
    expect(del.status).toBe(200)
    expect(del.json.metadata.deletionTimestamp).toBeTruthy()
    expect((await t.http('GET', '/api/v1/namespaces/default/configmaps/fin')).status).toBe(200)
    const done = await t.http('PATCH', '/api/v1/namespaces/default/configmaps/fin', {
      body: '{"metadata":{"finalizers":null}}',
      contentType: 'application/merge-patch+json'
    })
    expect(done.status).toBe(200)
    expect((await t.http('GET', '/api/v1/namespaces/default/configmaps/fin')).status).toBe(404)
  })

  it('records propagation policies as finalizers and answers Status Success otherwise', async () => {
    await t.http('POST', '/api/v1/namespaces/default/configmaps', json(cm('orph')))
    const orphan = await t.http(
      'DELETE',
      '/api/v1/namespaces/default/configmaps/orph',
      json({ propagationPolicy: 'Orphan' })
    )
    expect(orphan.json.metadata.finalizers).toEqual(['orphan'])
    await t.http('POST', '/api/v1/namespaces/default/configmaps', json(cm('fg')))
    const fg = await t.http(
      'DELETE',
      '/api/v1/namespaces/default/configmaps/fg?propagationPolicy=Foreground'
    )
    expect(fg.json.metadata.finalizers).toEqual(['foregroundDeletion'])
    await t.http('POST', '/api/v1/namespaces/default/configmaps', json(cm('bg')))
    const bg = await t.http(
      'DELETE',
      '/api/v1/namespaces/default/configmaps/bg?propagationPolicy=Background'
    )
    expect(bg.json).toMatchObject({
      kind: 'Status',
      status: 'Success',
      details: { name: 'bg', kind: 'configmaps' }
    })
    expect((await t.http('DELETE', '/api/v1/namespaces/default/configmaps/bg')).status).toBe(404)
    expect(
      (await t.http('DELETE', '/api/v1/namespaces/default/configmaps/x?propagationPolicy=Sideways'))
        .status
    ).toBe(400)
  })

  it('deletes unbound pods at once and bound pods gracefully', async () => {
    const pod = (name: string) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name },
      spec: { containers: [{ name: 'c', image: 'busybox' }] }
    })
    await t.http('POST', '/api/v1/namespaces/default/pods', json(pod('loose')))
    const loose = await t.http('DELETE', '/api/v1/namespaces/default/pods/loose')
    expect(loose.json.kind).toBe('Pod')
    expect((await t.http('GET', '/api/v1/namespaces/default/pods/loose')).status).toBe(404)

    await t.http('POST', '/api/v1/namespaces/default/pods', json(pod('bound')))
    const bind = await t.http(
      'POST',
      '/api/v1/namespaces/default/pods/bound/binding',
      json({
        apiVersion: 'v1',
        kind: 'Binding',
        metadata: { name: 'bound' },
        target: { kind: 'Node', name: 'node-a' }
      })
    )
    expect(bind.status).toBe(201)
    const rebind = await t.http(
      'POST',
      '/api/v1/namespaces/default/pods/bound/binding',
      json({ metadata: { name: 'bound' }, target: { kind: 'Node', name: 'node-b' } })
    )
    expect(rebind.status).toBe(409)
    const log = await t.http('GET', '/api/v1/namespaces/default/pods/bound/log')
    expect(log.status).toBe(503)
    expect(log.json.message).toContain('node-a')
    const graceful = await t.http('DELETE', '/api/v1/namespaces/default/pods/bound')
    expect(graceful.json.metadata.deletionGracePeriodSeconds).toBe(30)
    expect((await t.http('GET', '/api/v1/namespaces/default/pods/bound')).status).toBe(200)
    const now = await t.http('DELETE', '/api/v1/namespaces/default/pods/bound?gracePeriodSeconds=0')
    expect(now.status).toBe(200)
    expect((await t.http('GET', '/api/v1/namespaces/default/pods/bound')).status).toBe(404)
  })

  it('evicts pods and serves the scale subresource', async () => {
    await t.http(
      'POST',
      '/api/v1/namespaces/default/pods',
      json({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'ev' },
        spec: { containers: [{ name: 'c', image: 'busybox' }] }
      })
    )
    const ev = await t.http(
      'POST',
      '/api/v1/namespaces/default/pods/ev/eviction',
      json({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'ev' } })
    )
    expect(ev.status).toBe(201)
    expect((await t.http('GET', '/api/v1/namespaces/default/pods/ev')).status).toBe(404)
    const scale = await t.http('GET', '/apis/apps/v1/namespaces/default/deployments/web/scale')
    expect(scale.json).toMatchObject({
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      status: { selector: 'app=web' }
    })
    const put = await t.http(
      'PUT',
      '/apis/apps/v1/namespaces/default/deployments/web/scale',
      json({ ...scale.json, spec: { replicas: 7 } })
    )
    expect(put.json.spec.replicas).toBe(7)
    expect(
      (await t.http('GET', '/apis/apps/v1/namespaces/default/deployments/web')).json.spec.replicas
    ).toBe(7)
  })

  it('removes empty namespaces at once', async () => {
    const ns = json({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'empty' } })
    expect((await t.http('POST', '/api/v1/namespaces', ns)).status).toBe(201)
    expect((await t.http('DELETE', '/api/v1/namespaces/empty')).status).toBe(200)
    expect((await t.http('GET', '/api/v1/namespaces/empty')).status).toBe(404)
  })

  it('turns namespaces with content Terminating and refuses new content in them', async () => {
    await t.http(
      'POST',
      '/api/v1/namespaces',
      json({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'doomed' } })
    )
    await t.http('POST', '/api/v1/namespaces/doomed/configmaps', json(cm('content')))
    const del = await t.http('DELETE', '/api/v1/namespaces/doomed')
    expect(del.json.status.phase).toBe('Terminating')
    const create = await t.http('POST', '/api/v1/namespaces/doomed/configmaps', json(cm('late')))
    expect(create.status).toBe(403)
    expect((await t.http('DELETE', '/api/v1/namespaces/kube-system')).status).toBe(403)
    // The namespace controller finishes with the finalize subresource; then the namespace goes.
    const ns = (await t.http('GET', '/api/v1/namespaces/doomed')).json
    expect(ns.spec.finalizers).toEqual(['kubernetes'])
    const viaMain = await t.http(
      'PUT',
      '/api/v1/namespaces/doomed',
      json({ ...ns, spec: { finalizers: [] } })
    )
    expect(viaMain.json.spec.finalizers).toEqual(['kubernetes'])
    const fin = await t.http(
      'PUT',
      '/api/v1/namespaces/doomed/finalize',
      json({ ...ns, spec: { finalizers: [] } })
    )
    expect(fin.status).toBe(200)
    expect((await t.http('GET', '/api/v1/namespaces/doomed')).status).toBe(404)
  })

  it('deletes collections by selector', async () => {
    const r = await t.http(
      'DELETE',
      '/api/v1/namespaces/default/configmaps?labelSelector=page%3Dyes'
    )
    expect(r.status).toBe(200)
    expect(r.json.items).toHaveLength(5)
    expect(
      (await t.http('GET', '/api/v1/namespaces/default/configmaps?labelSelector=page%3Dyes')).json
        .items
    ).toHaveLength(0)
  })
})
