import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll } from 'vitest'
import { openStore } from '../../src/main/store'
import { startEtcd, type EtcdServer } from '../helpers/etcd-server'
import { describeStoreContract } from './contract'

// One real etcd for the whole file (starting one per case is slow). Each case opens its own
// client under a fresh random etcdPrefix, so cases never see each other's keys; revisions are
// the server's and so are shared, which the suite is told about.
let server: EtcdServer | undefined

beforeAll(async () => {
  server = await startEtcd()
})

afterAll(async () => {
  await server?.stop()
})

describeStoreContract(
  'etcd',
  async () => {
    if (!server) throw new Error('etcd did not start')
    const store = await openStore({
      backend: 'etcd',
      etcdEndpoints: server.endpoints,
      etcdPrefix: `/kubedesk-contract-${randomBytes(6).toString('hex')}`,
      compaction: { enabled: false }
    })
    return { store, cleanup: () => store.close().catch(() => undefined) }
  },
  { sharedRevisions: true }
)
