import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServiceAccountController } from '../../src/main/controllers/serviceaccount-controller'
import type { RunningController } from '../../src/main/controllers/shared/run-workers'
import { startControllerFixture, until, type ControllerFixture, type Json } from './fixture'

const NS = { apiVersion: 'v1', kind: 'Namespace' }
const SA = { apiVersion: 'v1', kind: 'ServiceAccount' }

let f: ControllerFixture
let controller: RunningController

beforeAll(async () => {
  f = await startControllerFixture()
  controller = startServiceAccountController({ client: f.client, log: f.log })
  await controller.ready
})
afterAll(async () => {
  await controller?.stop()
  await f?.close()
})

const getSa = (namespace: string): Promise<Json | undefined> =>
  f.client.get(SA, namespace, 'default').catch(() => undefined)

describe('serviceaccount controller', () => {
  it.each(['default', 'kube-system', 'kube-public', 'kube-node-lease'])(
    'gives the built-in namespace %s its default account at start',
    async (ns) => {
      await until(`default account in ${ns}`, () => getSa(ns))
    }
  )

  it('creates the default account in a new namespace, and again after it is deleted', async () => {
    await f.client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } })
    const first = await until('default account in team-a', () => getSa('team-a'))
    expect(first.metadata.namespace).toBe('team-a')
    await f.client.delete(SA, 'team-a', 'default')
    const again = await until('a new default account', async () => {
      const sa = await getSa('team-a')
      return sa && sa.metadata.uid !== first.metadata.uid && sa
    })
    expect(again.metadata.name).toBe('default')
  })

  it('does not retry creating the account in a terminating namespace', async () => {
    await f.client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'leaving' } })
    await until('default account in leaving', () => getSa('leaving'))
    // With content (its account) and no namespace controller here, it stays Terminating.
    await f.client.delete(NS, undefined, 'leaving')
    await f.client.delete(SA, 'leaving', 'default')
    await new Promise((r) => setTimeout(r, 300))
    expect(await getSa('leaving')).toBeUndefined()
    expect(f.log.lines.filter((l) => !l.startsWith('I '))).toEqual([])
  })
})
