/**
 * When node-pty cannot be loaded (built for another ABI, as under Electron without a rebuild),
 * openTerminal rejects with a message naming the cause instead of breaking the host.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import type { ControlPlane } from '../../src/main/control-plane'
import { createTerminals } from '../../src/main/desktop/host/terminals'

vi.mock('node-pty', () => {
  throw new Error('The module pty.node was compiled against NODE_MODULE_VERSION 127')
})

describe('terminals without node-pty', () => {
  it('openTerminal rejects naming the cause', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'kd-pty-'))
    try {
      const terminals = createTerminals({
        controlPlane: {} as ControlPlane,
        startup: { current: () => ({ phase: 'running', steps: [] }), subscribe: () => () => {} },
        dataDir
      })
      await expect(
        terminals.openTerminal({ target: { kind: 'kubectl' }, cols: 80, rows: 24 })
      ).rejects.toThrow(/node-pty module cannot be loaded.*NODE_MODULE_VERSION 127/)
    } finally {
      rmSync(dataDir, { recursive: true, force: true })
    }
  })
})
