/**
 * `kubedesk open` on the command line: wrong arguments (exit 2), no KubeDesk running (exit 1),
 * and the help text. The runs against a cluster are in tests/cluster/services-scenarios.ts.
 */
import { runCliInProcess } from './in-process-cli'
import { afterAll, describe, expect, it } from 'vitest'
import { removeDataDir, tempDataDir } from './cli-process'

const kubedesk = (argv: string[]) => runCliInProcess(argv)

const dir = tempDataDir()
afterAll(() => removeDataDir(dir))

describe('kubedesk open', () => {
  it.each([
    [[], "kubedesk: open needs a service: svc/NAME. See 'kubedesk open --help'."],
    [
      ['pod/web'],
      "kubedesk: open takes a service as svc/NAME (got 'pod/web'). See 'kubedesk open --help'."
    ],
    [
      ['svc/Web'],
      "kubedesk: the service NAME must be lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters (got 'Web'). See 'kubedesk open --help'."
    ],
    [
      ['svc/web', 'svc/other'],
      "kubedesk: unexpected argument 'svc/other' for 'kubedesk open'. See 'kubedesk open --help'."
    ]
  ])('refuses %j with exit 2', async (args, line) => {
    const r = await kubedesk(['open', ...args, '--data-dir', dir])
    expect([r.code, r.stderr.trim(), r.stdout]).toEqual([2, line, ''])
  })

  it.each([['svc/web'], ['service/web', '-n', 'shop'], ['services/web', '--namespace', 'shop']])(
    'says no KubeDesk is running for %j (exit 1)',
    async (...args) => {
      const r = await kubedesk(['open', ...args, '--data-dir', dir])
      expect([r.code, r.stderr.trim()]).toEqual([
        1,
        `kubedesk: no KubeDesk is running for ${dir}. Start one with 'kubedesk up --data-dir ${dir}'.`
      ])
    }
  )

  it('is listed in the help, with its own --help', async () => {
    expect((await kubedesk(['--help'])).stdout).toMatch(
      /^ {2}open {8}open a Service on a loopback port/m
    )
    const help = await kubedesk(['open', '--help'])
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('kubedesk open svc/NAME [flags]')
  })
})
