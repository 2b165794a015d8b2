/**
 * Serves one request on a resource path: picks the verb from the method, path and query, reads
 * the body, calls the generic handler and renders its answer. Every kind goes through here.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { ApiError } from '../api-errors'
import { authorizeNode } from '../authz/node-authorizer'
import { findResource, hasSubresource, type RegistryEntry } from '../registry'
import type { RestContext, Target } from '../rest/context'
import { createObject } from '../rest/create'
import { ownedBody } from '../rest/object-checks'
import { deleteCollection, deleteObject } from '../rest/delete'
import { unsupportedPatchType } from '../patch'
import { PATCH_MEDIA_TYPES, patchObjectAt } from '../rest/patch'
import { servePodExec } from '../rest/pod-exec'
import { getObject, getObjectJson, listObjects, listObjectsJson } from '../rest/read'
import {
  bindPod,
  evictPod,
  getScale,
  podLog,
  successStatus,
  writeScale
} from '../rest/subresources'
import { updateObject, type WriteScope } from '../rest/update'
import type { UserInfo } from '../types'
import { decodeBody, mediaTypeOf, readBody } from './body'
import { boolParam, deleteOptions, listOptions, watchOptions, writeOptions } from './query'
import { negotiate, sendJsonParts, sendJsonText, sendObject } from './respond'
import type { ResourceRoute } from './route'
import { includeObjectParam, transformList, transformObject } from './transform'
import { serveWatch } from './watch-stream'

/** What the access log records about a resource request. */
export interface RequestSummary {
  verb: string
  resource: string
}

/** 404 for paths no resource serves, worded as kube-apiserver does. */
export function pathNotFound(): ApiError {
  return new ApiError(404, 'NotFound', 'the server could not find the requested resource')
}

function methodNotAllowed(): ApiError {
  return new ApiError(
    405,
    'MethodNotAllowed',
    'the server does not allow this method on the requested resource'
  )
}

/** The verb a request means (kube-apiserver's request-info rules). */
function verbOf(method: string, route: ResourceRoute, q: URLSearchParams): string {
  const watching = route.watchPath || boolParam(q, 'watch') === true
  switch (method) {
    case 'GET':
      if (watching) return 'watch'
      return route.name ? 'get' : 'list'
    case 'POST':
      return 'create'
    case 'PUT':
      return 'update'
    case 'PATCH':
      return 'patch'
    case 'DELETE':
      return route.name ? 'delete' : 'deletecollection'
    default:
      return method.toLowerCase()
  }
}

function resolveEntry(route: ResourceRoute): RegistryEntry {
  const entry = findResource(route.group, route.version, route.resource)
  if (!entry) throw pathNotFound()
  if (route.namespace !== undefined && !entry.namespaced) throw pathNotFound()
  const finalize = route.subresource === 'finalize' && entry.kind === 'Namespace'
  if (route.subresource && !finalize && !hasSubresource(entry, route.subresource)) {
    throw pathNotFound()
  }
  return entry
}

/** Handles a resource request; throws ApiError for the caller to answer as a Status. */
export async function handleResource(
  ctx: RestContext,
  route: ResourceRoute,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  user: UserInfo,
  summary: RequestSummary
): Promise<void> {
  const q = url.searchParams
  const entry = resolveEntry(route)
  const sub = route.subresource
  const verb = verbOf(req.method ?? 'GET', route, q)
  summary.verb = verb
  summary.resource = sub ? `${entry.plural}/${sub}` : entry.plural
  const target: Target = { entry, namespace: route.namespace, name: route.name, user }
  const userAgent = req.headers['user-agent']

  // Unknown methods come through as their own (unlisted) verb: 405 like a verb the kind lacks.
  if (!sub && !(entry.verbs as string[]).includes(verb)) throw methodNotAllowed()
  if (sub && !['get', 'create', 'update', 'patch'].includes(verb)) throw methodNotAllowed()
  const needsName = ['get', 'update', 'patch', 'delete'].includes(verb) || !!sub
  if (needsName && !route.name) throw methodNotAllowed()
  if (verb === 'create' && route.name && !sub) throw methodNotAllowed()
  if (entry.namespaced && !route.namespace && !['list', 'watch'].includes(verb))
    throw pathNotFound()
  await authorizeNode(ctx, {
    user,
    verb,
    entry,
    subresource: sub,
    namespace: route.namespace,
    name: route.name
  })

  // pods/exec takes the connection over (GET or POST with an upgrade; rest/pod-exec.ts).
  if (sub === 'exec') return servePodExec(ctx, target, q, req, res)

  const transformable = !sub && ['get', 'list', 'watch'].includes(verb)
  const rendering = negotiate(req.headers.accept, transformable)
  const includeObject = includeObjectParam(q)

  if (verb === 'watch') {
    const opts = watchOptions(q)
    if (route.name) {
      const byName = `metadata.name=${route.name}`
      opts.fieldSelector = opts.fieldSelector ? `${opts.fieldSelector},${byName}` : byName
    }
    await serveWatch(ctx, target, opts, res, rendering, includeObject)
    return
  }
  if (verb === 'list') {
    const lopts = listOptions(q)
    const json =
      !rendering.as && rendering.format === 'json' && (await listObjectsJson(ctx, target, lopts))
    if (json) return sendJsonParts(res, 200, json)
    const list = await listObjects(ctx, target, lopts)
    sendObject(res, 200, transformList(entry, list, rendering, includeObject), rendering)
    return
  }
  if (verb === 'get') {
    if (sub === 'scale') return sendObject(res, 200, await getScale(ctx, target), rendering)
    if (sub === 'log') return podLog(ctx, target, q, res)
    if (sub && sub !== 'status') throw methodNotAllowed()
    if (!rendering.as && rendering.format === 'json') {
      return sendJsonText(res, 200, await getObjectJson(ctx, target))
    }
    const obj = await getObject(ctx, target)
    sendObject(
      res,
      200,
      sub ? obj : transformObject(entry, obj, rendering, includeObject),
      rendering
    )
    return
  }

  const needsBody = ['create', 'update', 'patch'].includes(verb)
  const raw =
    needsBody || verb === 'delete' || verb === 'deletecollection'
      ? await readBody(req)
      : Buffer.alloc(0)
  const contentType = req.headers['content-type']
  const media = mediaTypeOf(contentType)
  if (verb === 'patch' && !PATCH_MEDIA_TYPES[media]) throw unsupportedPatchType()
  const body = decodeBody(raw, contentType)
  if (needsBody && body === undefined)
    throw new ApiError(400, 'BadRequest', 'the request body is empty')

  const wopts = writeOptions(q, userAgent)
  let result
  switch (verb) {
    case 'create':
      if (sub === 'binding') result = await bindPod(ctx, target, body, wopts)
      else if (sub === 'eviction') result = await evictPod(ctx, target, body, !!wopts.dryRun)
      else if (!sub) result = await createObject(ctx, target, ownedBody(body), wopts)
      else throw methodNotAllowed()
      break
    case 'update':
      if (sub === 'scale') result = await writeScale(ctx, target, { put: body }, wopts)
      else if (!sub || sub === 'status' || sub === 'finalize')
        result = await updateObject(
          ctx,
          target,
          ownedBody(body),
          wopts,
          (sub ?? 'main') as WriteScope
        )
      else throw methodNotAllowed()
      break
    case 'patch': {
      const type = PATCH_MEDIA_TYPES[media]
      const force = boolParam(q, 'force') ?? false
      if (sub === 'scale')
        result = await writeScale(ctx, target, { patchType: type, patch: body }, wopts)
      else if (!sub || sub === 'status') {
        result = await patchObjectAt(
          ctx,
          target,
          type,
          body,
          { ...wopts, force },
          sub ? 'status' : 'main'
        )
      } else throw methodNotAllowed()
      break
    }
    case 'delete': {
      if (sub) throw methodNotAllowed()
      const done = await deleteObject(ctx, target, deleteOptions(q, body))
      const m = done.object.metadata
      const answer =
        done.deleted && !entry.returnsDeletedObject
          ? successStatus(200, {
              name: m.name,
              group: entry.group || undefined,
              kind: entry.plural,
              uid: m.uid
            })
          : done.object
      sendObject(res, 200, answer, rendering)
      return
    }
    case 'deletecollection': {
      const list = await deleteCollection(ctx, target, listOptions(q), deleteOptions(q, body))
      sendObject(res, 200, list, rendering)
      return
    }
    default:
      throw methodNotAllowed()
  }
  sendObject(res, result.code, result.object, rendering, result.warnings)
}
