/**
 * String formats Kubernetes validates (k8s.io/apimachinery pkg/util/validation): DNS names,
 * qualified names, label values, config keys, port names, percentages. Each check answers the
 * list of messages kube-apiserver would give, empty when the value is fine.
 */

const DNS1123_LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?'
const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`
const DNS1035_LABEL_FMT = '[a-z]([-a-z0-9]*[a-z0-9])?'
const QNAME_FMT = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]'
const LABEL_VALUE_FMT = `(${QNAME_FMT})?`
const CONFIG_KEY_FMT = '[-._a-zA-Z0-9]+'
const PERCENT_FMT = '[0-9]+%'

const whole = (fmt: string): RegExp => new RegExp(`^${fmt}$`)
const DNS1123_LABEL = whole(DNS1123_LABEL_FMT)
const DNS1123_SUBDOMAIN = whole(DNS1123_SUBDOMAIN_FMT)
const DNS1035_LABEL = whole(DNS1035_LABEL_FMT)
const QNAME = whole(QNAME_FMT)
const LABEL_VALUE = whole(LABEL_VALUE_FMT)
const CONFIG_KEY = whole(CONFIG_KEY_FMT)
const PERCENT = whole(PERCENT_FMT)

/** apimachinery's RegexError: the message, examples, and the regex used. */
export function regexError(msg: string, fmt: string, ...examples: string[]): string {
  if (examples.length === 0) return `${msg} (regex used for validation is '${fmt}')`
  // The doubled space ("'a',  or 'b'") is kube's, and users grep for these lines.
  const eg = examples.map((e) => `'${e}', `).join(' or ')
  return `${msg} (e.g. ${eg}regex used for validation is '${fmt}')`
}

/** `must be no more than N characters`. */
export function maxLenError(n: number): string {
  return `must be no more than ${n} characters`
}

/** `must be between lo and hi, inclusive`. */
export function inclusiveRangeError(lo: number, hi: number): string {
  return `must be between ${lo} and ${hi}, inclusive`
}

/** `must be greater than or equal to 0`. */
export const IS_NEGATIVE_ERROR = 'must be greater than or equal to 0'

/** Messages for a DNS-1123 label (namespace names, container names, volume names …). */
export function isDNS1123Label(value: string): string[] {
  const errs: string[] = []
  if (value.length > 63) errs.push(maxLenError(63))
  if (!DNS1123_LABEL.test(value)) {
    errs.push(
      regexError(
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
        DNS1123_LABEL_FMT,
        'my-name',
        '123-abc'
      )
    )
  }
  return errs
}

/** Messages for a DNS-1123 subdomain (most object names). */
export function isDNS1123Subdomain(value: string): string[] {
  const errs: string[] = []
  if (value.length > 253) errs.push(maxLenError(253))
  if (!DNS1123_SUBDOMAIN.test(value)) {
    errs.push(
      regexError(
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
        DNS1123_SUBDOMAIN_FMT,
        'example.com'
      )
    )
  }
  return errs
}

/** Messages for a DNS-1035 label (service names). */
export function isDNS1035Label(value: string): string[] {
  const errs: string[] = []
  if (value.length > 63) errs.push(maxLenError(63))
  if (!DNS1035_LABEL.test(value)) {
    errs.push(
      regexError(
        "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character",
        DNS1035_LABEL_FMT,
        'my-name',
        'abc-123'
      )
    )
  }
  return errs
}

/** How an object's name is checked; `prefix` is true for `generateName` (a trailing '-' is fine). */
export type NameCheck = (name: string, prefix: boolean) => string[]

function masked(check: (v: string) => string[]): NameCheck {
  // generateName gets a suffix appended, so a trailing dash is allowed there.
  return (name, prefix) => check(prefix && name.endsWith('-') ? `${name.slice(0, -1)}a` : name)
}

/** NameIsDNSSubdomain. */
export const nameIsDNSSubdomain: NameCheck = masked(isDNS1123Subdomain)
/** NameIsDNSLabel. */
export const nameIsDNSLabel: NameCheck = masked(isDNS1123Label)
/** NameIsDNS1035Label. */
export const nameIsDNS1035Label: NameCheck = masked(isDNS1035Label)

const QNAME_MSG =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"

/** Messages for a qualified name (`[prefix/]name`): label keys, annotation keys, taint keys. */
export function isQualifiedName(value: string): string[] {
  // Label and annotation keys recur across objects: a name found valid is not checked again.
  if (qualifiedNames.has(value)) return []
  const errs = qualifiedNameErrors(value)
  if (errs.length === 0) {
    if (qualifiedNames.size >= MAX_QUALIFIED_NAMES) qualifiedNames.clear()
    qualifiedNames.add(value)
  }
  return errs
}

const qualifiedNames = new Set<string>()
const MAX_QUALIFIED_NAMES = 4096

function qualifiedNameErrors(value: string): string[] {
  const errs: string[] = []
  const parts = value.split('/')
  let name: string
  if (parts.length === 1) {
    name = parts[0]
  } else if (parts.length === 2) {
    const prefix = parts[0]
    name = parts[1]
    if (prefix.length === 0) errs.push('prefix part must be non-empty')
    else errs.push(...isDNS1123Subdomain(prefix).map((m) => `prefix part ${m}`))
  } else {
    return [
      `a qualified name ${regexError(QNAME_MSG, QNAME_FMT, 'MyName', 'my.name', '123-abc')} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`
    ]
  }
  if (name.length === 0) errs.push('name part must be non-empty')
  else if (name.length > 63) errs.push(`name part ${maxLenError(63)}`)
  if (!QNAME.test(name)) {
    errs.push(`name part ${regexError(QNAME_MSG, QNAME_FMT, 'MyName', 'my.name', '123-abc')}`)
  }
  return errs
}

/** Messages for a label value. */
export function isValidLabelValue(value: string): string[] {
  const errs: string[] = []
  if (value.length > 63) errs.push(maxLenError(63))
  if (!LABEL_VALUE.test(value)) {
    errs.push(
      regexError(
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
        LABEL_VALUE_FMT,
        'MyValue',
        'my_value',
        '12345'
      )
    )
  }
  return errs
}

/** Messages for a ConfigMap or Secret key. */
export function isConfigMapKey(value: string): string[] {
  const errs: string[] = []
  if (value.length > 253) errs.push(maxLenError(253))
  if (!CONFIG_KEY.test(value)) {
    errs.push(
      regexError(
        "a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
        CONFIG_KEY_FMT,
        'key.name',
        'KEY_NAME',
        'key-name'
      )
    )
  }
  if (value === '.') errs.push("must not be '.'")
  else if (value === '..') errs.push("must not be '..'")
  else if (value.startsWith('..')) errs.push("must not start with '..'")
  return errs
}

/** Messages for a port name (IANA_SVC_NAME). */
export function isValidPortName(value: string): string[] {
  const errs: string[] = []
  if (value.length > 15) errs.push('must be no more than 15 characters')
  if (!/^[-a-z0-9]+$/.test(value)) {
    errs.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)')
  }
  if (!/[a-z]/.test(value)) errs.push('must contain at least one letter (a-z)')
  if (value.includes('--')) errs.push('must not contain consecutive hyphens')
  if (value.startsWith('-') || value.endsWith('-')) errs.push('must not begin or end with a hyphen')
  return errs
}

/** Messages for a port number. */
export function isValidPortNum(port: number): string[] {
  return Number.isInteger(port) && port >= 1 && port <= 65535 ? [] : [inclusiveRangeError(1, 65535)]
}

/** Messages for an environment variable name (RelaxedEnvironmentVariableValidation, on in 1.32). */
export function isEnvVarName(value: string): string[] {
  return /^[\x20-\x3c\x3e-\x7e]+$/.test(value)
    ? []
    : [
        "a valid environment variable name must consist only of printable ASCII characters other than '='"
      ]
}

/** Messages for a percentage string such as `25%`. */
export function isValidPercent(value: string): string[] {
  return PERCENT.test(value)
    ? []
    : [
        regexError(
          "a valid percent string must be a numeric string followed by an ending '%'",
          PERCENT_FMT,
          '1%',
          '93%'
        )
      ]
}

/** Whether `value` is a textual IPv4 or IPv6 address. */
export function isIP(value: string): boolean {
  if (/^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/.test(value)) {
    return true
  }
  return value.includes(':') && /^[0-9a-fA-F:.]+$/.test(value) && value.split('::').length <= 2
}

/** Whether `value` is a CIDR such as `10.244.1.0/24`. */
export function isCIDR(value: string): boolean {
  const [ip, bits, extra] = value.split('/')
  if (extra !== undefined || bits === undefined || !/^\d{1,3}$/.test(bits)) return false
  const max = ip.includes(':') ? 128 : 32
  return isIP(ip) && Number(bits) <= max
}
