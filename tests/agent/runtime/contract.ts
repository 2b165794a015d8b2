/**
 * The behaviour every ContainerRuntime must show, as vitest cases registered against a fixture:
 * sandboxes, containers' life cycle, logs, exec, env and working directory, label filters and
 * stats. docker-runtime.test.ts and process-runtime.test.ts run it against their runtime.
 */
import { randomBytes } from 'node:crypto'
import type { Readable } from 'node:stream'
import { afterAll, describe, expect, it } from 'vitest'
import {
  LABELS,
  RuntimeNotFoundError,
  type ContainerConfig,
  type ContainerRuntime,
  type ContainerStatus
} from '../../../src/agent/runtime/types'

/** What the contract needs from a test file. */
export interface RuntimeFixture {
  runtime: ContainerRuntime
  /** An image with `sh`, `echo`, `sleep` and `pwd` (the process runtime ignores it). */
  image: string
  /** A directory that exists where the runtime's containers run, for `workingDir`. */
  workingDir: string
}

/** Polls `check` until it returns a value other than undefined/false, or fails after `ms`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  ms = 15_000
): Promise<T> {
  const deadline = Date.now() + ms
  let last: unknown
  for (;;) {
    try {
      const value = await check()
      if (value !== undefined && value !== false) return value
    } catch (err) {
      last = err
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}: ${String(last ?? '')}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** Reads a finite log stream to the end. */
export async function readAll(stream: Readable): Promise<string> {
  let text = ''
  for await (const chunk of stream) text += chunk.toString()
  return text
}

/** A unique pod name/uid for one test. */
export function podMeta(prefix: string): {
  name: string
  namespace: string
  uid: string
  attempt: number
} {
  const suffix = randomBytes(4).toString('hex')
  return { name: `${prefix}-${suffix}`, namespace: 'rt-test', uid: `uid-${suffix}`, attempt: 0 }
}

/** A container config with defaults for the fields a case does not care about. */
export function containerConfig(image: string, over: Partial<ContainerConfig>): ContainerConfig {
  return {
    name: 'main',
    image,
    env: [],
    mounts: [],
    resources: {},
    labels: {},
    attempt: 0,
    ...over
  }
}

/** Registers the contract cases for the runtime `fixture()` gives (called inside tests). */
export function describeRuntimeContract(label: string, fixture: () => RuntimeFixture): void {
  describe(`${label}: ContainerRuntime contract`, () => {
    const sandboxes: string[] = []

    afterAll(async () => {
      const { runtime } = fixture()
      for (const id of sandboxes) await runtime.removePodSandbox(id).catch(() => undefined)
    })

    async function sandbox(prefix: string, labels: Record<string, string> = {}): Promise<string> {
      const metadata = podMeta(prefix)
      const id = await fixture().runtime.runPodSandbox({
        metadata,
        hostname: metadata.name,
        labels
      })
      sandboxes.push(id)
      return id
    }

    async function run(prefix: string, over: Partial<ContainerConfig>): Promise<[string, string]> {
      const { runtime, image } = fixture()
      const podId = await sandbox(prefix)
      const id = await runtime.createContainer(podId, containerConfig(image, over))
      await runtime.startContainer(id)
      return [podId, id]
    }

    const exited = (id: string): Promise<ContainerStatus> =>
      waitFor(`container ${id} to exit`, async () => {
        const s = await fixture().runtime.containerStatus(id)
        return s.state === 'exited' && s
      })

    it('runs, lists, stops and removes a pod sandbox', async () => {
      const { runtime } = fixture()
      const id = await sandbox('sb', { app: 'sb' })
      const status = await runtime.podSandboxStatus(id)
      expect(status.state).toBe('ready')
      expect(status.ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/)
      expect(status.labels[LABELS.type]).toBe('sandbox')
      const listed = await runtime.listPodSandboxes({ podUid: status.metadata.uid })
      expect(listed.map((s) => s.id)).toEqual([id])
      await runtime.stopPodSandbox(id)
      expect((await runtime.podSandboxStatus(id)).state).toBe('notready')
      expect((await runtime.listPodSandboxes({ state: 'ready' })).map((s) => s.id)).not.toContain(
        id
      )
      await runtime.removePodSandbox(id)
      await expect(runtime.podSandboxStatus(id)).rejects.toBeInstanceOf(RuntimeNotFoundError)
      await runtime.removePodSandbox(id) // removing twice is fine, as in CRI
    })

    it('runs a container and serves its logs (tail, timestamps, since, follow)', async () => {
      const { runtime } = fixture()
      const script = 'echo hello; echo err >&2; sleep 2; echo later; sleep 30'
      const [, id] = await run('logs', { command: ['sh', '-c', script] })
      expect((await runtime.containerStatus(id)).state).toBe('running')
      const follow = await runtime.containerLogs(id, { follow: true })
      let followed = ''
      follow.on('data', (c: Buffer) => (followed += c.toString()))
      const all = await waitFor('hello and err in the log', async () => {
        const text = await readAll(await runtime.containerLogs(id, {}))
        return text.includes('hello') && text.includes('err') && text
      })
      expect(all.split('\n')).toEqual(expect.arrayContaining(['hello', 'err']))
      const tail = await readAll(await runtime.containerLogs(id, { tailLines: 1 }))
      expect(tail.trimEnd().split('\n')).toHaveLength(1)
      expect(await readAll(await runtime.containerLogs(id, { tailLines: 0 }))).toBe('')
      const stamped = await readAll(await runtime.containerLogs(id, { timestamps: true }))
      expect(stamped).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z hello$/m)
      const future = new Date(Date.now() + 3_600_000)
      expect(await readAll(await runtime.containerLogs(id, { since: future }))).toBe('')
      const limited = await readAll(await runtime.containerLogs(id, { limitBytes: 3 }))
      // stdout and stderr come from separate pipes, so either line may come first.
      expect(Buffer.byteLength(limited)).toBe(3)
      expect(all.startsWith(limited)).toBe(true)
      await waitFor('the followed log to show a later line', async () => followed.includes('later'))
      expect(followed.indexOf('hello')).toBeLessThan(followed.indexOf('later'))
      follow.destroy()
    })

    it('stops a container with a timeout and reports how it exited', async () => {
      const { runtime } = fixture()
      const [, id] = await run('stop', { command: ['sh', '-c', 'echo up; sleep 30'] })
      await runtime.stopContainer(id, 1)
      const status = await runtime.containerStatus(id)
      expect(status.state).toBe('exited')
      expect(status.exitCode).toBeGreaterThan(0)
      expect(status.reason).toBe('Error')
      expect(status.finishedAt?.getTime()).toBeGreaterThanOrEqual(status.startedAt!.getTime())
    })

    it('reports exit codes: 3 is an Error, 0 is Completed', async () => {
      const [, failing] = await run('exit3', { command: ['sh', '-c', 'exit 3'] })
      const [, ok] = await run('exit0', { command: ['sh', '-c', 'exit 0'] })
      expect(await exited(failing)).toMatchObject({ state: 'exited', exitCode: 3, reason: 'Error' })
      expect(await exited(ok)).toMatchObject({ state: 'exited', exitCode: 0, reason: 'Completed' })
    })

    it('execs commands: exit code, output and timeout', async () => {
      const { runtime } = fixture()
      const [, id] = await run('exec', { command: ['sh', '-c', 'sleep 30'] })
      const result = await runtime.execSync(id, ['sh', '-c', 'echo out; echo oops >&2; exit 5'], 10)
      expect(result).toMatchObject({ exitCode: 5, stdout: 'out\n', stderr: 'oops\n' })
      expect(result.timedOut).toBeFalsy()
      expect((await runtime.execSync(id, ['true'], 10)).exitCode).toBe(0)
      const slow = await runtime.execSync(id, ['sleep', '20'], 1)
      expect(slow.timedOut).toBe(true)
      await expect(runtime.execSync(id, [], 1)).rejects.toThrow(/command/)
    })

    it('streams an exec: stdin to EOF, stdout and stderr apart, the exit code', async () => {
      const { runtime } = fixture()
      const [, id] = await run('exec-stream', { command: ['sh', '-c', 'sleep 30'] })
      const cmd = ['sh', '-c', 'cat; echo oops >&2; exit 4']
      const session = await runtime.exec(id, cmd, { stdin: true, tty: false })
      const [out, err] = [readAll(session.stdout), readAll(session.stderr!)]
      session.stdin!.write('typed ')
      session.stdin!.end('text\n')
      expect(await session.exitCode).toBe(4)
      expect([await out, await err]).toEqual(['typed text\n', 'oops\n'])
      await expect(runtime.exec(id, [], { stdin: false, tty: false })).rejects.toThrow(/command/)
    })

    it('streams an exec on a terminal that follows resizes', async () => {
      const { runtime } = fixture()
      const [, id] = await run('exec-tty', { command: ['sh', '-c', 'sleep 30'] })
      const session = await runtime.exec(id, ['sh'], { stdin: true, tty: true })
      expect(session.stderr).toBeUndefined()
      let shown = ''
      session.stdout.on('data', (c: Buffer) => (shown += c.toString()))
      await session.resize({ width: 101, height: 41 })
      // The size change and the typed line travel apart: type until the new size shows.
      for (let i = 0; i < 50 && !/^41 101\r?$/m.test(shown); i++) {
        session.stdin!.write('stty size\n')
        await new Promise((r) => setTimeout(r, 100))
      }
      expect(shown).toMatch(/^41 101\r?$/m)
      session.stdin!.write('exit 6\n')
      expect(await session.exitCode).toBe(6)
    })

    it('passes env and workingDir to the process', async () => {
      const { runtime, workingDir } = fixture()
      const [, id] = await run('env', {
        command: ['sh', '-c', 'echo "FOO=$FOO"; pwd'],
        env: [{ name: 'FOO', value: 'bar baz' }],
        workingDir
      })
      await exited(id)
      const text = await readAll(await runtime.containerLogs(id, {}))
      expect(text).toBe(`FOO=bar baz\n${workingDir}\n`)
    })

    it('filters listings by labels, pod and sandbox', async () => {
      const { runtime, image } = fixture()
      const a = await sandbox('la', { app: 'a' })
      const b = await sandbox('lb', { app: 'b' })
      const cmd = { command: ['sh', '-c', 'sleep 30'] }
      const ca = await runtime.createContainer(
        a,
        containerConfig(image, { ...cmd, labels: { tier: 'x' } })
      )
      const cb = await runtime.createContainer(
        b,
        containerConfig(image, { ...cmd, labels: { tier: 'y' } })
      )
      const onlyA = await runtime.listPodSandboxes({ labels: { app: 'a' } })
      expect(onlyA.map((s) => s.id)).toEqual([a])
      expect((await runtime.listContainers({ labels: { tier: 'y' } })).map((c) => c.id)).toEqual([
        cb
      ])
      const inA = await runtime.listContainers({ podSandboxId: a })
      expect(inA.map((c) => c.id)).toEqual([ca])
      expect(inA[0]).toMatchObject({ state: 'created', name: 'main', podSandboxId: a, attempt: 0 })
      const uid = (await runtime.podSandboxStatus(b)).metadata.uid
      expect((await runtime.listContainers({ podUid: uid })).map((c) => c.id)).toEqual([cb])
      expect((await runtime.listContainers({ podSandboxId: a, state: 'running' })).length).toBe(0)
    })

    it('gives CPU and memory numbers for a running container', async () => {
      const { runtime } = fixture()
      const [, id] = await run('stats', {
        command: ['sh', '-c', 'i=0; while [ $i -lt 2000 ]; do i=$((i+1)); done; sleep 30']
      })
      const stats = await waitFor('stats', async () => {
        const s = await runtime.containerStats(id)
        return s.cpuUsageNanoSeconds > 0 && s.memoryWorkingSetBytes > 0 && s
      })
      expect(stats.timestamp).toBeInstanceOf(Date)
    })

    it('rejects unknown ids and bad input with readable errors', async () => {
      const { runtime, image } = fixture()
      await expect(runtime.containerStatus('no-such-container')).rejects.toBeInstanceOf(
        RuntimeNotFoundError
      )
      await expect(runtime.startContainer('no-such-container')).rejects.toThrow(/not found/)
      await expect(
        runtime.createContainer('no-such-sandbox', containerConfig(image, { command: ['true'] }))
      ).rejects.toThrow(/not found/)
      await expect(runtime.runPodSandbox({} as never)).rejects.toThrow(/metadata/)
    })
  })
}
