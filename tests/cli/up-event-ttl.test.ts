/**
 * `kubedesk up --event-ttl D` (kube-apiserver's flag): a duration reaching the control plane
 * options in seconds, absent by default (the API server keeps Events 1 h), refused below 1 s or
 * when it is no duration, and documented in `up --help`.
 */
import { describe, expect, it } from 'vitest'
import { UsageError } from '../../src/main/cli/errors'
import { UP_HELP } from '../../src/main/cli/help'
import { parseUpArgs } from '../../src/main/cli/up'

const env = { HOME: '/nonexistent-home', KUBEDESK_HOME: '/tmp/kubedesk-event-ttl-test' }

describe('kubedesk up --event-ttl', () => {
  it.each([
    [[], undefined],
    [['--event-ttl', '1h'], 3600],
    [['--event-ttl=90s'], 90],
    [['--event-ttl', '1m30s'], 90],
    [['--event-ttl', '1s'], 1]
  ])('%j gives eventTtlSeconds %j', (argv, seconds) => {
    expect(parseUpArgs(argv, env).controlPlane.eventTtlSeconds).toBe(seconds)
  })

  it.each([
    [['--event-ttl', '500ms'], "--event-ttl must be at least 1s (got '500ms')"],
    [
      ['--event-ttl', 'soon'],
      "--event-ttl must be a duration such as 30s, 5m, 1h30m or 2d (got 'soon')"
    ]
  ])('refuses %j', (argv, message) => {
    expect(() => parseUpArgs(argv, env)).toThrow(UsageError)
    expect(() => parseUpArgs(argv, env)).toThrow(message)
  })

  it('is documented in up --help with its default', () => {
    expect(UP_HELP).toMatch(/--event-ttl D\s+how long an Event is kept .*\(default 1h\)/)
  })
})
