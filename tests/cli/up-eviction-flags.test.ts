/**
 * `kubedesk up`'s node-failure flags: --default-not-ready-toleration-seconds,
 * --default-unreachable-toleration-seconds (kube-apiserver's) and --terminated-pod-gc-threshold
 * (kube-controller-manager's) reach the control plane options; bad values are refused; --help
 * documents the laptop defaults next to Kubernetes' own. One in-process control plane (memory
 * store, no nodes) shows the toleration flag reaching the pods the API server admits.
 */
import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { main } from '../../src/main/cli'
import { parseUpArgs } from '../../src/main/cli/up'
import { UsageError } from '../../src/main/cli/errors'
import { ControlPlane } from '../../src/main/control-plane'
import { removeDataDir, tempDataDir } from './cli-process'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any

const env = { HOME: '/nonexistent-home', KUBEDESK_HOME: '/tmp/kubedesk-flags-test' }

describe('kubedesk up: toleration and pod GC flags', () => {
  it('are absent (the components use their defaults) unless given', () => {
    const { controlPlane } = parseUpArgs([], env)
    expect(controlPlane.defaultNotReadyTolerationSeconds).toBeUndefined()
    expect(controlPlane.defaultUnreachableTolerationSeconds).toBeUndefined()
    expect(controlPlane.terminatedPodGcThreshold).toBeUndefined()
  })

  it('reach the control plane options', () => {
    const { controlPlane } = parseUpArgs(
      [
        '--default-not-ready-toleration-seconds',
        '300',
        '--default-unreachable-toleration-seconds=5',
        '--terminated-pod-gc-threshold',
        '0'
      ],
      env
    )
    expect(controlPlane).toMatchObject({
      defaultNotReadyTolerationSeconds: 300,
      defaultUnreachableTolerationSeconds: 5,
      terminatedPodGcThreshold: 0
    })
  })

  it.each([
    [
      ['--default-not-ready-toleration-seconds', '30s'],
      "--default-not-ready-toleration-seconds must be a whole number from 0 to 2147483647 (got '30s')"
    ],
    [
      ['--default-unreachable-toleration-seconds', '-1'],
      "--default-unreachable-toleration-seconds must be a whole number from 0 to 2147483647 (got '-1')"
    ],
    [
      ['--terminated-pod-gc-threshold', 'lots'],
      "--terminated-pod-gc-threshold must be a whole number from 0 to 100000000 (got 'lots')"
    ]
  ])('refuse %j', (argv, message) => {
    expect(() => parseUpArgs(argv, env)).toThrow(UsageError)
    expect(() => parseUpArgs(argv, env)).toThrow(message)
  })

  it('are documented in up --help with their defaults', async () => {
    const stdout = new PassThrough()
    let out = ''
    stdout.setEncoding('utf8').on('data', (c: string) => (out += c))
    const code = await main(['up', '--help'], { stdout, stderr: new PassThrough(), env })
    expect(code).toBe(0)
    expect(out).toMatch(/--default-not-ready-toleration-seconds N/)
    expect(out).toMatch(/--default-unreachable-toleration-seconds N/)
    expect(out).toMatch(/default 30 each;\s+Kubernetes 300/)
    expect(out).toMatch(/--terminated-pod-gc-threshold N/)
    expect(out).toMatch(/default 1000; Kubernetes 12500; 0 keeps them all/)
  })
})

describe('kubedesk up --default-unreachable-toleration-seconds, end to end', () => {
  it('new pods tolerate an unreachable node for that long; the eviction controllers run', async () => {
    const dataDir = tempDataDir()
    const request = parseUpArgs(
      [
        '--data-dir',
        dataDir,
        '--store',
        'memory',
        '--nodes',
        '0',
        '--provider',
        'simulated',
        '--port',
        '0',
        '--default-unreachable-toleration-seconds',
        '7'
      ],
      env
    )
    const controlPlane = new ControlPlane({ ...request.controlPlane, mergeUserKubeconfig: false })
    try {
      await controlPlane.start()
      const pod = await controlPlane.apiClient!.create<Json>({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'web', namespace: 'default' },
        spec: { containers: [{ name: 'c', image: 'busybox' }] }
      })
      expect(pod.spec.tolerations).toEqual([
        {
          key: 'node.kubernetes.io/not-ready',
          operator: 'Exists',
          effect: 'NoExecute',
          tolerationSeconds: 30
        },
        {
          key: 'node.kubernetes.io/unreachable',
          operator: 'Exists',
          effect: 'NoExecute',
          tolerationSeconds: 7
        }
      ])
      const manager = (await controlPlane.status()).components.find(
        (c) => c.name === 'kube-controller-manager'
      )
      expect(manager?.message).toMatch(/taint-eviction-controller, pod-garbage-collector/)
    } finally {
      await controlPlane.stop()
      removeDataDir(dataDir)
    }
  }, 30_000)
})
