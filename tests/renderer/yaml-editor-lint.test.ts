/** The YAML editor's lint: syntax errors, object shape, and the server's dry-run verdicts. */
import { describe, expect, it, vi } from 'vitest'
import {
  lintYaml,
  serverDiagnostics,
  yamlLintSource
} from '../../src/renderer/src/components/deploy/yaml-lint'
import { STARTER_YAML } from '../../src/renderer/src/components/deploy/starter-template'
import type { ApplyResult } from '../../src/shared/desktop-api'

const configMap = (name: string) => `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}
data:
  a: "1"
`

/** The text a diagnostic underlines. */
const marked = (text: string, d: { from: number; to: number }) => text.slice(d.from, d.to)

describe('lintYaml', () => {
  it('accepts the starter template and empty text', () => {
    expect(lintYaml(STARTER_YAML)).toEqual([])
    expect(lintYaml('')).toEqual([])
    expect(lintYaml('---\n')).toEqual([])
  })

  it('turns a parse error into an error at its position', () => {
    const text = `${configMap('a')}---\napiVersion: v1\nkind: [ConfigMap\n`
    const [d, ...rest] = lintYaml(text)
    expect(rest.filter((x) => x.severity === 'error' && x.source === 'schema')).toEqual([])
    expect(d).toMatchObject({ severity: 'error', source: 'yaml' })
    // In the second document, on or after the broken flow sequence.
    expect(d.from).toBeGreaterThanOrEqual(text.indexOf('[ConfigMap'))
  })

  it('says metadata.name is missing, on that document', () => {
    const text = `${configMap('a')}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  labels: {}\n`
    const diagnostics = lintYaml(text)
    expect(diagnostics).toHaveLength(1)
    expect(diagnostics[0]).toMatchObject({
      severity: 'error',
      message: 'metadata.name is required'
    })
    expect(diagnostics[0].from).toBeGreaterThan(text.indexOf('---'))
  })

  it.each([
    ['kind: ConfigMap\nmetadata:\n  name: a\n', 'apiVersion is required', 'kind: ConfigMap'],
    ['apiVersion: v1\nmetadata:\n  name: a\n', 'kind is required', 'apiVersion: v1'],
    [
      'apiVersion: v1\nkind: Widget\nmetadata:\n  name: a\n',
      'kind "Widget" is not served by this cluster',
      'Widget'
    ],
    [
      'apiVersion: v1\nkind: Deployment\nmetadata:\n  name: a\n',
      'Deployment is served as apps/v1, not v1',
      'v1'
    ],
    [
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Not_Valid\n',
      'metadata.name "Not_Valid" must be lowercase',
      'Not_Valid'
    ],
    [
      'apiVersion: v1\nkind: Service\nmetadata:\n  name: a.b\n',
      'metadata.name "a.b" must be lowercase letters, digits and',
      'a.b'
    ],
    [
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: Prod\n',
      'metadata.namespace must be lowercase',
      'Prod'
    ],
    ['- just\n- a list\n', 'A Kubernetes object must be a mapping', '- just']
  ])('%j → %s', (text, message, underlined) => {
    const [d, ...rest] = lintYaml(text)
    expect(rest).toEqual([])
    expect(d.severity).toBe('error')
    expect(d.message.startsWith(message)).toBe(true)
    expect(marked(text, d).startsWith(underlined)).toBe(true)
  })
})

describe('serverDiagnostics', () => {
  const text = `${configMap('a')}---\n${configMap('b')}`
  const failed = (over: Partial<ApplyResult>): ApplyResult => ({
    kind: 'ConfigMap',
    name: 'b',
    outcome: 'failed',
    message: 'data.a: Invalid value',
    document: 2,
    ...over
  })

  it('puts a failed document on its first line, by kind and name', () => {
    const [d, ...rest] = serverDiagnostics(text, [
      { kind: 'ConfigMap', name: 'a', outcome: 'unchanged', document: 1 },
      failed({ document: 7 })
    ])
    expect(rest).toEqual([])
    expect(d).toMatchObject({ severity: 'error', message: 'ConfigMap b: data.a: Invalid value' })
    expect(marked(text, d)).toBe('apiVersion: v1')
    expect(d.from).toBe(text.lastIndexOf('apiVersion'))
  })

  it('falls back to the document index when the result has no name', () => {
    const [d] = serverDiagnostics(text, [failed({ name: '', document: 1 })])
    expect(d.from).toBe(0)
  })
})

describe('yamlLintSource', () => {
  it('does not ask the server while the text has errors', async () => {
    const validate = vi.fn(async () => [] as ApplyResult[])
    const diagnostics = await yamlLintSource(validate)('kind: [\n')
    expect(diagnostics.length).toBeGreaterThan(0)
    expect(validate).not.toHaveBeenCalled()
  })

  it("adds the server's refusals to valid text", async () => {
    const text = configMap('a')
    const validate = vi.fn(
      async () =>
        [
          {
            kind: 'ConfigMap',
            name: 'a',
            outcome: 'failed',
            message: 'quota exceeded',
            document: 1
          }
        ] as ApplyResult[]
    )
    const diagnostics = await yamlLintSource(validate)(text)
    expect(validate).toHaveBeenCalledWith(text)
    expect(diagnostics.map((d) => d.message)).toEqual(['ConfigMap a: quota exceeded'])
  })

  it('says when the server cannot validate, without an error', async () => {
    const diagnostics = await yamlLintSource(async () => {
      throw new Error('the cluster is starting')
    })(configMap('a'))
    expect(diagnostics).toEqual([
      expect.objectContaining({
        severity: 'info',
        message: 'Server validation unavailable: the cluster is starting'
      })
    ])
  })
})
