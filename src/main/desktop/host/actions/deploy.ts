/**
 * The Deploy form: checks what was typed (readable messages naming the field), builds a
 * Deployment (labels app=NAME, one container named NAME, requests = limits when given) and,
 * when asked, a Service on the port, and applies them as the YAML editor does.
 */
import { parseQuantity } from '../../../apiserver/admission/shape'
import type { ApiClient } from '../../../apiserver/client'
import type { DeployInput, DeployResult } from '../../../../shared/desktop-api'
import { applyObject } from './apply-yaml'

const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/
const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/
const MAX_REPLICAS = 1000

/** Why `input` cannot be deployed, or undefined when it can. */
export function deployInputError(input: DeployInput): string | undefined {
  if (!input || typeof input !== 'object') return 'the deploy form is empty'
  const { name, image, replicas, port, env, cpu, memory, namespace } = input
  if (typeof name !== 'string' || name === '') return 'Name is required'
  if (name.length > 63 || !DNS_1123_LABEL.test(name)) {
    return `Name '${name}' must be at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit`
  }
  if (namespace !== undefined && namespace !== '' && !DNS_1123_LABEL.test(namespace)) {
    return `Namespace '${namespace}' is not a valid namespace name`
  }
  if (typeof image !== 'string' || image.trim() === '') return 'Image is required'
  if (/\s/.test(image.trim())) return `Image '${image}' must not contain spaces`
  if (!Number.isInteger(replicas) || replicas < 0 || replicas > MAX_REPLICAS) {
    return `Replicas must be a whole number from 0 to ${MAX_REPLICAS}, not ${String(replicas)}`
  }
  if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) {
    return `Port must be a whole number from 1 to 65535, not ${String(port)}`
  }
  if (input.expose && port === undefined) return 'Expose as service needs a Port'
  if (input.serviceType !== undefined && !['ClusterIP', 'NodePort'].includes(input.serviceType)) {
    return `the service type must be ClusterIP or NodePort, not ${String(input.serviceType)}`
  }
  const seen = new Set<string>()
  for (const e of env ?? []) {
    if (!e || typeof e.name !== 'string' || !ENV_NAME.test(e.name)) {
      return `Environment variable name '${String(e?.name)}' must be letters, digits, '_', '-' or '.', not starting with a digit`
    }
    if (seen.has(e.name)) return `Environment variable ${e.name} is given twice`
    seen.add(e.name)
    if (typeof e.value !== 'string') return `Environment variable ${e.name} needs a text value`
  }
  for (const [field, value] of [
    ['CPU', cpu],
    ['Memory', memory]
  ] as const) {
    if (value === undefined || value === '') continue
    const n = parseQuantity(value)
    if (n === undefined || n <= 0) {
      return `${field} '${value}' is not a quantity (e.g. ${field === 'CPU' ? '250m or 1' : '128Mi or 1Gi'})`
    }
  }
  if (input.command !== undefined) {
    if (!Array.isArray(input.command) || input.command.some((c) => typeof c !== 'string')) {
      return 'the command must be a list of words'
    }
  }
  return undefined
}

/** The Deployment (and Service) the form stands for. */
export function deployObjects(input: DeployInput): Record<string, unknown>[] {
  const namespace = input.namespace || 'default'
  const labels = { app: input.name }
  const resources: Record<string, string> = {}
  if (input.cpu) resources.cpu = input.cpu
  if (input.memory) resources.memory = input.memory
  const container: Record<string, unknown> = { name: input.name, image: input.image.trim() }
  if (input.command && input.command.length > 0) container.command = input.command
  if (input.port !== undefined) container.ports = [{ containerPort: input.port, protocol: 'TCP' }]
  if ((input.env ?? []).length > 0) {
    container.env = input.env.map((e) => ({ name: e.name, value: e.value }))
  }
  if (Object.keys(resources).length > 0) {
    container.resources = { requests: resources, limits: { ...resources } }
  }
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: input.name, namespace, labels },
    spec: {
      replicas: input.replicas,
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [container] } }
    }
  }
  if (!input.expose) return [deployment]
  const service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: input.name, namespace, labels },
    spec: {
      type: input.serviceType ?? 'ClusterIP',
      selector: labels,
      ports: [{ port: input.port, targetPort: input.port, protocol: 'TCP' }]
    }
  }
  return [deployment, service]
}

/** Validates and applies the form; rejects when it is invalid or nothing could be applied. */
export async function deploy(client: ApiClient, input: DeployInput): Promise<DeployResult> {
  const error = deployInputError(input)
  if (error) throw new Error(error)
  const objects = deployObjects(input)
  const results = []
  // In order: the Deployment first, so a Service never selects nothing because its workload failed.
  for (const [i, object] of objects.entries())
    results.push(await applyObject(client, object, i + 1))
  const failed = results.find((r) => r.outcome === 'failed')
  if (failed && failed.document === 1) {
    throw new Error(`cannot deploy ${input.name}: ${failed.message ?? 'the API refused it'}`)
  }
  return {
    namespace: input.namespace || 'default',
    name: input.name,
    selector: `app=${input.name}`,
    results
  }
}
