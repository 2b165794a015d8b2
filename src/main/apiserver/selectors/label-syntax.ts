/**
 * Label key and value syntax, with the messages kube-apiserver (v1.32) gives when they are wrong
 * (apimachinery `validation.IsQualifiedName` / `IsValidLabelValue`). Selectors quote these
 * messages to the user, so the wording is kept word for word, double spaces included.
 */

const qualifiedNameFmt = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]'
const qualifiedNameErrMsg =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
const qualifiedNameRegexp = new RegExp(`^${qualifiedNameFmt}$`)
const qualifiedNameMaxLength = 63

const labelValueFmt = `(${qualifiedNameFmt})?`
const labelValueErrMsg =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
const labelValueRegexp = new RegExp(`^${labelValueFmt}$`)

const dns1123LabelFmt = '[a-z0-9]([-a-z0-9]*[a-z0-9])?'
const dns1123SubdomainFmt = `${dns1123LabelFmt}(\\.${dns1123LabelFmt})*`
const dns1123SubdomainErrMsg =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character"
const dns1123SubdomainRegexp = new RegExp(`^${dns1123SubdomainFmt}$`)
const dns1123SubdomainMaxLength = 253

/** `must be no more than N characters`, as apimachinery words it. */
export function maxLenError(length: number): string {
  return `must be no more than ${length} characters`
}

/** A regex failure with examples, in apimachinery's exact format (`(e.g. 'a',  or 'b', regex …)`). */
export function regexError(msg: string, fmt: string, ...examples: string[]): string {
  if (examples.length === 0) return `${msg} (regex used for validation is '${fmt}')`
  let text = `${msg} (e.g. `
  examples.forEach((example, i) => {
    if (i > 0) text += ' or '
    text += `'${example}', `
  })
  return `${text}regex used for validation is '${fmt}')`
}

/** Problems with a DNS-1123 subdomain (empty list when valid). */
export function dns1123SubdomainErrors(value: string): string[] {
  const errs: string[] = []
  if (value.length > dns1123SubdomainMaxLength) errs.push(maxLenError(dns1123SubdomainMaxLength))
  if (!dns1123SubdomainRegexp.test(value)) {
    errs.push(regexError(dns1123SubdomainErrMsg, dns1123SubdomainFmt, 'example.com'))
  }
  return errs
}

/** Problems with a label key (`[prefix/]name`), empty when valid: `IsQualifiedName`. */
export function labelKeyErrors(value: string): string[] {
  const errs: string[] = []
  const parts = value.split('/')
  let name: string
  if (parts.length === 1) {
    name = parts[0]
  } else if (parts.length === 2) {
    const prefix = parts[0]
    name = parts[1]
    if (prefix.length === 0) errs.push('prefix part must be non-empty')
    else errs.push(...dns1123SubdomainErrors(prefix).map((m) => `prefix part ${m}`))
  } else {
    return [
      'a qualified name ' +
        regexError(qualifiedNameErrMsg, qualifiedNameFmt, 'MyName', 'my.name', '123-abc') +
        " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
    ]
  }
  if (name.length === 0) errs.push('name part must be non-empty')
  else if (name.length > qualifiedNameMaxLength) {
    errs.push(`name part ${maxLenError(qualifiedNameMaxLength)}`)
  }
  if (!qualifiedNameRegexp.test(name)) {
    errs.push(
      'name part ' +
        regexError(qualifiedNameErrMsg, qualifiedNameFmt, 'MyName', 'my.name', '123-abc')
    )
  }
  return errs
}

/** Problems with a label value (empty list when valid): `IsValidLabelValue`. */
export function labelValueErrors(value: string): string[] {
  const errs: string[] = []
  if (value.length > qualifiedNameMaxLength) errs.push(maxLenError(qualifiedNameMaxLength))
  if (!labelValueRegexp.test(value)) {
    errs.push(regexError(labelValueErrMsg, labelValueFmt, 'MyValue', 'my_value', '12345'))
  }
  return errs
}

/** Go's `%q` for a string: double-quoted with Go escapes (close enough to strconv.Quote). */
export function goQuote(value: string): string {
  return JSON.stringify(value)
}

/** `<field>: Invalid value: "<value>": <detail>` — a field.Invalid error rendered as Go does. */
export function invalidValue(field: string, value: string, detail: string): string {
  return `${field}: Invalid value: ${goQuote(value)}: ${detail}`
}

/** An aggregate of messages rendered like apimachinery's `utilerrors.Aggregate.Error()`. */
export function aggregateMessage(messages: string[]): string {
  const unique = [...new Set(messages)]
  if (unique.length === 1) return unique[0]
  return `[${unique.join(', ')}]`
}
