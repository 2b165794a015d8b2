/**
 * What the process runtime remembers about sandboxes and containers: kept in memory and written
 * as one JSON file each under `<rootDir>/sandboxes` and `<rootDir>/containers`, so a restarted
 * kubelet sees the pods and exited containers of the one before.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { ContainerStatus, PodSandboxConfig, PodSandboxStatus } from '../types'

/** A sandbox: its status plus what it was asked for. */
export interface SandboxRecord {
  status: PodSandboxStatus
  hostname: string
  portMappings: NonNullable<PodSandboxConfig['portMappings']>
}

/** A container: its status plus how to run it. */
export interface ContainerRecord {
  status: ContainerStatus
  argv: string[]
  env: Record<string, string>
  cwd: string
  /** The process group leader while running, and its /proc start time (pid reuse check). */
  pid?: number
  pidStartTime?: number
}

const DATE_FIELDS = ['createdAt', 'startedAt', 'finishedAt']

function revive<T extends { status: object }>(record: T): T {
  const status = record.status as Record<string, unknown>
  for (const field of DATE_FIELDS) {
    if (typeof status[field] === 'string') status[field] = new Date(status[field] as string)
  }
  return record
}

/** The JSON files of one kind of record in one directory. */
export class RecordDir<T extends { status: { id: string } }> {
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true })
  }

  /** Every readable record (unreadable files are skipped and reported to `onBad`). */
  loadAll(onBad: (file: string, err: unknown) => void): T[] {
    const out: T[] = []
    for (const file of readdirSync(this.dir)) {
      if (!file.endsWith('.json')) continue
      try {
        out.push(revive(JSON.parse(readFileSync(join(this.dir, file), 'utf8')) as T))
      } catch (err) {
        onBad(file, err)
      }
    }
    return out
  }

  /** Writes a record atomically (temp file + rename). */
  save(record: T): void {
    const path = join(this.dir, `${record.status.id}.json`)
    writeFileSync(`${path}.tmp`, JSON.stringify(record))
    renameSync(`${path}.tmp`, path)
  }

  delete(id: string): void {
    rmSync(join(this.dir, `${id}.json`), { force: true })
  }
}
