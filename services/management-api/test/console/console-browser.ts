import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { chromium, type Browser, type ConsoleMessage, type Page } from 'playwright-core';

const REPO_ROOT = resolve(__dirname, '..', '..', '..', '..');
export const SCREENSHOTS_DIR = resolve(REPO_ROOT, 'docs', 'screenshots');
export const CHROMIUM = '/usr/bin/chromium';

/** Debian's chromium, installed by scripts/ensure-chromium.sh when missing (playwright downloads nothing). */
export function ensureChromium(): void {
  execFileSync('bash', [resolve(REPO_ROOT, 'scripts', 'ensure-chromium.sh')], { stdio: 'inherit', timeout: 540_000 });
}

/** Headless chromium with a fresh temporary profile (playwright's launch makes one per browser). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}

export interface ApiRefusal {
  method: string;
  path: string;
  status: number;
}

/**
 * Everything a page reports that a person would call an error: console errors, uncaught
 * exceptions, failed requests. The API's deliberate 4xx answers (a validation error the page
 * shows next to the field) make chromium log "Failed to load resource"; those are listed
 * apart as refusals, so a test can assert exactly which ones it expects.
 */
export class PageProblems {
  private errors: string[] = [];
  private refusals: ApiRefusal[] = [];
  private readonly refusedUrls = new Set<string>();

  constructor(page: Page) {
    page.on('response', (res) => {
      const url = new URL(res.url());
      if (res.status() >= 400 && url.pathname.startsWith('/v1/')) {
        this.refusedUrls.add(res.url());
        this.refusals.push({ method: res.request().method(), path: url.pathname, status: res.status() });
      }
    });
    page.on('console', (msg: ConsoleMessage) => {
      if (msg.type() !== 'error' && msg.type() !== 'warning') return;
      const text = msg.text();
      const isRefusalLog = /^Failed to load resource: the server responded with a status of 4\d\d/.test(text) && this.refusedUrls.has(msg.location().url);
      if (!isRefusalLog) this.errors.push(`console.${msg.type()}: ${text} (${msg.location().url})`);
    });
    page.on('pageerror', (err) => this.errors.push(`uncaught: ${err.message}`));
    page.on('requestfailed', (req) => {
      // a navigation away aborts pending fetches: not an error of the page
      if (req.failure()?.errorText !== 'net::ERR_ABORTED') this.errors.push(`request failed: ${req.method()} ${req.url()} ${req.failure()?.errorText}`);
    });
  }

  /** The problems since the last call, and forget them. */
  take(): { errors: string[]; refusals: ApiRefusal[] } {
    const taken = { errors: this.errors, refusals: this.refusals };
    this.errors = [];
    this.refusals = [];
    return taken;
  }
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS_DIR, { recursive: true });
  const path = resolve(SCREENSHOTS_DIR, `${name}.png`);
  // toasts of earlier steps are left out of the picture (an injected style would break the page's CSP)
  await page.evaluate("document.querySelectorAll('#toasts > .toast').forEach((toast) => toast.remove())");
  // let dialog animations settle
  await page.waitForTimeout(250);
  await page.screenshot({ path, animations: 'disabled', caret: 'hide' });
  return path;
}
