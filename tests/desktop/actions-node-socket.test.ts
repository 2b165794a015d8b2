/**
 * `fail` as a node action outside the UI: `kubedesk node fail NAME` parses, and the control
 * socket passes it to the instance's node action handler.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseNodeArgs } from '../../src/main/cli/node'
import {
  requestNodeAction,
  startControlSocket,
  type NodeActionRequest
} from '../../src/main/control-socket'

describe('node fail outside the UI', () => {
  it('kubedesk node fail NAME parses; --cpu is refused for it', () => {
    expect(parseNodeArgs(['fail', 'kubedesk-worker2'], {})).toMatchObject({
      action: 'fail',
      name: 'kubedesk-worker2'
    })
    expect(() => parseNodeArgs(['fail', 'w1', '--cpu', '2'], {})).toThrow(/only apply to/)
  })

  it('the control socket hands fail to the node action handler', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kd-sock-'))
    const seen: NodeActionRequest[] = []
    const socket = await startControlSocket(join(dir, 'kubedesk.sock'), {
      getStatus: () => Promise.reject(new Error('unused')),
      onShutdown: () => undefined,
      onNodeAction: async (request) => {
        seen.push(request)
        return { message: `node/${request.name} failed (simulated crash)` }
      }
    })
    try {
      const done = await requestNodeAction(socket.path, { action: 'fail', name: 'w1' })
      expect(done.message).toBe('node/w1 failed (simulated crash)')
      expect(seen.map((r) => [r.action, r.name])).toEqual([['fail', 'w1']])
    } finally {
      await socket.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
