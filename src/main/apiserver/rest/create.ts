/**
 * create: names (`generateName`), identity (uid, creationTimestamp, generation), initial status,
 * managedFields, admission and validation, the write hooks (Service allocations), then the store
 * (skipped with dryRun).
 */
import { randomUUID } from 'node:crypto'
import { badRequest, invalid } from '../api-errors'
import { patchSchemaOf, recordWrite, validateFieldManager } from './collaborators'
import {
  managerOf,
  timestamp,
  writableMeta,
  type RestContext,
  type Target,
  type WriteOptions,
  type WriteResult
} from './context'
import {
  admitAndValidate,
  alignNamespace,
  asObjectOf,
  checkNamespace,
  checkUnknownFields
} from './object-checks'

// The alphabet of kube-apiserver's generated name suffixes: no vowels, no look-alike digits.
const SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789'

function randomSuffix(): string {
  let s = ''
  for (let i = 0; i < 5; i++)
    s += SUFFIX_ALPHABET[Math.floor(Math.random() * SUFFIX_ALPHABET.length)]
  return s
}

/** Creates an object from a client's body. */
export async function createObject(
  ctx: RestContext,
  target: Target,
  body: unknown,
  opts: WriteOptions,
  managedAlready = false
): Promise<WriteResult> {
  const { entry } = target
  validateFieldManager(opts.fieldManager, { apply: false, options: 'CreateOptions' })
  const obj = asObjectOf(entry, body)
  const meta = writableMeta(obj)
  alignNamespace(target, obj)
  if (!meta.name && meta.generateName) meta.name = meta.generateName + randomSuffix()
  if (!meta.name) {
    throw invalid(entry.kind, entry.group, '', [
      {
        reason: 'FieldValueRequired',
        field: 'metadata.name',
        message: 'Required value: name or generateName is required'
      }
    ])
  }
  if (meta.resourceVersion)
    throw badRequest('resourceVersion should not be set on objects to be created')
  await checkNamespace(ctx, { ...target, namespace: meta.namespace, name: meta.name }, true)
  const warnings = checkUnknownFields(entry, obj, opts)

  const now = ctx.now()
  meta.uid = randomUUID()
  meta.creationTimestamp = timestamp(now)
  delete meta.deletionTimestamp
  delete meta.deletionGracePeriodSeconds
  if (entry.tracksGeneration) meta.generation = 1
  else delete meta.generation
  if (entry.initialStatus) obj.status = entry.initialStatus()
  admitAndValidate(entry, 'CREATE', obj, undefined, false, ctx.admission)
  const recorded = managedAlready
    ? obj
    : recordWrite(undefined, obj, {
        manager: managerOf(opts),
        operation: 'Update',
        schema: patchSchemaOf(entry.group, entry.version, entry.kind),
        now: timestamp(now)
      })
  // After managedFields: what the registry allocates (a Service's clusterIP) is nobody's field.
  const txn = ctx.writeHooks?.beginCreate(entry, recorded, !!opts.dryRun)
  if (opts.dryRun) {
    txn?.commit()
    return { object: recorded, code: 201, warnings }
  }
  let stored
  try {
    stored = await ctx.storage.create(entry, recorded)
  } catch (err) {
    txn?.revert()
    throw err
  }
  txn?.commit()
  return { object: stored, code: 201, warnings }
}
