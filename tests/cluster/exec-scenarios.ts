/**
 * `kubectl exec` on a real cluster, written once and run on process nodes
 * (tests/cluster/exec-process.test.ts) and Docker nodes (tests/cluster/docker-nodes.test.ts):
 * the real kubectl (v1.32, WebSocket v5.channel.k8s.io) through the API server to the kubelet to
 * the runtime. Output and exit code, stdin to EOF, a terminal of kubectl's size (kubectl run on a
 * terminal by util-linux `script`), and a resize during a session (driven over the WebSocket,
 * which shows what kubectl sends when its window changes).
 */
import { join } from 'node:path'
import { expect, it } from 'vitest'
import { KUBECTL, type Cluster } from '../helpers/cluster'
import { openExec, runOnTerminal, type ExecTarget } from '../helpers/exec-client'
import { applyAll, podManifest, waitRunning } from './fixtures'

/** What the scenarios need from the test file. */
export interface ExecEnv {
  cluster(): Cluster
  /** The node the scenarios' pod runs on. */
  node: string
}

const POD = 'exec-target'

function execTarget(c: Cluster): ExecTarget {
  if (!c.access.token) throw new Error('the cluster kubeconfig has no token')
  return { server: c.access.server, ca: c.access.ca, token: c.access.token, pod: POD }
}

/** Adds the `exec: ` cases to the caller's describe; they share one long-running pod. */
export function registerExecScenarios(env: ExecEnv): void {
  it('exec: prints stdout and stderr and exits with the command exit code', async () => {
    const c = env.cluster()
    await applyAll(c, [podManifest({ name: POD, node: env.node, script: 'sleep 3600' })])
    await waitRunning(c, POD, 60_000)
    const r = await c.kubectl(['exec', POD, '--', 'sh', '-c', 'echo out; echo err >&2; exit 3'])
    expect(r.code).toBe(3)
    expect(r.stdout).toBe('out\n')
    expect(r.stderr).toContain('err\n')
    expect(r.stderr).toContain('command terminated with exit code 3')
    const ok = await c.kubectl(['exec', POD, '--', 'sh', '-c', 'echo fine'])
    expect(ok).toEqual({ code: 0, stdout: 'fine\n', stderr: '' })
  }, 90_000)

  it('exec: -i passes stdin to the command until EOF', async () => {
    const text = Array.from({ length: 500 }, (_, i) => `line ${i}`).join('\n') + '\n'
    const r = await env.cluster().kubectl(['exec', '-i', POD, '--', 'cat'], { stdin: text })
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout).toBe(text)
  }, 60_000)

  it("exec: -it runs the command on a terminal of kubectl's size", async () => {
    // The first size reaches the terminal as the command starts; wait for it rather than race.
    const script =
      'for i in $(seq 1 25); do s=$(stty size); [ "$s" = "37 91" ] && break; sleep 0.2; done; ' +
      'echo "size $s"; tty'
    const c = env.cluster()
    const kubectl = [
      KUBECTL,
      '--kubeconfig',
      c.kubeconfig,
      '--cache-dir',
      join(c.tmp, 'exec-cache')
    ]
    const r = await runOnTerminal(
      [...kubectl, 'exec', '-it', POD, '--', 'sh', '-c', script],
      37,
      91
    )
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/size 37 91\r?\n\/dev\/pts\/\d+/)
  }, 60_000)

  it('exec: a resize during a terminal session changes its size; the exit code comes back', async () => {
    const conn = await openExec(execTarget(env.cluster()), {
      command: ['sh'],
      stdin: true,
      tty: true
    })
    expect(conn.protocol).toBe('v5.channel.k8s.io')
    for (const [cols, rows] of [
      [80, 24],
      [132, 50]
    ]) {
      conn.resize(cols, rows)
      const shown = new RegExp(`^${rows} ${cols}\\r?$`, 'm')
      // The size change and the typed line travel apart: type until the new size shows.
      for (let i = 0; i < 50 && !shown.test(conn.stdout()); i++) {
        conn.stdin('stty size\n')
        await new Promise((r) => setTimeout(r, 100))
      }
      expect(conn.stdout()).toMatch(shown)
    }
    conn.stdin('exit 5\n')
    const { status, closeCode } = await conn.done
    expect(closeCode).toBe(1000)
    expect(status).toMatchObject({
      status: 'Failure',
      reason: 'NonZeroExitCode',
      details: { causes: [{ reason: 'ExitCode', message: '5' }] }
    })
  }, 60_000)
}
