/**
 * The browser side of the UI benchmark: Chromium (playwright-core, Debian's /usr/bin/chromium,
 * headless) opening the Nodes view of browser mode, the first-render time the renderer marks,
 * and the main thread's busy time from CDP's `Performance.getMetrics` (TaskDuration).
 */
import { existsSync } from 'node:fs'
import { chromium, type Browser, type CDPSession, type Page } from 'playwright-core'

export const CHROMIUM = '/usr/bin/chromium'
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run'
]
/** The bits of the page's DOM the probes read (this file compiles without the DOM library). */
interface PageDom {
  querySelectorAll(selector: string): { length: number }
  querySelector(selector: string): { getAttribute(name: string): string | null } | null
  getElementsByTagName(tag: string): { length: number }
  body: { innerText: string }
}
/** What the mark looks like from Node's typings. */
type MarkWithDetail = { startTime: number; detail?: unknown }

/** The mark NodesView.vue sets once the first full data set is on screen. */
const RENDERED_MARK = 'nodes-view-rendered'
/** … and once every node box is in the DOM (they are added in chunks after the first screen). */
const COMPLETE_MARK = 'nodes-view-complete'

export interface FirstRender {
  /** From navigation start to the mark: the counts and the first screen of boxes shown. */
  ms: number
  /** From navigation start to every node box being in the DOM. */
  completeMs: number
  /** What the view said it rendered (the mark's detail). */
  nodes: number
  pods: number
  /** Node boxes and pod squares in the DOM once complete. */
  domNodeBoxes: number
  domPods: number
  /** Every element in the document once complete. */
  domElements: number
  /** Where the time went: the page's scripts ran, the first full lists arrived (ms). */
  domContentLoadedMs: number
  subscribedMs: number
  nodesReceivedMs: number
  podsReceivedMs: number
}

/** One page of browser mode with a CDP session on it. */
export class NodesPage {
  private constructor(
    private readonly browser: Browser,
    readonly page: Page,
    private readonly cdp: CDPSession
  ) {}

  static async open(): Promise<NodesPage> {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (see ENVIRONMENT.md)`)
    }
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } })
    const cdp = await page.context().newCDPSession(page)
    await cdp.send('Performance.enable', { timeDomain: 'timeTicks' })
    return new NodesPage(browser, page, cdp)
  }

  /** Opens `#/nodes` and waits for the mark with `nodes` and `pods` all rendered. */
  async firstRender(
    url: string,
    nodes: number,
    pods: number,
    timeoutMs: number
  ): Promise<FirstRender> {
    const errors: string[] = []
    this.page.on('pageerror', (err) => errors.push(err.message))
    await this.page.goto(`${url}#/nodes`, { waitUntil: 'commit' })
    try {
      await this.page.waitForFunction(
        (name) => performance.getEntriesByName(name).length > 0,
        RENDERED_MARK,
        { timeout: timeoutMs, polling: 250 }
      )
    } catch (err) {
      const text = await this.page.evaluate(() =>
        (globalThis as unknown as { document: PageDom }).document.body.innerText.slice(0, 500)
      )
      throw new Error(
        `the Nodes view did not mark ${RENDERED_MARK} within ${timeoutMs} ms ` +
          `(page errors: ${errors.join('; ') || 'none'}; page says: ${JSON.stringify(text)})`,
        { cause: err }
      )
    }
    await this.page.waitForFunction(
      (name) => performance.getEntriesByName(name).length > 0,
      COMPLETE_MARK,
      { timeout: timeoutMs, polling: 250 }
    )
    const result = await this.page.evaluate(
      ([name, complete]) => {
        const document = (globalThis as unknown as { document: PageDom }).document
        const mark = performance.getEntriesByName(name)[0] as unknown as MarkWithDetail
        const detail = (mark.detail ?? {}) as { nodes?: number; pods?: number }
        return {
          ms: mark.startTime,
          completeMs: performance.getEntriesByName(complete)[0]?.startTime ?? NaN,
          nodes: detail.nodes ?? -1,
          pods: detail.pods ?? -1,
          domNodeBoxes: document.querySelectorAll('[data-testid="node-box"]').length,
          domPods: document.querySelectorAll('[data-testid="pod"]').length,
          domElements: document.getElementsByTagName('*').length,
          domContentLoadedMs:
            (
              (performance.getEntriesByType as (type: string) => unknown[])('navigation')[0] as
                { domContentLoadedEventEnd?: number } | undefined
            )?.domContentLoadedEventEnd ?? NaN,
          subscribedMs: performance.getEntriesByName('nodes-subscribed')[0]?.startTime ?? NaN,
          nodesReceivedMs: performance.getEntriesByName('nodes-list-received')[0]?.startTime ?? NaN,
          podsReceivedMs: performance.getEntriesByName('pods-list-received')[0]?.startTime ?? NaN
        }
      },
      [RENDERED_MARK, COMPLETE_MARK]
    )
    if (result.nodes !== nodes || result.pods !== pods) {
      throw new Error(
        `the Nodes view marked its first render with ${result.nodes} nodes and ${result.pods} ` +
          `pods; the cluster has ${nodes} and ${pods}`
      )
    }
    return result
  }

  /** Starts the page's CPU profiler (`--profile`); `stopProfile` answers the profile. */
  async startProfile(): Promise<void> {
    await this.cdp.send('Profiler.enable')
    await this.cdp.send('Profiler.start')
  }

  async stopProfile(): Promise<unknown> {
    const { profile } = (await this.cdp.send('Profiler.stop')) as { profile: unknown }
    return profile
  }

  /** The main thread's task time so far, in ms (CDP TaskDuration), and the heap in MB. */
  async metrics(): Promise<{ taskMs: number; heapMb: number; at: number }> {
    const { metrics } = (await this.cdp.send('Performance.getMetrics')) as {
      metrics: { name: string; value: number }[]
    }
    const value = (name: string): number => metrics.find((m) => m.name === name)?.value ?? NaN
    return {
      taskMs: value('TaskDuration') * 1000,
      heapMb: value('JSHeapUsedSize') / 2 ** 20,
      at: performance.now()
    }
  }

  /** Resolves once the summary shows `count` Pending pods (polled every 100 ms), with the time. */
  async untilPending(count: number, timeoutMs: number): Promise<number> {
    await this.page.waitForFunction(
      (want) => {
        const document = (globalThis as unknown as { document: PageDom }).document
        const el = document.querySelector('[data-testid="nodes-summary"] [data-phase="Pending"]')
        return Number(el?.getAttribute('data-count') ?? 0) === want
      },
      count,
      { timeout: timeoutMs, polling: 100 }
    )
    return performance.now()
  }

  async close(): Promise<void> {
    await this.browser.close().catch(() => undefined)
  }
}
