/**
 * Launches Debian's Chromium (/usr/bin/chromium, installed by `npm test`'s script) headless with
 * playwright-core, with the flags this closed network needs: without the background-networking
 * ones Chromium keeps dialling Google's hosts and the machine refuses each connection.
 */
import { existsSync } from 'node:fs'
import { chromium, type Browser } from 'playwright-core'

/** Where Chromium is expected; CHROMIUM_BIN overrides. */
export const CHROMIUM_BIN = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium'

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync'
]

/** A headless Chromium; rejects with a readable message when the binary is missing. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_BIN)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM_BIN}: run 'npm test' (it installs Debian's chromium) or set CHROMIUM_BIN`
    )
  }
  return chromium.launch({ executablePath: CHROMIUM_BIN, args: CHROMIUM_ARGS })
}
