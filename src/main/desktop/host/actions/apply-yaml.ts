/**
 * `kubectl apply -f` for the Deploy view's YAML editor: every document of a multi-document YAML
 * is applied on its own (server-side apply, field manager `kubedesk-ui`, conflicts forced), so
 * one bad document never stops the others. Each answers as kubectl prints it: created,
 * configured, unchanged (the object did not change) or failed with the API's message and code.
 */
import { LineCounter, parseAllDocuments } from 'yaml'
import { ApiError } from '../../../apiserver/api-errors'
import type { ApiClient } from '../../../apiserver/client'
import { jsonEqual } from '../../../apiserver/admission/shape'
import { apiVersionOf, type KubeObject } from '../../../apiserver/types'
import type { ApplyResult } from '../../../../shared/desktop-api'
import { errorMessage } from '../../../../shared/desktop-wire'

/** The field manager the UI's writes are recorded under (managedFields). */
export const UI_FIELD_MANAGER = 'kubedesk-ui'

/** The largest YAML the editor may send. */
const MAX_YAML_BYTES = 4 * 1024 * 1024

/** One document: the object it holds, or why it cannot be applied. */
type ParsedDocument =
  | { document: number; object: Record<string, unknown> }
  | { document: number; error: string; partial?: Record<string, unknown> }

/** Splits `yaml` into documents; parse errors carry their line (1-based, in the whole text). */
export function parseDocuments(yaml: string): ParsedDocument[] {
  if (typeof yaml !== 'string') throw new Error('the YAML must be text')
  if (Buffer.byteLength(yaml) > MAX_YAML_BYTES) {
    throw new Error(`the YAML is larger than ${MAX_YAML_BYTES / 1024 / 1024} MiB`)
  }
  const lineCounter = new LineCounter()
  const docs = parseAllDocuments(yaml, { lineCounter, prettyErrors: false })
  const list = Array.isArray(docs) ? docs : [docs]
  const out: ParsedDocument[] = []
  const lastLine = yaml.replace(/\n$/, '').split('\n').length
  for (const doc of list) {
    const document = out.length + 1
    if (doc.errors.length > 0) {
      const err = doc.errors[0]
      // An error at the very end (an unclosed bracket) is reported on the last line.
      const line = Math.min(lineCounter.linePos(err.pos[0]).line, lastLine)
      out.push({ document, error: `YAML error on line ${line}: ${firstLine(err.message)}` })
      continue
    }
    // An empty document (a trailing `---`, only comments) is no object: skipped, as kubectl does.
    if (doc.contents === null) continue
    let value: unknown
    try {
      value = doc.toJS({ maxAliasCount: 100 })
    } catch (err) {
      out.push({ document, error: `YAML error: ${errorMessage(err)}` })
      continue
    }
    if (!value || typeof value !== 'object' || Array.isArray(value)) {
      out.push({ document, error: 'the document is not an object (a mapping of fields)' })
      continue
    }
    out.push({ document, object: value as Record<string, unknown> })
  }
  return out
}

function firstLine(text: string): string {
  return text.split('\n')[0].trim()
}

/** Applies every document of `yaml`; never rejects for a bad document, only for bad input. */
export async function applyYaml(
  client: ApiClient,
  yaml: string,
  dryRun = false
): Promise<ApplyResult[]> {
  const docs = parseDocuments(yaml)
  if (docs.length === 0) throw new Error('the YAML holds no object')
  return Promise.all(
    docs.map((doc) =>
      'object' in doc
        ? applyObject(client, doc.object, doc.document, dryRun)
        : {
            kind: '',
            name: '',
            outcome: 'failed' as const,
            message: doc.error,
            document: doc.document
          }
    )
  )
}

/** Creates `object` when it is missing, else applies it over what is there. */
export async function applyObject(
  client: ApiClient,
  object: Record<string, unknown>,
  document: number,
  dryRun = false
): Promise<ApplyResult> {
  const kind = typeof object.kind === 'string' ? object.kind : ''
  const apiVersion = typeof object.apiVersion === 'string' ? object.apiVersion : ''
  const metadata = (object.metadata ?? {}) as { name?: unknown; namespace?: unknown }
  const name = typeof metadata.name === 'string' ? metadata.name : ''
  const base = { kind, name, document }
  const missing = !apiVersion ? 'apiVersion' : !kind ? 'kind' : !name ? 'metadata.name' : undefined
  if (missing) {
    return { ...base, outcome: 'failed', message: `the object has no ${missing}`, code: 400 }
  }
  const served = client.resources.find((r) => r.kind === kind && apiVersionOf(r) === apiVersion)
  const namespace = served?.namespaced
    ? typeof metadata.namespace === 'string' && metadata.namespace
      ? metadata.namespace
      : 'default'
    : undefined
  const result: ApplyResult = { ...base, ...(namespace ? { namespace } : {}), outcome: 'failed' }
  const type = { apiVersion, kind }
  const body = namespace
    ? { ...object, metadata: { ...(object.metadata as object), namespace } }
    : object
  try {
    const before = await client.get(type, namespace, name).catch((err: unknown) => {
      if (err instanceof ApiError && err.code === 404 && served) return undefined
      throw err
    })
    const apply = (dry: boolean) =>
      client.patch(type, namespace, name, 'apply', body, {
        fieldManager: UI_FIELD_MANAGER,
        force: true,
        dryRun: dry
      })
    if (!before) {
      await apply(dryRun)
      return { ...result, outcome: 'created' }
    }
    // A dry run first: applying what is already there would still write (a new
    // resourceVersion and a watch event for every watcher), so it is not written at all.
    const preview = await apply(true)
    if (sameContent(before, preview)) return { ...result, outcome: 'unchanged' }
    if (!dryRun) await apply(false)
    return { ...result, outcome: 'configured' }
  } catch (err) {
    return {
      ...result,
      outcome: 'failed',
      message: errorMessage(err),
      ...(err instanceof ApiError ? { code: err.code } : {})
    }
  }
}

/** The same object, apart from bookkeeping (resourceVersion, managedFields' times). */
function sameContent(before: KubeObject, after: KubeObject): boolean {
  return jsonEqual(withoutBookkeeping(before), withoutBookkeeping(after))
}

function withoutBookkeeping(o: KubeObject): unknown {
  const meta = { ...(o.metadata ?? {}) } as Record<string, unknown>
  delete meta.resourceVersion
  delete meta.managedFields
  return { ...o, metadata: meta }
}
