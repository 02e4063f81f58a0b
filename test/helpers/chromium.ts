/**
 * Opens pages in Debian's headless Chromium (`apt-get install -y chromium`; .ci/run installs it) over
 * the DevTools protocol (puppeteer-core: no browser download), with the network cut three ways:
 *
 * - Chromium's own flags: every host resolves to nothing, every request goes to a proxy that does not
 *   exist, and the background services (updates, sync, safe browsing, metrics) are off;
 * - the DevTools network emulation is offline;
 * - every request the page makes is recorded (`requests`): a test expects only the page itself.
 *
 * A missing Chromium is a test failure that says how to install it, never a skip.
 */
import { existsSync, mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import puppeteer, { Browser, Page } from 'puppeteer-core';

/** The Chromium binary: CHROMIUM_PATH, else Debian's. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Flags that leave Chromium no way to reach a network (the page is a file). */
export const OFFLINE_FLAGS = [
  '--no-sandbox',
  '--host-resolver-rules=MAP * ~NOTFOUND',
  '--proxy-server=127.0.0.1:9',
  '--proxy-bypass-list=<-loopback>',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-domain-reliability',
  '--disable-sync',
  '--disable-client-side-phishing-detection',
  '--disable-default-apps',
  '--disable-features=Translate,OptimizationHints,MediaRouter,InterestFeedContentSuggestions,DialMediaRouteProvider',
  '--metrics-recording-only',
  '--no-first-run',
  '--no-default-browser-check',
  '--no-pings',
  '--dns-prefetch-disable',
];

/** Fails (never skips) when Chromium is not installed. */
export function requireChromium(bin: string = CHROMIUM): string {
  if (!existsSync(bin)) {
    throw new Error(`Chromium is not installed at ${bin}: the HTML report tests open the page in it. `
      + 'Install it with `sudo apt-get install -y chromium` (Debian/Ubuntu; .ci/run does this), or set CHROMIUM_PATH to a Chromium binary.');
  }
  return bin;
}

export interface OfflineBrowser {
  readonly browser: Browser;
  close(): Promise<void>;
}

/** Start headless Chromium, talking DevTools over a pipe (no debugging port). */
export async function launchOffline(): Promise<OfflineBrowser> {
  const executablePath = requireChromium();
  const userDataDir = mkdtempSync(path.join(tmpdir(), 'report-chromium-'));
  const browser = await puppeteer.launch({
    executablePath,
    headless: true,
    pipe: true,
    userDataDir,
    args: OFFLINE_FLAGS,
    timeout: 60_000,
  });
  return {
    browser,
    close: async () => {
      await browser.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

export interface OpenedPage {
  readonly page: Page;
  /** The URL of every request the page made (the page itself first). */
  readonly requests: string[];
  /** Console errors, uncaught page errors and failed requests. */
  readonly errors: string[];
  close(): Promise<void>;
}

/** Open a local file offline and wait until it has loaded; `requests` and `errors` keep filling while it is open. */
export async function openFile(b: OfflineBrowser, file: string): Promise<OpenedPage> {
  const page = await b.browser.newPage();
  const requests: string[] = [];
  const errors: string[] = [];
  page.on('request', r => { requests.push(r.url()); });
  page.on('requestfailed', r => { errors.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`); });
  page.on('console', m => {
    if (m.type() === 'error' || m.type() === 'warn') {
      errors.push(`console ${m.type()}: ${m.text()}`);
    }
  });
  page.on('pageerror', e => { errors.push(`page error: ${String(e)}`); });
  await page.setOfflineMode(true);
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load', timeout: 30_000 });
  return { page, requests, errors, close: () => page.close() };
}
