import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openStore } from '../../src/main/store'
import { describeStoreContract } from './contract'

// The sqlite backend: a fresh data directory (and so a fresh store.db) per case.
describeStoreContract('sqlite', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'kubedesk-store-contract-'))
  const store = await openStore({
    backend: 'sqlite',
    dataDir,
    compaction: { enabled: false },
    ttlSweepIntervalMs: 100
  })
  return {
    store,
    cleanup: async () => {
      await store.close().catch(() => undefined)
      rmSync(dataDir, { recursive: true, force: true })
    }
  }
})
