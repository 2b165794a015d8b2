/**
 * The kubelet bundle script (one file that runs with no node_modules, dockerode's SSH transport
 * stubbed) and the provider choice `up` prints.
 */
import Dockerode from 'dockerode'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { chooseProvider } from '../../src/main/nodes'

const dir = mkdtempSync(join(tmpdir(), 'kubedesk-build-agent-'))

afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('scripts/build-agent.mjs', () => {
  it('bundles an entry with dockerode into one CommonJS file that runs without node_modules', () => {
    const entry = join(dir, 'main.ts')
    writeFileSync(
      entry,
      [
        "import Dockerode from 'dockerode'",
        "const docker = new Dockerode({ socketPath: '/nonexistent.sock' })",
        'const typed: string = typeof docker.ping',
        'process.stdout.write(`bundle ok ${typed} ${typeof require}\\n`)',
        "new Dockerode({ host: 'example', protocol: 'ssh' } as never)",
        '  .ping()',
        '  .catch((e: Error) => process.stdout.write(`${e.message}\\n`))'
      ].join('\n')
    )
    const outfile = join(dir, 'out', 'kubelet.js')
    const printed = execFileSync(
      process.execPath,
      [resolve('scripts/build-agent.mjs'), '--entry', entry, '--outfile', outfile],
      { encoding: 'utf8' }
    )
    expect(printed).toMatch(/^build-agent: .*kubelet\.js \(\d+ KiB\) in [\d.]+ s/)
    // Run from a directory with no node_modules anywhere above it.
    const output = execFileSync(process.execPath, [outfile], { cwd: dir, encoding: 'utf8' })
    expect(output).toContain('bundle ok function function')
    // The SSH transport is a stub that fails only when used.
    expect(output).toContain('the ssh:// Docker transport is not included in the KubeDesk kubelet')
  })

  it('fails with a clear message when the entry is missing', () => {
    let stderr = ''
    try {
      execFileSync(process.execPath, ['scripts/build-agent.mjs', '--entry', join(dir, 'none.ts')], {
        encoding: 'utf8',
        stdio: 'pipe'
      })
    } catch (err) {
      stderr = String((err as { stderr?: string }).stderr)
    }
    expect(stderr).toContain(`build-agent: no entry point at ${join(dir, 'none.ts')}`)
  })
})

describe('chooseProvider', () => {
  it('keeps an explicit choice', async () => {
    expect(await chooseProvider('simulated')).toEqual({
      name: 'simulated',
      reason: 'simulated: chosen with --provider'
    })
  })

  it('falls back to process, saying why, when no engine answers', async () => {
    const docker = new Dockerode({ socketPath: join(dir, 'no-docker.sock') })
    const choice = await chooseProvider('auto', { docker })
    expect(choice.name).toBe('process')
    expect(choice.reason).toMatch(/^process: no Docker engine answers \(.*no-docker\.sock|ENOENT/)
  })

  it('picks docker when the engine answers', async (ctx) => {
    const docker = new Dockerode({ socketPath: '/var/run/docker.sock' })
    const answers = await docker.ping().then(
      () => true,
      () => false
    )
    if (!answers) {
      console.warn('skipping: no Docker engine answers at /var/run/docker.sock')
      ctx.skip()
    }
    expect(await chooseProvider('auto', { docker })).toEqual({
      name: 'docker',
      reason: 'docker: the Docker engine answers at /var/run/docker.sock'
    })
  })
})
