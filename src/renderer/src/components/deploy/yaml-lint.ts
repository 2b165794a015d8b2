/**
 * Validation of Kubernetes YAML as editor diagnostics, in three layers: YAML syntax (the `yaml`
 * parser's errors, with positions), the shape every object needs (apiVersion, kind, a DNS-1123
 * metadata.name, a kind this cluster serves), and the API server's own verdict from a dry-run
 * apply, mapped back onto the documents it refused. Pure functions: the editor only shows them.
 */
import { errorMessage } from '../../../../shared/desktop-wire'
import type { Diagnostic } from '@codemirror/lint'
import { isMap, type Document } from 'yaml'
import type { ApplyResult } from '../../../../shared/desktop-api'
import { dns1123LabelError, dns1123SubdomainError } from './k8s-validation'
import { SERVED_KINDS } from './served-kinds'
import { firstLineRange, splitYamlDocuments, type YamlDocument } from './yaml-documents'

/** Kinds whose names must be DNS-1123 labels rather than subdomains. */
const LABEL_NAMED_KINDS = new Set(['Namespace', 'Service'])

/** The range of the node at `path`, or of the document's first line when there is none. */
function rangeOf(text: string, doc: YamlDocument, path: string[]): { from: number; to: number } {
  const node = doc.doc.getIn(path, true) as { range?: [number, number, number] } | undefined
  if (node?.range) return { from: node.range[0], to: Math.max(node.range[1], node.range[0]) }
  return firstLineRange(text, doc)
}

/** The diagnostics for the shape of one parsed, error-free document. */
function schemaDiagnostics(text: string, doc: YamlDocument): Diagnostic[] {
  const out: Diagnostic[] = []
  const at = (path: string[], message: string, severity: Diagnostic['severity'] = 'error') =>
    out.push({ ...rangeOf(text, doc, path), severity, message, source: 'schema' })
  if (!isMap(doc.doc.contents)) {
    at([], 'A Kubernetes object must be a mapping with apiVersion, kind and metadata')
    return out
  }
  const value = (path: string[]): unknown => (doc.doc as Document.Parsed).getIn(path)
  const apiVersion = value(['apiVersion'])
  const kind = value(['kind'])
  if (typeof apiVersion !== 'string' || apiVersion === '')
    at(['apiVersion'], 'apiVersion is required')
  if (typeof kind !== 'string' || kind === '') at(['kind'], 'kind is required')
  else if (!SERVED_KINDS[kind]) {
    at(['kind'], `kind "${kind}" is not served by this cluster`)
  } else if (typeof apiVersion === 'string' && !SERVED_KINDS[kind].includes(apiVersion)) {
    at(['apiVersion'], `${kind} is served as ${SERVED_KINDS[kind].join(' or ')}, not ${apiVersion}`)
  }
  const name = value(['metadata', 'name'])
  if (name === undefined || name === null || name === '')
    at(['metadata'], 'metadata.name is required')
  else if (typeof name !== 'string') at(['metadata', 'name'], 'metadata.name must be a string')
  else {
    const problem = LABEL_NAMED_KINDS.has(String(kind))
      ? dns1123LabelError(name)
      : dns1123SubdomainError(name)
    if (problem) at(['metadata', 'name'], `metadata.name "${name}" ${problem}`)
  }
  const namespace = value(['metadata', 'namespace'])
  if (namespace !== undefined) {
    const problem =
      typeof namespace === 'string' ? dns1123LabelError(namespace) : 'must be a string'
    if (problem) at(['metadata', 'namespace'], `metadata.namespace ${problem}`)
  }
  return out
}

/** Syntax and schema diagnostics for the whole text (no server involved). */
export function lintYaml(text: string): Diagnostic[] {
  const out: Diagnostic[] = []
  for (const doc of splitYamlDocuments(text)) {
    for (const error of doc.doc.errors) {
      const [from, to] = error.pos
      out.push({
        from,
        to: Math.min(Math.max(to, from + 1), text.length),
        severity: 'error',
        message: error.message.split('\n')[0],
        source: 'yaml'
      })
    }
    for (const warning of doc.doc.warnings) {
      const [from, to] = warning.pos
      out.push({ from, to, severity: 'warning', message: warning.message.split('\n')[0] })
    }
    if (doc.doc.errors.length === 0) out.push(...schemaDiagnostics(text, doc))
  }
  return out
}

/** The document a server result is about: by kind and name, else by its index. */
function documentOf(docs: YamlDocument[], result: ApplyResult): YamlDocument | undefined {
  return (
    docs.find((d) => d.kind === result.kind && d.name === result.name && result.name !== '') ??
    docs.find((d) => d.index === result.document)
  )
}

/** The server's refusals (failed dry-run results) as diagnostics on their documents. */
export function serverDiagnostics(text: string, results: ApplyResult[]): Diagnostic[] {
  const docs = splitYamlDocuments(text)
  const out: Diagnostic[] = []
  for (const result of results) {
    if (result.outcome !== 'failed') continue
    const doc = documentOf(docs, result)
    const range = doc ? firstLineRange(text, doc) : { from: 0, to: 0 }
    const what = [result.kind, result.name].filter(Boolean).join(' ')
    out.push({
      ...range,
      severity: 'error',
      message: `${what ? `${what}: ` : ''}${result.message ?? 'refused by the API server'}`,
      source: 'server'
    })
  }
  return out
}

/**
 * A lint source for the editor: local diagnostics first; only when those find no error is the
 * text sent for a dry run (`validate`), so the server is asked about YAML that can be applied.
 */
export function yamlLintSource(
  validate: (yaml: string) => Promise<ApplyResult[]>
): (text: string) => Promise<Diagnostic[]> {
  return async (text) => {
    const local = lintYaml(text)
    if (text.trim() === '' || local.some((d) => d.severity === 'error')) return local
    try {
      return [...local, ...serverDiagnostics(text, await validate(text))]
    } catch (err) {
      const message = `Server validation unavailable: ${errorMessage(err)}`
      return [...local, { from: 0, to: 0, severity: 'info', message, source: 'server' }]
    }
  }
}
