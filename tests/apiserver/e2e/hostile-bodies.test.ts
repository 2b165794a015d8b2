/**
 * Bodies built to exhaust a parser — very deep JSON and YAML nesting, a YAML alias bomb, bodies
 * over the limit with and without a Content-Length — sent to a real `kubedesk up` process. Each
 * must be answered 4xx with a Status, and the process must survive all of them: a crash here
 * takes the whole control plane down, which an in-process test could not show cleanly.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startCluster, type Cluster } from '../../helpers/cluster'

let cluster: Cluster

beforeAll(async () => {
  cluster = await startCluster()
})

afterAll(async () => {
  await cluster?.stop()
})

const COLLECTION = '/api/v1/namespaces/default/configmaps'
const ITEM = `${COLLECTION}/hostile`

const nestedJson = (depth: number): string => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)
const nestedYaml = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth)

function aliasBomb(): string {
  const lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
  let prev = 'a'
  for (const n of 'bcdefghij') {
    lines.push(`${n}: &${n} [${Array(9).fill(`*${prev}`).join(',')}]`)
    prev = n
  }
  return (
    lines.join('\n') + `\nkind: ConfigMap\napiVersion: v1\nmetadata: {name: bomb}\ndata: *${prev}\n`
  )
}

const CASES: { name: string; method: string; path: string; type: string; body: string }[] = [
  {
    name: 'JSON nested 10,000 deep',
    method: 'POST',
    path: COLLECTION,
    type: 'application/json',
    body: nestedJson(10_000)
  },
  {
    name: 'JSON nested 100,000 deep',
    method: 'PUT',
    path: ITEM,
    type: 'application/json',
    body: nestedJson(100_000)
  },
  {
    name: 'merge patch nested 100,000 deep',
    method: 'PATCH',
    path: ITEM,
    type: 'application/merge-patch+json',
    body: nestedJson(100_000)
  },
  {
    name: 'YAML nested 10,000 deep',
    method: 'POST',
    path: COLLECTION,
    type: 'application/yaml',
    body: nestedYaml(10_000)
  },
  {
    name: 'YAML nested 50,000 deep',
    method: 'POST',
    path: COLLECTION,
    type: 'application/yaml',
    body: nestedYaml(50_000)
  },
  {
    name: 'YAML nested 50,000 deep again',
    method: 'PUT',
    path: ITEM,
    type: 'application/yaml',
    body: nestedYaml(50_000)
  },
  {
    name: 'apply patch nested 50,000 deep',
    method: 'PATCH',
    path: `${ITEM}?fieldManager=t`,
    type: 'application/apply-patch+yaml',
    body: nestedYaml(50_000)
  },
  {
    name: 'YAML alias bomb',
    method: 'POST',
    path: COLLECTION,
    type: 'application/yaml',
    body: aliasBomb()
  }
]

describe('hostile bodies against kubedesk up', () => {
  it.each(CASES.map((c) => [c.name, c] as const))(
    '%s: 4xx Status, process alive',
    async (_n, c) => {
      const res = await cluster
        .request({
          method: c.method,
          path: c.path,
          headers: { 'content-type': c.type },
          body: c.body,
          timeoutMs: 30_000
        })
        .catch((err: unknown) => {
          throw new Error(
            `no answer (${String(err)}); up alive: ${cluster.alive()}\n${cluster.log().slice(-1500)}`
          )
        })
      expect(res.status, res.body.slice(0, 300)).toBeGreaterThanOrEqual(400)
      expect(res.status, res.body.slice(0, 300)).toBeLessThan(500)
      expect(res.json).toMatchObject({ kind: 'Status', status: 'Failure', code: res.status })
      const ready = await cluster.request({ path: '/readyz' }).catch(() => undefined)
      expect(
        ready?.status,
        `after ${c.name} the server is gone:\n${cluster.log().slice(-1500)}`
      ).toBe(200)
    }
  )

  it('still serves an ordinary create afterwards', async () => {
    const res = await cluster.request({
      method: 'POST',
      path: COLLECTION,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'calm' } })
    })
    expect(res.status).toBe(201)
  })
})
