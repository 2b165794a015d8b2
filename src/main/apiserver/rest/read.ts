/**
 * get and list. A list reads one consistent snapshot: the latest by default, an exact revision
 * with `resourceVersionMatch=Exact`, or the snapshot of a `continue` token; selectors filter
 * before `limit` counts, as in kube-apiserver.
 */
import { badRequest } from '../api-errors'
import type { KubeList, KubeObject } from '../types'
import { apiVersionOf } from '../types'
import { fieldMatcher, labelMatcher, type ObjectMatcher } from './collaborators'
import { parseResourceVersion, type RestContext, type Target } from './context'
import type { RegistryEntry } from '../registry'

/** Options of a list (and of the list a watch starts with). */
export interface ListOptions {
  labelSelector?: string
  fieldSelector?: string
  limit?: number
  continue?: string
  resourceVersion?: string
  resourceVersionMatch?: string
}

/** One object. */
export async function getObject(ctx: RestContext, target: Target): Promise<KubeObject> {
  return ctx.storage.get(target.entry, target.namespace, target.name ?? '')
}

/** One object as JSON text, for answers that need it as stored (no parse, no stringify). */
export async function getObjectJson(ctx: RestContext, target: Target): Promise<string> {
  return ctx.storage.getJson(target.entry, target.namespace, target.name ?? '')
}

/** A matcher combining the label and field selectors of a request (undefined: match all). */
export function selectorOf(
  entry: RegistryEntry,
  opts: Pick<ListOptions, 'labelSelector' | 'fieldSelector'>
): ObjectMatcher | undefined {
  const matchers: ObjectMatcher[] = []
  if (opts.labelSelector) matchers.push(labelMatcher(opts.labelSelector))
  if (opts.fieldSelector) matchers.push(fieldMatcher(opts.fieldSelector, entry))
  if (matchers.length === 0) return undefined
  return { matches: (obj) => matchers.every((m) => m.matches(obj)) }
}

/** The revision a list reads at, or undefined for the latest. */
function listRevision(opts: ListOptions): number | undefined {
  const match = opts.resourceVersionMatch
  if (match && !['Exact', 'NotOlderThan'].includes(match)) {
    throw badRequest(
      `resourceVersionMatch: Unsupported value: "${match}": supported values: "Exact", "NotOlderThan"`
    )
  }
  if (match && !opts.resourceVersion) {
    throw badRequest('resourceVersionMatch is forbidden unless resourceVersion is provided')
  }
  if (opts.continue && opts.resourceVersion && opts.resourceVersion !== '0') {
    throw badRequest('specifying resource version is not allowed when using continue')
  }
  if (!opts.resourceVersion) return undefined
  const rv = parseResourceVersion(opts.resourceVersion)
  // NotOlderThan (and a bare resourceVersion) is served from the latest state, which is never older.
  return match === 'Exact' ? rv : undefined
}

/** A `<Kind>List` of the objects matching the options. */
export async function listObjects(
  ctx: RestContext,
  target: Target,
  opts: ListOptions
): Promise<KubeList> {
  const { entry } = target
  if (opts.limit !== undefined && (!Number.isInteger(opts.limit) || opts.limit < 0)) {
    throw badRequest(`invalid limit: ${opts.limit}`)
  }
  const matcher = selectorOf(entry, opts)
  const page = await ctx.storage.list(entry, target.namespace, {
    limit: opts.limit,
    continue: opts.continue,
    revision: listRevision(opts),
    filter: matcher && ((o) => matcher.matches(o))
  })
  return {
    apiVersion: apiVersionOf(entry),
    kind: `${entry.kind}List`,
    metadata: {
      resourceVersion: String(page.revision),
      ...(page.continue ? { continue: page.continue } : {})
    },
    items: page.items
  }
}

/**
 * The same list as JSON text, built without parsing stored objects: the pieces that concatenated
 * make the list (an opening with the list's metadata, the items separated by commas, a closing),
 * so a large list can be sent piece by piece rather than joined into one string. Undefined when
 * selectors need the objects parsed (then use listObjects).
 */
export async function listObjectsJson(
  ctx: RestContext,
  target: Target,
  opts: ListOptions
): Promise<string[] | undefined> {
  const { entry } = target
  if (selectorOf(entry, opts)) return undefined
  if (opts.limit !== undefined && (!Number.isInteger(opts.limit) || opts.limit < 0)) {
    throw badRequest(`invalid limit: ${opts.limit}`)
  }
  const page = await ctx.storage.listRaw(entry, target.namespace, {
    limit: opts.limit,
    continue: opts.continue,
    revision: listRevision(opts)
  })
  const metadata = {
    resourceVersion: String(page.revision),
    ...(page.continue ? { continue: page.continue } : {})
  }
  const head = JSON.stringify({
    apiVersion: apiVersionOf(entry),
    kind: `${entry.kind}List`,
    metadata
  })
  const parts = [`${head.slice(0, -1)},"items":[`]
  page.items.forEach((item, i) => parts.push(i === 0 ? item : `,${item}`))
  parts.push(']}')
  return parts
}
