/**
 * The store's typed failures. The API server maps them to Kubernetes `Status` objects:
 * KeyExists → 409 AlreadyExists, KeyNotFound → 404 NotFound, Conflict → 409 Conflict,
 * Compacted → 410 Expired, StoreCorrupt → startup failure with the file named.
 */

/** Base class: every store failure has a stable `code` callers can switch on. */
export class StoreError extends Error {
  constructor(
    readonly code:
      | 'KeyExists'
      | 'KeyNotFound'
      | 'Conflict'
      | 'Compacted'
      | 'FutureRevision'
      | 'Corrupt'
      | 'Closed',
    message: string
  ) {
    super(message)
    this.name = `Store${code}Error`
  }
}

/** `create` found the key already there. */
export class KeyExistsError extends StoreError {
  constructor(readonly key: string) {
    super('KeyExists', `key already exists: ${key}`)
  }
}

/** `update`, `delete` or a guarded write found no such key. */
export class KeyNotFoundError extends StoreError {
  constructor(readonly key: string) {
    super('KeyNotFound', `key not found: ${key}`)
  }
}

/** A compare-and-swap write found the key at another revision than expected. */
export class ConflictError extends StoreError {
  constructor(
    readonly key: string,
    readonly expectedModRevision: number,
    readonly actualModRevision: number
  ) {
    super(
      'Conflict',
      `key ${key} was modified: expected mod revision ${expectedModRevision}, found ${actualModRevision}`
    )
  }
}

/** A read or watch asked for history that compaction discarded. */
export class CompactedError extends StoreError {
  constructor(
    readonly requestedRevision: number,
    readonly compactRevision: number
  ) {
    super(
      'Compacted',
      `revision ${requestedRevision} has been compacted; the oldest available is ${compactRevision}`
    )
  }
}

/** A read asked for a revision the store has not reached yet. */
export class FutureRevisionError extends StoreError {
  constructor(
    readonly requestedRevision: number,
    readonly currentRevision: number
  ) {
    super(
      'FutureRevision',
      `revision ${requestedRevision} is in the future; the current revision is ${currentRevision}`
    )
  }
}

/** The database file is damaged or is not a KubeDesk store. */
export class StoreCorruptError extends StoreError {
  constructor(
    readonly file: string,
    detail: string
  ) {
    super('Corrupt', `${file} is not a usable KubeDesk store: ${detail}`)
  }
}

/** An operation reached a store after `close()`. */
export class StoreClosedError extends StoreError {
  constructor() {
    super('Closed', 'the store is closed')
  }
}
