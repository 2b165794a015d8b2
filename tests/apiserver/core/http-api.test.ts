/**
 * The API over HTTPS: security front, discovery, the generic verbs and their error answers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cm, deployment, json, startTestServer, type Json, type TestServer } from './test-server'

let t: TestServer
beforeAll(async () => {
  t = await startTestServer()
})
afterAll(async () => {
  await t?.close()
})

describe('serving and security', () => {
  it('answers 401 Unauthorized without a valid token, except for health and version', async () => {
    for (const token of [null, 'wrong']) {
      const r = await t.http('GET', '/api/v1/namespaces', { token })
      expect(r.status).toBe(401)
      expect(r.json).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 })
    }
    expect((await t.http('GET', '/healthz', { token: null })).text).toBe('ok')
    expect((await t.http('GET', '/readyz', { token: null })).status).toBe(200)
    expect((await t.http('GET', '/version', { token: null })).json.gitVersion).toMatch(
      /^v1\.32\.\d+/
    )
    expect((await t.http('POST', '/version', { token: null })).status).toBe(401)
  })

  it('refuses requests whose Host is not a loopback name', async () => {
    const r = await t.http('GET', '/api/v1/namespaces', { host: 'attacker.example:443' })
    expect(r.status).toBe(403)
    expect(r.json.reason).toBe('Forbidden')
    expect((await t.http('GET', '/version', { host: `localhost:${t.server.port}` })).status).toBe(
      200
    )
  })

  it('rejects a taken port with EADDRINUSE', async () => {
    const { startApiServer } = await import('../../../src/main/apiserver/server')
    await expect(
      startApiServer({
        store: t.store,
        port: t.server.port,
        tls: t.tls,
        authenticator: { authenticate: () => undefined }
      })
    ).rejects.toMatchObject({ code: 'EADDRINUSE' })
  })
})

describe('discovery', () => {
  it('lists groups, resources with verbs, short names, categories and subresources', async () => {
    const core = (await t.http('GET', '/api/v1')).json
    const pods = core.resources.find((r: { name: string }) => r.name === 'pods')
    expect(pods).toMatchObject({
      kind: 'Pod',
      namespaced: true,
      shortNames: ['po'],
      categories: ['all']
    })
    expect(pods.verbs).toEqual(
      expect.arrayContaining(['get', 'list', 'watch', 'create', 'patch', 'deletecollection'])
    )
    const names = core.resources.map((r: { name: string }) => r.name)
    expect(names).toEqual(
      expect.arrayContaining([
        'pods/status',
        'pods/log',
        'pods/binding',
        'pods/eviction',
        'namespaces'
      ])
    )
    const groups = (await t.http('GET', '/apis')).json.groups.map((g: { name: string }) => g.name)
    expect(groups).toEqual([
      'apps',
      'batch',
      'coordination.k8s.io',
      'discovery.k8s.io',
      'events.k8s.io'
    ])
    const apps = (await t.http('GET', '/apis/apps/v1')).json
    expect(
      apps.resources.find((r: { name: string }) => r.name === 'deployments/scale')
    ).toMatchObject({
      group: 'autoscaling',
      kind: 'Scale'
    })
    expect((await t.http('GET', '/apis/nope.io/v1')).status).toBe(404)
  })

  it('serves the OpenAPI v3 index and documents', async () => {
    const index = (await t.http('GET', '/openapi/v3')).json
    expect(Object.keys(index.paths)).toContain('apis/apps/v1')
    const doc = await t.http('GET', '/openapi/v3/apis/apps/v1')
    expect(doc.status).toBe(200)
    expect(doc.json.openapi).toMatch(/^3\./)
  })
})

describe('create and get', () => {
  it('creates with identity fields and answers 201; the built-in namespaces exist', async () => {
    const ns = (await t.http('GET', '/api/v1/namespaces')).json.items.map(
      (n: Json) => n.metadata.name
    )
    expect(ns).toEqual(
      expect.arrayContaining(['default', 'kube-system', 'kube-public', 'kube-node-lease'])
    )
    const r = await t.http(
      'POST',
      '/apis/apps/v1/namespaces/default/deployments',
      json(deployment('web'))
    )
    expect(r.status).toBe(201)
    expect(r.json.metadata).toMatchObject({ generation: 1, namespace: 'default' })
    expect(r.json.metadata.uid).toMatch(/^[0-9a-f-]{36}$/)
    expect(r.json.metadata.creationTimestamp).toMatch(/Z$/)
    const got = await t.http('GET', '/apis/apps/v1/namespaces/default/deployments/web')
    expect(got.json.metadata.resourceVersion).toBe(r.json.metadata.resourceVersion)
  })

  it('generates names from generateName and accepts YAML bodies', async () => {
    const r = await t.http('POST', '/api/v1/namespaces/default/configmaps', {
      body: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  generateName: gen-\ndata:\n  k: v\n',
      contentType: 'application/yaml'
    })
    expect(r.status).toBe(201)
    expect(r.json.metadata.name).toMatch(/^gen-[a-z0-9]{5}$/)
  })

  it('answers the Kubernetes errors for bad creates', async () => {
    const dup = await t.http('POST', '/api/v1/namespaces/default/configmaps', json(cm('dup')))
    expect(dup.status).toBe(201)
    const again = await t.http('POST', '/api/v1/namespaces/default/configmaps', json(cm('dup')))
    expect(again.status).toBe(409)
    expect(again.json).toMatchObject({
      reason: 'AlreadyExists',
      message: 'configmaps "dup" already exists'
    })
    const noNs = await t.http('POST', '/api/v1/namespaces/missing/configmaps', json(cm('x')))
    expect(noNs.status).toBe(404)
    expect(noNs.json.message).toBe('namespaces "missing" not found')
    const mismatch = await t.http(
      'POST',
      '/api/v1/namespaces/default/configmaps',
      json(cm('x', { metadata: { name: 'x', namespace: 'kube-system' } }))
    )
    expect(mismatch.status).toBe(400)
    const malformed = await t.http('POST', '/api/v1/namespaces/default/configmaps', {
      body: '{"kind":',
      contentType: 'application/json'
    })
    expect(malformed.status).toBe(400)
    expect(malformed.json.reason).toBe('BadRequest')
    const badYaml = await t.http('POST', '/api/v1/namespaces/default/configmaps', {
      body: 'a: [1',
      contentType: 'application/yaml'
    })
    expect(badYaml.status).toBe(400)
    const invalidName = await t.http(
      'POST',
      '/api/v1/namespaces/default/configmaps',
      json(cm('Not_Valid'))
    )
    expect(invalidName.status).toBe(422)
    expect(invalidName.json.details.causes[0].field).toBe('metadata.name')
    const wrongKind = await t.http(
      'POST',
      '/api/v1/namespaces/default/configmaps',
      json({ ...cm('x'), kind: 'Secret' })
    )
    expect(wrongKind.status).toBe(400)
    const huge = await t.http(
      'POST',
      '/api/v1/namespaces/default/configmaps',
      json(cm('big', { data: { a: 'x'.repeat(3 * 1024 * 1024 + 10) } }))
    )
    expect(huge.status).toBe(413)
    expect(huge.json.reason).toBe('RequestEntityTooLarge')
    expect((await t.http('GET', '/api/v1/namespaces/default/configmaps/big')).status).toBe(404)
  })

  it('answers 404 for unknown resources and 405 for verbs a path does not serve', async () => {
    const unknown = await t.http('GET', '/api/v1/namespaces/default/widgets')
    expect(unknown.status).toBe(404)
    expect(unknown.json.kind).toBe('Status')
    expect(
      (await t.http('GET', '/apis/apps/v1/namespaces/default/deployments/nope')).json.message
    ).toBe('deployments.apps "nope" not found')
    expect(
      (await t.http('PUT', '/api/v1/namespaces/default/configmaps', json(cm('x')))).status
    ).toBe(405)
    expect((await t.http('DELETE', '/api/v1/namespaces')).status).toBe(405)
    expect((await t.http('GET', '/api/v1/namespaces/default/configmaps/dup/status')).status).toBe(
      404
    )
  })

  it('stores nothing with dryRun=All', async () => {
    const r = await t.http(
      'POST',
      '/api/v1/namespaces/default/configmaps?dryRun=All',
      json(cm('dry'))
    )
    expect(r.status).toBe(201)
    expect(r.json.metadata.uid).toBeTruthy()
    expect((await t.http('GET', '/api/v1/namespaces/default/configmaps/dry')).status).toBe(404)
    expect(
      (await t.http('POST', '/api/v1/namespaces/default/configmaps?dryRun=Some', json(cm('dry'))))
        .status
    ).toBe(400)
  })
})

describe('update and patch', () => {
  it('rejects a stale resourceVersion with 409 Conflict', async () => {
    const created = (await t.http('POST', '/api/v1/namespaces/default/configmaps', json(cm('occ'))))
      .json
    const first = await t.http(
      'PUT',
      '/api/v1/namespaces/default/configmaps/occ',
      json({ ...created, data: { a: '2' } })
    )
    expect(first.status).toBe(200)
    const stale = await t.http(
      'PUT',
      '/api/v1/namespaces/default/configmaps/occ',
      json({ ...created, data: { a: '3' } })
    )
    expect(stale.status).toBe(409)
    expect(stale.json.reason).toBe('Conflict')
    expect(stale.json.message).toContain('the object has been modified')
  })

  it('keeps status out of main-resource writes and spec out of status writes; bumps generation on spec changes', async () => {
    const base = '/apis/apps/v1/namespaces/default/deployments'
    const created = (await t.http('POST', base, json(deployment('gen')))).json
    const withStatus = { ...created, status: { replicas: 5 } }
    const main = (await t.http('PUT', `${base}/gen`, json(withStatus))).json
    expect(main.status?.replicas).toBeUndefined()
    expect(main.metadata.generation).toBe(1)
    const status = await t.http(
      'PUT',
      `${base}/gen/status`,
      json({ ...main, spec: { ...main.spec, replicas: 9 }, status: { replicas: 5 } })
    )
    expect(status.status).toBe(200)
    expect(status.json.status.replicas).toBe(5)
    expect(status.json.spec.replicas).toBe(1)
    const scaled = await t.http('PATCH', `${base}/gen`, {
      body: '{"spec":{"replicas":3}}',
      contentType: 'application/merge-patch+json'
    })
    expect(scaled.json.metadata.generation).toBe(2)
    const labelled = await t.http('PATCH', `${base}/gen`, {
      body: '{"metadata":{"labels":{"x":"y"}}}',
      contentType: 'application/merge-patch+json'
    })
    expect(labelled.json.metadata.generation).toBe(2)
  })

  it('patches with every patch type and refuses others with 415', async () => {
    const path = '/apis/apps/v1/namespaces/default/deployments/web'
    const jp = await t.http('PATCH', path, {
      body: JSON.stringify([{ op: 'replace', path: '/spec/replicas', value: 4 }]),
      contentType: 'application/json-patch+json'
    })
    expect(jp.json.spec.replicas).toBe(4)
    const smp = await t.http('PATCH', path, {
      body: JSON.stringify({
        spec: { template: { spec: { containers: [{ name: 'side', image: 'busybox' }] } } }
      }),
      contentType: 'application/strategic-merge-patch+json'
    })
    expect(
      smp.json.spec.template.spec.containers.map((c: { name: string }) => c.name).sort()
    ).toEqual(['c', 'side'])
    const apply = await t.http(
      'PATCH',
      '/api/v1/namespaces/default/configmaps/applied?fieldManager=me',
      {
        body: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\ndata:\n  k: v\n',
        contentType: 'application/apply-patch+yaml'
      }
    )
    expect(apply.status).toBe(201)
    expect(apply.json.metadata.managedFields[0]).toMatchObject({
      manager: 'me',
      operation: 'Apply'
    })
    const noManager = await t.http('PATCH', '/api/v1/namespaces/default/configmaps/applied', {
      body: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\n',
      contentType: 'application/apply-patch+yaml'
    })
    expect(noManager.status).toBe(422)
    const other = await t.http('PATCH', path, { body: '{}', contentType: 'text/plain' })
    expect(other.status).toBe(415)
    const missing = await t.http('PATCH', '/api/v1/namespaces/default/configmaps/none', {
      body: '{}',
      contentType: 'application/merge-patch+json'
    })
    expect(missing.status).toBe(404)
  })
})

describe('list', () => {
  it('filters by label and field selectors and pages with limit/continue', async () => {
    for (let i = 0; i < 5; i++) {
      await t.http(
        'POST',
        '/api/v1/namespaces/default/configmaps',
        json(
          cm(`page-${i}`, {
            metadata: { name: `page-${i}`, labels: { page: 'yes', n: String(i) } }
          })
        )
      )
    }
    const sel = await t.http(
      'GET',
      '/api/v1/namespaces/default/configmaps?labelSelector=' +
        encodeURIComponent('page=yes,n in (1,3)')
    )
    expect(sel.json.items.map((o: Json) => o.metadata.name)).toEqual(['page-1', 'page-3'])
    const plain = (await t.http('GET', '/api/v1/namespaces/default/configmaps')).json
    const listed = plain.items.find((o: Json) => o.metadata.name === 'page-4')
    const single = (await t.http('GET', '/api/v1/namespaces/default/configmaps/page-4')).json
    expect(listed).toEqual(single)
    const field = await t.http('GET', '/api/v1/configmaps?fieldSelector=metadata.name%3Dpage-2')
    expect(field.json.items.map((o: Json) => o.metadata.name)).toEqual(['page-2'])
    const bad = await t.http(
      'GET',
      '/api/v1/namespaces/default/configmaps?labelSelector=' + encodeURIComponent('a in (b')
    )
    expect(bad.status).toBe(400)
    const names: string[] = []
    let cont = ''
    let pages = 0
    do {
      const r = await t.http(
        'GET',
        `/api/v1/namespaces/default/configmaps?labelSelector=page%3Dyes&limit=2${cont ? `&continue=${cont}` : ''}`
      )
      names.push(...r.json.items.map((o: Json) => o.metadata.name))
      cont = r.json.metadata.continue ?? ''
      pages++
    } while (cont)
    expect(names).toEqual(['page-0', 'page-1', 'page-2', 'page-3', 'page-4'])
    expect(pages).toBeGreaterThanOrEqual(3)
    expect(
      (await t.http('GET', '/api/v1/namespaces/default/configmaps?limit=1&continue=garbage')).status
    ).toBe(400)
  })

  it('renders server-side Tables when asked', async () => {
    const r = await t.http('GET', '/apis/apps/v1/namespaces/default/deployments', {
      accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json'
    })
    expect(r.json.kind).toBe('Table')
    expect(r.json.columnDefinitions.map((c: { name: string }) => c.name)).toEqual(
      expect.arrayContaining(['Name', 'Ready', 'Up-to-date', 'Available', 'Age'])
    )
    expect(r.json.metadata.resourceVersion).toBeTruthy()
    expect(
      (await t.http('GET', '/api/v1/namespaces', { accept: 'application/vnd.kubernetes.protobuf' }))
        .status
    ).toBe(406)
  })
})
