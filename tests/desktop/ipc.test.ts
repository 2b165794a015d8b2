/**
 * The IPC transport without Electron: `electron` is replaced by a small fake (ipcMain,
 * ipcRenderer, contextBridge, webContents) so the real preload and the real main-side handler
 * talk through it. Checks what the window's page gets (exactly the DesktopApi), that senders
 * outside our renderer are refused, and that a reload or a closed window ends its subscriptions.
 */
import { EventEmitter } from 'node:events'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { DESKTOP_CALLS, type DesktopApi } from '../../src/shared/desktop-api'
import type { ClusterStatus } from '../../src/shared/status'
import { createFakeHost, eventually } from './fake-host'

const STATUS = { version: '0.1.0', pid: 9, components: [] } as unknown as ClusterStatus

const electron = vi.hoisted(() => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- vi.hoisted runs before imports
  const { EventEmitter: Emitter } = require('node:events') as typeof import('node:events')
  const ipcMain = new Emitter()
  const ipcRenderer = new Emitter() as InstanceType<typeof Emitter> & {
    send(channel: string, message: unknown): void
  }
  const exposed: Record<string, unknown> = {}
  return { ipcMain, ipcRenderer, exposed, sender: undefined as unknown, frameUrl: '' }
})

vi.mock('electron', () => ({
  ipcMain: electron.ipcMain,
  ipcRenderer: electron.ipcRenderer,
  contextBridge: {
    exposeInMainWorld: (key: string, value: unknown) => (electron.exposed[key] = value)
  }
}))

/** The window's webContents: main → renderer messages go to the preload's ipcRenderer. */
class FakeWebContents extends EventEmitter {
  static next = 1
  readonly id = FakeWebContents.next++
  destroyed = false
  isDestroyed(): boolean {
    return this.destroyed
  }
  send(channel: string, message: unknown): void {
    queueMicrotask(() => electron.ipcRenderer.emit(channel, {}, structuredClone(message)))
  }
}

const contents = new FakeWebContents()
electron.ipcRenderer.send = (channel: string, message: unknown) => {
  const event = { sender: contents, senderFrame: { url: electron.frameUrl } }
  queueMicrotask(() => electron.ipcMain.emit(channel, event, structuredClone(message)))
}

describe('desktop API over IPC (fake Electron)', () => {
  const fake = createFakeHost({ getStatus: async () => STATUS })
  const warnings: string[] = []
  let api: DesktopApi
  let stop: () => void

  beforeAll(async () => {
    const { registerIpcHost } = await import('../../src/main/desktop/ipc')
    stop = registerIpcHost({ host: fake.host, warn: (m) => warnings.push(m) })
    await import('../../src/preload/index')
    api = electron.exposed.kubedesk as DesktopApi
  })

  afterEach(() => {
    electron.frameUrl = 'app://kubedesk/index.html'
  })

  it('exposes exactly the DesktopApi as window.kubedesk, and nothing else', () => {
    expect(Object.keys(electron.exposed)).toEqual(['kubedesk'])
    expect(Object.keys(api).sort()).toEqual([...DESKTOP_CALLS, 'subscribe'].sort())
    for (const value of Object.values(api)) expect(typeof value).toBe('function')
  })

  it('runs calls and subscriptions from our renderer', async () => {
    electron.frameUrl = 'app://kubedesk/index.html'
    await expect(api.getStatus()).resolves.toEqual(STATUS)
    const seen: unknown[] = []
    const unsubscribe = api.subscribe('status', {}, (s) => seen.push(s))
    await eventually('the host subscription', () => fake.live.length === 1)
    fake.live[0].emit(STATUS)
    await eventually('the update', () => seen.length === 1)
    unsubscribe()
    await eventually('the host to be unsubscribed', () => fake.live.length === 0)
  })

  it('ignores a message from a frame that is not our renderer', async () => {
    electron.frameUrl = 'https://evil.example/'
    const before = fake.calls.length
    api.subscribe('nodes', {}, () => undefined)
    await eventually('the warning', () => warnings.some((w) => w.includes('evil.example')))
    expect(fake.live).toEqual([])
    expect(fake.calls.length).toBe(before)
  })

  it("ends a page's subscriptions when it reloads, and when the window is destroyed", async () => {
    electron.frameUrl = 'app://kubedesk/index.html'
    api.subscribe('pods', {}, () => undefined)
    await eventually('the host subscription', () => fake.live.length === 1)
    contents.emit('did-start-navigation', { isMainFrame: true, isSameDocument: true })
    expect(fake.live).toHaveLength(1) // an in-page (hash) navigation keeps them
    contents.emit('did-start-navigation', { isMainFrame: true, isSameDocument: false })
    expect(fake.live).toHaveLength(0)

    api.subscribe('events', {}, () => undefined)
    await eventually('the new page subscription', () => fake.live.length === 1)
    contents.destroyed = true
    contents.emit('destroyed')
    expect(fake.live).toHaveLength(0)
  })

  it('stops serving once unregistered', async () => {
    stop()
    expect(electron.ipcMain.listenerCount('kubedesk:wire')).toBe(0)
  })
})
