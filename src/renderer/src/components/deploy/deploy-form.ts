/**
 * The Deploy form's model: what the user typed (all strings, as inputs hold them), its
 * validation into readable per-field messages, and its translation into a DeployInput.
 */
import { errorMessage } from '../../../../shared/desktop-wire'
import type { DeployInput } from '../../../../shared/desktop-api'
import {
  cpuQuantityError,
  dns1123LabelError,
  envVarNameError,
  memoryQuantityError
} from './k8s-validation'

/** The form's fields as typed. */
export interface DeployFormValues {
  name: string
  image: string
  replicas: string
  port: string
  /** One `NAME=value` per line; blank lines are ignored. */
  env: string
  cpu: string
  memory: string
  expose: boolean
  serviceType: 'ClusterIP' | 'NodePort'
  namespace: string
  /** Overrides the entrypoint: words separated by spaces, quotes group ("sh -c 'sleep 1'"). */
  command: string
}

export type DeployField = keyof DeployFormValues

/** A message per invalid field; empty when the form may be submitted. */
export type DeployFormErrors = Partial<Record<DeployField, string>>

/** What a fresh form holds. */
export function emptyDeployForm(): DeployFormValues {
  return {
    name: '',
    image: '',
    replicas: '1',
    port: '',
    env: '',
    cpu: '',
    memory: '',
    expose: false,
    serviceType: 'ClusterIP',
    namespace: 'default',
    command: ''
  }
}

/** Parses `NAME=value` lines; throws a message naming the first bad line. */
export function parseEnv(text: string): { name: string; value: string }[] {
  const env: { name: string; value: string }[] = []
  const seen = new Set<string>()
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim()
    if (line === '') return
    const at = line.indexOf('=')
    if (at <= 0) throw new Error(`line ${index + 1}: expected NAME=value`)
    const name = line.slice(0, at).trim()
    const problem = envVarNameError(name)
    if (problem) throw new Error(`line ${index + 1}: "${name}" ${problem}`)
    if (seen.has(name)) throw new Error(`line ${index + 1}: "${name}" is set twice`)
    seen.add(name)
    env.push({ name, value: line.slice(at + 1) })
  })
  return env
}

/** Splits a command line into words; single and double quotes group. Throws on an open quote. */
export function parseCommand(text: string): string[] {
  const words: string[] = []
  let word = ''
  let inWord = false
  let quote: '"' | "'" | null = null
  for (const ch of text) {
    if (quote) {
      if (ch === quote) quote = null
      else word += ch
    } else if (ch === '"' || ch === "'") {
      quote = ch
      inWord = true
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(word)
      word = ''
      inWord = false
    } else {
      word += ch
      inWord = true
    }
  }
  if (quote) throw new Error(`unclosed ${quote} quote`)
  if (inWord) words.push(word)
  return words
}

/** An integer in [min, max] parsed from `text`, or a message saying what is wrong. */
function integerIn(text: string, min: number, max: number): number | string {
  if (!/^\d+$/.test(text.trim())) return `must be a whole number from ${min} to ${max}`
  const value = Number(text.trim())
  return value < min || value > max ? `must be from ${min} to ${max}` : value
}

/** Checks every field; the messages read after the field's label ("Port must be …"). */
export function validateDeployForm(form: DeployFormValues): DeployFormErrors {
  const errors: DeployFormErrors = {}
  const name = dns1123LabelError(form.name.trim())
  if (name) errors.name = `Name ${name}`
  else if (form.expose && !/^[a-z]/.test(form.name.trim()))
    errors.name = 'Name must start with a letter to be exposed as a service'
  if (form.image.trim() === '') errors.image = 'Image is required'
  else if (/\s/.test(form.image.trim())) errors.image = 'Image must not contain spaces'
  const replicas = integerIn(form.replicas, 0, 1000)
  if (typeof replicas === 'string') errors.replicas = `Replicas ${replicas}`
  if (form.port.trim() !== '') {
    const port = integerIn(form.port, 1, 65535)
    if (typeof port === 'string') errors.port = `Port ${port}`
  } else if (form.expose) errors.port = 'Port is required to expose a service'
  try {
    parseEnv(form.env)
  } catch (err) {
    errors.env = `Environment ${errorMessage(err)}`
  }
  const cpu = form.cpu.trim() === '' ? null : cpuQuantityError(form.cpu.trim())
  if (cpu) errors.cpu = `CPU ${cpu}`
  const memory = form.memory.trim() === '' ? null : memoryQuantityError(form.memory.trim())
  if (memory) errors.memory = `Memory ${memory}`
  const namespace = dns1123LabelError(form.namespace.trim())
  if (namespace) errors.namespace = `Namespace ${namespace}`
  try {
    parseCommand(form.command)
  } catch (err) {
    errors.command = `Command has an ${errorMessage(err)}`
  }
  return errors
}

/** The DeployInput for a form `validateDeployForm` accepted. */
export function toDeployInput(form: DeployFormValues): DeployInput {
  const input: DeployInput = {
    name: form.name.trim(),
    image: form.image.trim(),
    replicas: Number(form.replicas.trim()),
    namespace: form.namespace.trim() || 'default',
    env: parseEnv(form.env),
    expose: form.expose
  }
  if (form.port.trim() !== '') input.port = Number(form.port.trim())
  if (form.cpu.trim() !== '') input.cpu = form.cpu.trim()
  if (form.memory.trim() !== '') input.memory = form.memory.trim()
  if (form.expose) input.serviceType = form.serviceType
  const command = parseCommand(form.command)
  if (command.length > 0) input.command = command
  return input
}
