import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  ControlSocketUnavailableError,
  requestShutdown,
  requestStatus,
  SocketPathTooLongError,
  startControlSocket
} from '../../src/main/control-socket'
import {
  acquireDataDirLock,
  DataDirInUseError,
  deleteKubeDeskFiles,
  ensureDataDir,
  resolveDataDir,
  runningInstancePid
} from '../../src/main/data-dir'
import type { ClusterStatus } from '../../src/shared/status'
import { removeDataDir, tempDataDir } from './cli-process'

let dir: string
beforeEach(() => {
  dir = tempDataDir()
})
afterEach(() => removeDataDir(dir))

describe('data directory', () => {
  it('is --data-dir, else $KUBEDESK_HOME, else ~/.kubedesk', () => {
    expect(resolveDataDir('/a/b', { KUBEDESK_HOME: '/c' })).toBe('/a/b')
    expect(resolveDataDir(undefined, { KUBEDESK_HOME: '/c' })).toBe('/c')
    expect(resolveDataDir(undefined, {})).toMatch(/\/\.kubedesk$/)
    expect(resolveDataDir('~/kd', {})).not.toContain('~')
  })

  it('is created with mode 0700', () => {
    const nested = join(dir, 'new', 'home')
    ensureDataDir(nested)
    expect(statSync(nested).mode & 0o777).toBe(0o700)
  })

  it('one lock per directory: a second taker is refused with the owner pid', () => {
    const lock = acquireDataDirLock(dir)
    expect(runningInstancePid(dir)).toBe(process.pid)
    expect(() => acquireDataDirLock(dir)).toThrow(DataDirInUseError)
    expect(() => acquireDataDirLock(dir)).toThrow(`is in use by KubeDesk (pid ${process.pid})`)
    lock.release()
    expect(existsSync(join(dir, 'kubedesk.pid'))).toBe(false)
    expect(runningInstancePid(dir)).toBeUndefined()
    acquireDataDirLock(dir).release()
  })

  it("takes over a lock whose process has exited, and one carrying our own pid that we don't hold", () => {
    const exited = spawnSync(process.execPath, ['-e', '']).pid
    writeFileSync(join(dir, 'kubedesk.pid'), `${exited}\n`)
    const lock = acquireDataDirLock(dir)
    expect(lock.stalePid).toBe(exited)
    expect(readFileSync(join(dir, 'kubedesk.pid'), 'utf8').trim()).toBe(String(process.pid))
    lock.release()

    // Containers reuse pids: a leftover file may name us although we never took it.
    writeFileSync(join(dir, 'kubedesk.pid'), `${process.pid}\n`)
    const again = acquireDataDirLock(dir)
    expect(again.stalePid).toBe(process.pid)
    again.release()
  })

  it('--delete removes what KubeDesk created and nothing else', () => {
    for (const f of [
      'store.db',
      'store.db-wal',
      'kubedesk.pid',
      'kubedesk.kubeconfig',
      'kubeconfig',
      'notes.txt',
      'kubeconfig.backup'
    ]) {
      writeFileSync(join(dir, f), 'x')
    }
    mkdirSync(join(dir, 'logs'))
    mkdirSync(join(dir, 'pki'))
    writeFileSync(join(dir, 'pki', 'ca.key'), 'x')
    mkdirSync(join(dir, 'projects'))
    expect(deleteKubeDeskFiles(dir)).toEqual([
      'kubeconfig',
      'kubedesk.kubeconfig',
      'kubedesk.pid',
      'logs',
      'pki',
      'store.db',
      'store.db-wal'
    ])
    expect(existsSync(join(dir, 'kubeconfig.backup'))).toBe(true)
    expect(existsSync(join(dir, 'notes.txt'))).toBe(true)
    expect(existsSync(join(dir, 'projects'))).toBe(true)
  })
})

describe('control socket', () => {
  const status = { version: 'test', pid: 1 } as ClusterStatus

  it('serves status, accepts shutdown, is private to its owner and removes itself on close', async () => {
    const path = join(dir, 'kubedesk.sock')
    writeFileSync(path, 'stale') // left by a crash: replaced, not an error
    let shutdowns = 0
    const server = await startControlSocket(path, {
      getStatus: async () => status,
      onShutdown: () => shutdowns++
    })
    expect(statSync(path).mode & 0o777).toBe(0o600)
    expect(await requestStatus(path)).toEqual(status)
    await requestShutdown(path)
    await new Promise((resolve) => setImmediate(resolve))
    expect(shutdowns).toBe(1)
    await server.close()
    await server.close()
    expect(existsSync(path)).toBe(false)
    await expect(requestStatus(path)).rejects.toThrow(ControlSocketUnavailableError)
  })

  it('refuses a path longer than Unix sockets allow, with a readable message', async () => {
    const path = join(dir, 'x'.repeat(120), 'kubedesk.sock')
    const start = startControlSocket(path, { getStatus: async () => status, onShutdown: () => {} })
    await expect(start).rejects.toThrow(SocketPathTooLongError)
    await expect(start).rejects.toThrow(/Unix sockets allow at most \d+/)
  })
})
