/**
 * End to end, as a user of browser mode sees it: `kubedesk up --ui` with two process nodes, the
 * printed URL opened in real Chromium, and the app driven by its labels and buttons. A
 * screenshot of each view is saved to `.tmp/screenshots/` by every run.
 *
 * Needs the built renderer (`npm run build`; the README's install command builds it).
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  REPO_ROOT,
  removeDataDir,
  startCli,
  tempDataDir,
  type RunningCli
} from '../cli/cli-process'
import { launchChromium } from '../helpers/chromium'

const SCREENSHOTS = join(REPO_ROOT, '.tmp', 'screenshots')
const RENDERER_INDEX = join(REPO_ROOT, 'out', 'renderer', 'index.html')
/** Waits in this file are for a real cluster on two busy cores. */
const UI_TIMEOUT = 30_000

describe('the desktop UI in Chromium (browser mode, process nodes)', () => {
  let dataDir: string
  let up: RunningCli
  let browser: Browser
  let page: Page
  /** Uncaught errors and console errors of the page: a user never sees these as working. */
  const pageErrors: string[] = []

  beforeAll(async () => {
    if (!existsSync(RENDERER_INDEX)) {
      throw new Error(
        `the renderer is not built (${RENDERER_INDEX} is missing): run 'npm run build'`
      )
    }
    mkdirSync(SCREENSHOTS, { recursive: true })
    dataDir = tempDataDir()
    up = startCli([
      'up',
      '--ui',
      '--data-dir',
      dataDir,
      '--port',
      '0',
      '--provider',
      'process',
      '--nodes',
      '2',
      '--node-heartbeat',
      '2s',
      '--node-monitor-grace-period',
      '8s'
    ])
    await up.waitFor(/KubeDesk UI: http:\/\/127\.0\.0\.1:\d+\/\?token=\S+/, 'stdout')
    const url = /KubeDesk UI: (\S+)/.exec(up.stdout())![1]
    browser = await launchChromium()
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } })
    page.setDefaultTimeout(UI_TIMEOUT)
    page.on('pageerror', (err) => pageErrors.push(err.message))
    page.on('console', (msg) => {
      if (msg.type() === 'error') pageErrors.push(msg.text())
    })
    await page.goto(url)
    await up.waitFor(/KubeDesk is running/)
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    if (up && up.child.exitCode === null) {
      up.child.kill('SIGTERM')
      await up.exited
    }
    if (dataDir) removeDataDir(dataDir)
  }, 60_000)

  async function show(view: string): Promise<void> {
    await page.getByTestId(`nav-${view}`).click()
    await page.getByTestId(`view-${view}`).waitFor()
  }

  async function screenshot(view: string): Promise<void> {
    await page.screenshot({ path: join(SCREENSHOTS, `${view}.png`), fullPage: true })
  }

  it('drops the token from the address bar and shows the Cluster view with healthy components', async () => {
    expect(new URL(page.url()).search).toBe('')
    await show('cluster')
    for (const name of ['etcd', 'kube-apiserver', 'kube-scheduler', 'kube-controller-manager']) {
      await expect
        .poll(
          () =>
            page
              .locator(`[data-testid="component"][data-component="${name}"]`)
              .getAttribute('data-state'),
          {
            timeout: UI_TIMEOUT
          }
        )
        .toBe('running')
    }
    await screenshot('cluster')
  })

  it('shows every node of the cluster in the Nodes view', async () => {
    await show('nodes')
    const boxes = page.getByTestId('node-box')
    for (const node of ['kubedesk-worker', 'kubedesk-worker2']) {
      await expect
        .poll(
          () =>
            page
              .locator(`[data-testid="node-box"][data-node="${node}"] [data-testid="node-status"]`)
              .textContent(),
          { timeout: 60_000 }
        )
        .toMatch(/^\s*Ready/)
    }
    // Every Node the API holds (the workers and the control plane's own), each in one box.
    const listed = execFileSync(
      process.env.KUBECTL ?? 'kubectl',
      ['--kubeconfig', join(dataDir, 'kubeconfig'), 'get', 'nodes', '-o', 'name'],
      { encoding: 'utf8' }
    )
      .trim()
      .split('\n')
      .map((line) => line.replace(/^node\//, ''))
    const names = await boxes.evaluateAll((els) => els.map((e) => e.getAttribute('data-node')))
    expect(names.sort()).toEqual(listed.sort())
    await screenshot('nodes')
  })

  it('deploys through the form, and the pods appear inside node boxes', async () => {
    await show('deploy')
    const form = page.getByTestId('view-deploy')
    await form.getByLabel('Name', { exact: true }).fill('web')
    await form.getByLabel('Image', { exact: true }).fill('busybox')
    await form.getByLabel('Replicas', { exact: true }).fill('3')
    await form.getByLabel('Command').fill('sleep 3600')
    await screenshot('deploy')
    await form.getByRole('button', { name: 'Deploy', exact: true }).click()
    await page.getByTestId('view-nodes').waitFor()
    const running = page.locator(
      '[data-testid="node-box"] [data-testid="pod"][data-pod^="default/web-"][data-phase="Running"]'
    )
    await expect.poll(() => running.count(), { timeout: 90_000 }).toBe(3)
  })

  it('scales the deployment from the Workloads view', async () => {
    await show('workloads')
    await page.getByTestId('kind-Deployment').click()
    await page.locator('[data-testid="resource-row"][data-name="web"]').click()
    const panel = page.getByTestId('detail-panel')
    await panel.waitFor()
    await panel.getByLabel('Replicas').fill('5')
    await panel.getByRole('button', { name: 'Scale', exact: true }).click()
    await screenshot('workloads')
    // The open object is in the address, so a reload (or a shared link) shows it again.
    expect(new URL(page.url()).hash).toBe('#/workloads?name=web&objectNamespace=default')
    await page.reload()
    await page.getByTestId('detail-panel').getByLabel('Replicas').waitFor()
    await show('nodes')
    const pods = page.locator(
      '[data-testid="node-box"] [data-testid="pod"][data-pod^="default/web-"]'
    )
    await expect.poll(() => pods.count(), { timeout: 60_000 }).toBe(5)
  })

  it("shows the scheduler's log in the Logs view", async () => {
    await show('cluster')
    await page.locator('[data-testid="component"][data-component="kube-scheduler"]').click()
    const pane = page.locator('[data-testid="log-pane"][data-source="kube-scheduler"]')
    await pane.waitFor()
    await expect
      .poll(
        () =>
          pane
            .getByTestId('log-line')
            .filter({ hasText: /pod scheduled.*default\/web-/ })
            .count(),
        {
          timeout: UI_TIMEOUT
        }
      )
      .toBeGreaterThan(0)
    await screenshot('logs')
  })

  it('lists the cluster events and draws the metrics charts', async () => {
    await show('events')
    await expect
      .poll(() => page.getByTestId('event-row').filter({ hasText: 'Scheduled' }).count(), {
        timeout: UI_TIMEOUT
      })
      .toBeGreaterThan(0)
    await screenshot('events')
    await show('metrics')
    for (const id of ['node-cpu', 'node-memory', 'pods-by-phase', 'api-requests']) {
      await page.getByTestId(`chart-${id}`).locator('canvas').waitFor()
    }
    await screenshot('metrics')
  })

  it('opens a kubectl shell pointed at this cluster', async () => {
    await show('terminal')
    await page.getByRole('button', { name: 'kubectl shell' }).click()
    const terminal = page.getByTestId('terminal').last()
    await terminal.waitFor()
    await terminal.click()
    await page.keyboard.type('kubectl get namespaces\n')
    await expect.poll(() => terminal.textContent(), { timeout: UI_TIMEOUT }).toMatch(/kube-system/)
    await screenshot('terminal')
  })

  it('stops a node from the UI, and the node goes NotReady', async () => {
    await show('nodes')
    const box = page.locator('[data-testid="node-box"][data-node="kubedesk-worker2"]')
    await box.getByRole('button', { name: 'Actions' }).click()
    await box.getByRole('button', { name: 'Stop', exact: true }).click()
    // Stopping is destructive: the app asks in the page before doing it.
    await box.getByRole('button', { name: 'Confirm' }).click()
    await expect
      .poll(() => box.getByTestId('node-status').textContent(), { timeout: 60_000 })
      .toMatch(/NotReady|Unknown/)
    await screenshot('nodes-stopped')
  })

  it('ran without a page error or console error', () => {
    expect(pageErrors).toEqual([])
  })
})
