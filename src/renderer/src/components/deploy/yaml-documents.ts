/**
 * Splits multi-document YAML into its documents with their character ranges, so a problem found
 * in one document (a parse error, a missing field, the server's refusal) can be underlined there.
 */
import { isScalar, parseAllDocuments, type Document } from 'yaml'

/** One document of the text. */
export interface YamlDocument {
  /** 1-based, counting only documents that hold something (as ApplyResult.document does). */
  index: number
  /** The document's content range in the text. */
  from: number
  to: number
  doc: Document.Parsed
  /** The fields that identify the object, when the document has them as strings. */
  kind?: string
  name?: string
}

const stringAt = (doc: Document.Parsed, path: string[]): string | undefined => {
  const value = doc.getIn(path) as unknown
  return typeof value === 'string' ? value : undefined
}

/** A document with nothing in it: `---` alone, only comments, or a bare null. */
const isEmpty = (doc: Document.Parsed): boolean =>
  doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)

/** Every non-empty document of `text`, in order. */
export function splitYamlDocuments(text: string): YamlDocument[] {
  const parsed = parseAllDocuments(text)
  // An empty stream comes back as an EmptyStream, not an array.
  const docs = Array.isArray(parsed) ? parsed : []
  const result: YamlDocument[] = []
  for (const doc of docs) {
    if (isEmpty(doc) && doc.errors.length === 0) continue
    const from = doc.contents?.range?.[0] ?? doc.range[0]
    const to = Math.max(from, doc.contents?.range?.[1] ?? doc.range[1])
    result.push({
      index: result.length + 1,
      from,
      to,
      doc,
      kind: stringAt(doc, ['kind']),
      name: stringAt(doc, ['metadata', 'name'])
    })
  }
  return result
}

/** The range of the first line of a document (where a "this document …" problem is shown). */
export function firstLineRange(text: string, doc: YamlDocument): { from: number; to: number } {
  const end = text.indexOf('\n', doc.from)
  const to = end === -1 || end > doc.to ? doc.to : end
  return { from: doc.from, to: Math.max(to, doc.from) }
}
