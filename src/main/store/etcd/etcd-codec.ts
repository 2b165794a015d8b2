/**
 * Translation between the Store seam and etcd's wire shapes: key prefixes, prefix ranges,
 * key-values with string revisions, and etcd's error messages.
 */
import type { IKeyValue, IResponseHeader } from 'etcd3'
import type { KeyValue } from '../types'

/** etcd's message when a read or watch asks for history below the compaction point. */
const COMPACTED_MESSAGE = 'required revision has been compacted'
/** etcd's message when a read asks for a revision it has not reached. */
const FUTURE_MESSAGE = 'required revision is a future revision'

/** Maps store keys to etcd keys under a fixed prefix and back. */
export class EtcdKeyCodec {
  private readonly prefixBytes: Buffer

  constructor(readonly prefix: string) {
    this.prefixBytes = Buffer.from(prefix, 'utf8')
  }

  /** The etcd key for a store key. */
  encode(key: string): Buffer {
    return Buffer.from(this.prefix + key, 'utf8')
  }

  /** The store key for an etcd key (which always carries our prefix). */
  decode(key: Buffer): string {
    return key.subarray(this.prefixBytes.length).toString('utf8')
  }

  /** etcd's [key, range_end) for every store key that starts with `prefix`. */
  prefixRange(prefix: string): { key: Buffer; rangeEnd: Buffer } {
    const key = this.encode(prefix)
    return { key: key.length === 0 ? Buffer.from([0]) : key, rangeEnd: prefixEnd(key) }
  }

  /** A store key-value from an etcd one. */
  toKeyValue(kv: IKeyValue): KeyValue {
    return {
      key: this.decode(kv.key),
      value: kv.value ? kv.value.toString('utf8') : '',
      createRevision: Number(kv.create_revision),
      modRevision: Number(kv.mod_revision),
      version: Number(kv.version)
    }
  }
}

/**
 * The smallest key greater than every key that starts with `key` (etcd's `GetPrefixRangeEnd`):
 * the last byte below 0xff incremented, the rest dropped; `\0` (the whole keyspace) when every
 * byte is 0xff or the key is empty.
 */
export function prefixEnd(key: Buffer): Buffer {
  for (let i = key.length - 1; i >= 0; i--) {
    if (key[i] < 0xff) {
      const end = Buffer.from(key.subarray(0, i + 1))
      end[i] += 1
      return end
    }
  }
  return Buffer.from([0])
}

/** The revision in a response header as a number (etcd3 reports int64 values as strings). */
export function headerRevision(header: IResponseHeader | undefined): number {
  return Number(header?.revision ?? 0)
}

/** True when etcd refused a read because the revision was compacted. */
export function isCompactedError(err: unknown): boolean {
  return err instanceof Error && err.message.includes(COMPACTED_MESSAGE)
}

/** True when etcd refused a read because the revision is in the future. */
export function isFutureRevisionError(err: unknown): boolean {
  return err instanceof Error && err.message.includes(FUTURE_MESSAGE)
}
