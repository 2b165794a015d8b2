import { openStore } from '../../src/main/store'
import { describeStoreContract } from './contract'

// The memory backend: a fresh store per case; a short TTL sweep keeps the TTL case quick.
describeStoreContract('memory', async () => {
  const store = await openStore({
    backend: 'memory',
    compaction: { enabled: false },
    ttlSweepIntervalMs: 100
  })
  return { store, cleanup: () => store.close().catch(() => undefined) }
})
