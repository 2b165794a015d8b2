/**
 * Tables of batch/v1 kinds: jobs (NAME STATUS COMPLETIONS DURATION AGE) and cronjobs
 * (NAME SCHEDULE TIMEZONE SUSPEND ACTIVE LAST SCHEDULE AGE), each with wide CONTAINERS IMAGES
 * SELECTOR.
 */
import type { LabelSelector as LabelSelectorObject } from 'kubernetes-types/meta/v1'
import { formatLabelSelector } from '../selectors/label-selector'
import { array, containerCells, humanDuration, int, parseTime, record, since, str } from './format'
import {
  ageColumn,
  column,
  containersColumns,
  nameColumn,
  selectorColumn,
  type TablePrinter
} from './table'

type Json = Record<string, unknown>

const selectorDescription =
  'A label query over pods that should match the pod count. Normally, the system sets this field for you.'

/** Whether the job's first condition of `type` is True (`hasJobCondition`). */
function hasCondition(status: Json, type: string): boolean {
  return (
    array(status.conditions)
      .map(record)
      .find((c) => c.type === type)?.status === 'True'
  )
}

/** `2/3`, or `1/1 of 4` for a work queue with parallelism (`completions` unset). */
function completions(spec: Json, status: Json): string {
  const succeeded = int(status.succeeded)
  if (spec.completions !== undefined && spec.completions !== null) {
    return `${succeeded}/${int(spec.completions)}`
  }
  const parallelism = int(spec.parallelism)
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`
}

function jobStatus(obj: Json, status: Json): string {
  if (hasCondition(status, 'Complete')) return 'Complete'
  if (hasCondition(status, 'Failed')) return 'Failed'
  if (record(obj.metadata).deletionTimestamp !== undefined) return 'Terminating'
  if (hasCondition(status, 'Suspended')) return 'Suspended'
  if (hasCondition(status, 'FailureTarget')) return 'FailureTarget'
  return 'Running'
}

/** Jobs. DURATION runs from start to completion, or to now while running; empty before start. */
export const jobPrinter: TablePrinter = {
  columns: [
    nameColumn(),
    column('Status', 'string', 'Status of the job.'),
    column('Completions', 'string', 'The number of pods which reached phase Succeeded.'),
    column('Duration', 'string', 'Time required to complete the job.'),
    ageColumn(),
    ...containersColumns(),
    selectorColumn(selectorDescription)
  ],
  row(obj, now) {
    const job = obj as unknown as Json
    const spec = record(job.spec)
    const status = record(job.status)
    const start = parseTime(status.startTime)
    const end = parseTime(status.completionTime)
    const duration = start === undefined ? '' : humanDuration((end ?? now.getTime()) - start)
    const [names, images] = containerCells(record(record(spec.template).spec).containers)
    return {
      cells: [
        str(obj.metadata?.name),
        jobStatus(job, status),
        completions(spec, status),
        duration,
        since(obj.metadata?.creationTimestamp, now),
        names,
        images,
        formatLabelSelector(spec.selector as LabelSelectorObject | undefined)
      ]
    }
  }
}

/** `True`, `False`, or `<unset>` for a missing boolean (`printBoolPtr`). */
function boolPtr(value: unknown): string {
  if (typeof value !== 'boolean') return '<unset>'
  return value ? 'True' : 'False'
}

/** CronJobs. */
export const cronJobPrinter: TablePrinter = {
  columns: [
    nameColumn(),
    column(
      'Schedule',
      'string',
      'The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.'
    ),
    column(
      'Timezone',
      'string',
      'The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones.'
    ),
    column(
      'Suspend',
      'boolean',
      'This flag tells the controller to suspend subsequent executions, it does not apply to already started executions.'
    ),
    column('Active', 'integer', 'A list of pointers to currently running jobs.'),
    column(
      'Last Schedule',
      'string',
      'Information when was the last time the job was successfully scheduled.'
    ),
    ageColumn(),
    ...containersColumns(),
    selectorColumn(selectorDescription)
  ],
  row(obj, now) {
    const spec = record((obj as unknown as Json).spec)
    const status = record((obj as unknown as Json).status)
    const jobSpec = record(record(spec.jobTemplate).spec)
    const [names, images] = containerCells(record(record(jobSpec.template).spec).containers)
    const lastSchedule =
      status.lastScheduleTime === undefined ? '<none>' : since(status.lastScheduleTime, now)
    return {
      cells: [
        str(obj.metadata?.name),
        str(spec.schedule),
        str(spec.timeZone) || '<none>',
        boolPtr(spec.suspend),
        array(status.active).length,
        lastSchedule,
        since(obj.metadata?.creationTimestamp, now),
        names,
        images,
        formatLabelSelector(jobSpec.selector as LabelSelectorObject | undefined)
      ]
    }
  }
}
