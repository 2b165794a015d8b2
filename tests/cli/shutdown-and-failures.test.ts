import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { removeDataDir, runCli, startCli, stopStartedProcesses, tempDataDir } from './cli-process'

const dirs: string[] = []
function dataDir(): string {
  const dir = tempDataDir()
  dirs.push(dir)
  return dir
}

afterEach(async () => {
  await stopStartedProcesses()
  dirs.splice(0).forEach(removeDataDir)
})

describe('kubedesk up stops cleanly on a signal', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)(
    '%s: exit 0, store closed, lock released',
    async (signal) => {
      const dir = dataDir()
      const up = startCli([
        'up',
        '--store',
        'sqlite',
        '--port',
        '0',
        '--nodes',
        '0',
        '--provider',
        'simulated',
        '--data-dir',
        dir
      ])
      await up.waitFor(/KubeDesk is running/)
      expect(existsSync(join(dir, 'kubedesk.pid'))).toBe(true)

      up.child.kill(signal)
      const result = await up.exited

      expect(result.code).toBe(0)
      expect(result.stderr).toContain(`Stopping KubeDesk (${signal})`)
      expect(existsSync(join(dir, 'kubedesk.pid'))).toBe(false)
      expect(existsSync(join(dir, 'kubedesk.sock'))).toBe(false)
      expect(readFileSync(join(dir, 'logs', 'etcd.log'), 'utf8')).toMatch(/"closed store"/)
    }
  )
})

describe('kubedesk up failures are one readable line', () => {
  it('a corrupt store.db names the file, exits 1 and leaves no lock behind', async () => {
    const dir = dataDir()
    const file = join(dir, 'store.db')
    writeFileSync(file, 'this is not a database, just some text that is long enough\n'.repeat(4))

    const { code, stderr } = await runCli([
      'up',
      '--store',
      'sqlite',
      '--port',
      '0',
      '--data-dir',
      dir
    ])

    expect(code).toBe(1)
    const errors = stderr.split('\n').filter((line) => line.startsWith('kubedesk:'))
    expect(errors).toHaveLength(1)
    expect(errors[0]).toContain(file)
    expect(stderr).not.toMatch(/^\s+at /m)
    expect(existsSync(join(dir, 'kubedesk.pid'))).toBe(false)
    // The file is left as it was for the user to inspect.
    expect(readFileSync(file, 'utf8')).toContain('this is not a database')
  })

  it('a corrupt CA certificate names the file, exits 1 and is left for the user', async () => {
    const dir = dataDir()
    const file = join(dir, 'pki', 'ca.crt')
    mkdirSync(join(dir, 'pki'))
    writeFileSync(file, 'not a certificate\n')
    writeFileSync(join(dir, 'pki', 'ca.key'), 'not a key\n')

    const { code, stderr } = await runCli([
      'up',
      '--store',
      'memory',
      '--port',
      '0',
      '--data-dir',
      dir
    ])

    expect(code).toBe(1)
    const errors = stderr.split('\n').filter((line) => line.startsWith('kubedesk:'))
    expect(errors).toEqual([
      `kubedesk: cannot use ${file}: it is not a PEM certificate. ` +
        `Remove ${join(dir, 'pki')} to create a new CA (kubeconfigs that carry the old CA stop working).`
    ])
    expect(existsSync(join(dir, 'kubedesk.pid'))).toBe(false)
    expect(readFileSync(file, 'utf8')).toBe('not a certificate\n')
    expect(readFileSync(join(dir, 'logs', 'kube-apiserver.log'), 'utf8')).toMatch(
      /^E.* kube-apiserver\] "cannot start the API server"/m
    )
  })

  it('a stale lock (its process gone) is taken over with a note', async () => {
    const dir = dataDir()
    // A pid that cannot be running: above the kernel's pid_max on any default system.
    writeFileSync(join(dir, 'kubedesk.pid'), '99999999\n')
    const up = startCli([
      'up',
      '--store',
      'memory',
      '--port',
      '0',
      '--nodes',
      '0',
      '--provider',
      'simulated',
      '--data-dir',
      dir
    ])
    await up.waitFor(/KubeDesk is running/)
    expect(up.stderr()).toContain('took over the lock of pid 99999999')
    expect(readFileSync(join(dir, 'kubedesk.pid'), 'utf8').trim()).toBe(String(up.child.pid))
    up.child.kill('SIGTERM')
    expect((await up.exited).code).toBe(0)
  })

  it('--store etcd without --etcd-endpoints is a usage error (exit 2)', async () => {
    const { code, stderr } = await runCli(['up', '--store', 'etcd', '--data-dir', dataDir()])
    expect(code).toBe(2)
    expect(stderr.trim()).toBe(
      'kubedesk: --store etcd needs --etcd-endpoints (e.g. --etcd-endpoints http://127.0.0.1:2379). ' +
        "See 'kubedesk up --help'."
    )
  })
})
