/**
 * Shared pieces of the node provider tests: a tiny stand-in for the kubelet bundle (the real
 * kubelet is tested under tests/agent) and a KubeletLaunch that hands out plain configs.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { KubeletConfig } from '../../src/agent/config'
import type { ApiClient } from '../../src/main/apiserver/client'
import type { ComponentLog } from '../../src/main/observe/component-log'
import type { KubeletLaunch, NodeSize } from '../../src/main/nodes/types'

/**
 * A fake kubelet: reads KUBEDESK_KUBELET_CONFIG, prints `kubelet <node> up` to stderr and
 * sleeps until SIGTERM (`kubelet <node> stopping`). With label `crashes: N` it exits 1 on its
 * first N runs (counted in <rootDir>/runs).
 */
export const FAKE_AGENT = `
const fs = require('fs')
const path = require('path')
const config = JSON.parse(fs.readFileSync(process.env.KUBEDESK_KUBELET_CONFIG, 'utf8'))
const runsFile = path.join(config.rootDir, 'runs')
let runs = 0
try { runs = Number(fs.readFileSync(runsFile, 'utf8')) } catch {}
fs.writeFileSync(runsFile, String(runs + 1))
process.stderr.write('kubelet ' + config.nodeName + ' up runtime=' + config.runtime +
  ' address=' + config.addresses[0].address + ' run=' + (runs + 1) + '\\n')
if (runs < Number(config.labels.crashes || 0)) process.exit(1)
process.on('SIGTERM', () => {
  process.stderr.write('kubelet ' + config.nodeName + ' stopping\\n')
  process.exit(0)
})
setInterval(() => {}, 1000)
`

/** Writes the fake agent (with `tag` in a comment, so each test run gets its own image hash). */
export function writeFakeAgent(tag: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'kubedesk-fake-agent-'))
  const file = join(dir, 'kubelet.js')
  writeFileSync(file, `// fake kubelet ${tag}\n${FAKE_AGENT}`)
  return file
}

/** A launch whose configs carry `labels`; records the configs it made. */
export function fakeLaunch(labels: Record<string, string> = {}): KubeletLaunch & {
  made: KubeletConfig[]
} {
  const made: KubeletConfig[] = []
  return {
    made,
    config: async ({ name, size, address }: { name: string; size: NodeSize; address: string }) => {
      const config: KubeletConfig = {
        nodeName: name,
        apiServer: { url: 'https://127.0.0.1:6443', caCert: 'CA', token: `token-${name}` },
        runtime: 'fake',
        capacity: { cpu: String(size.cpu), memory: String(size.memoryBytes), pods: '110' },
        labels,
        addresses: [
          { type: 'InternalIP', address },
          { type: 'Hostname', address: name }
        ],
        heartbeatSeconds: 1,
        leaseDurationSeconds: 4,
        nodeStatusReportSeconds: 60,
        backoff: { initialSeconds: 1, maxSeconds: 4 },
        qps: 50,
        burst: 100,
        rootDir: '/unset',
        hostRootDir: '/unset'
      }
      made.push(config)
      return config
    },
    clientFor: () => ({}) as ApiClient
  }
}

/** A component log that keeps its lines in memory. */
export function memoryLog(): ComponentLog & { lines: string[] } {
  const lines: string[] = []
  const at =
    (level: string) =>
    (message: string, values?: Record<string, unknown>): void => {
      lines.push(`${level} ${message} ${JSON.stringify(values ?? {})}`)
    }
  return {
    component: 'node-provider',
    file: '/dev/null',
    lines,
    info: at('I'),
    warn: at('W'),
    error: at('E'),
    close: () => {}
  }
}

/** Polls `check` every 100 ms until it returns true or `timeoutMs` passes. */
export async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 15_000
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}
