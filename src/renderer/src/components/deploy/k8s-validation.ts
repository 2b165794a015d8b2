/**
 * Kubernetes' own validation rules for names and quantities, as readable messages: the Deploy
 * form and the YAML lint both check these before anything reaches the API server.
 */

/** RFC 1123 label: what most names (Namespaces, Deployments' pods' labels, Services) must be. */
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/
/** RFC 1123 subdomain: dot-separated labels, at most 253 characters (most object names). */
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/
/** A resource.Quantity: a decimal number with an optional SI/binary suffix or exponent. */
const QUANTITY = /^[+]?(\d+(\.\d*)?|\.\d+)([KMGTPE]i|[mkMGTPE]|[eE][+-]?\d+)?$/
/** An environment variable name as the API server accepts it. */
const ENV_VAR_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/

/** Why `value` is not a DNS-1123 label, or null when it is. */
export function dns1123LabelError(value: string): string | null {
  if (value === '') return 'is required'
  if (value.length > 63) return 'must be at most 63 characters'
  if (!DNS1123_LABEL.test(value))
    return "must be lowercase letters, digits and '-', starting and ending with a letter or digit"
  return null
}

/** Why `value` is not a DNS-1123 subdomain, or null when it is. */
export function dns1123SubdomainError(value: string): string | null {
  if (value === '') return 'is required'
  if (value.length > 253) return 'must be at most 253 characters'
  if (!DNS1123_SUBDOMAIN.test(value))
    return "must be lowercase letters, digits, '-' and '.', starting and ending with a letter or digit"
  return null
}

/** Why `value` is not a CPU quantity ("250m", "0.5", "2"), or null when it is. */
export function cpuQuantityError(value: string): string | null {
  if (!QUANTITY.test(value) || !/^[+]?[\d.]+m?$/.test(value))
    return 'must be a CPU amount like 250m, 0.5 or 2'
  return null
}

/** Why `value` is not a memory quantity ("128Mi", "1Gi", "500M"), or null when it is. */
export function memoryQuantityError(value: string): string | null {
  if (!QUANTITY.test(value) || value.endsWith('m'))
    return 'must be a memory amount like 128Mi or 1Gi'
  return null
}

/** Why `value` is not an environment variable name, or null when it is. */
export function envVarNameError(value: string): string | null {
  if (!ENV_VAR_NAME.test(value))
    return "must be letters, digits, '_', '-' and '.', not starting with a digit"
  return null
}
