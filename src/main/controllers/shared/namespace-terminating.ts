/**
 * Recognises the refusal kube-apiserver's NamespaceLifecycle admission gives creates in a
 * namespace being deleted (`NamespaceTerminating` cause): controllers drop such a key rather than
 * retry, since the namespace controller is about to remove everything in it.
 */

/** Whether a write failed because its namespace is being terminated. */
export function isNamespaceTerminating(err: unknown): boolean {
  const e = err as { code?: number; message?: string } | undefined
  return e?.code === 403 && (e.message ?? '').includes('because it is being terminated')
}
