/**
 * Drives Debian's chromium (no browser download) through playwright-core for the portal suites:
 * a page per suite with clipboard access, an axe-core check that fails on serious or critical
 * violations, and screenshots of every page under test-artifacts/portal/ for review.
 */
import AxeBuilder from '@axe-core/playwright';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS_DIR = join(__dirname, '..', '..', 'test-artifacts', 'portal');

export interface PortalBrowser {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

/** Run in every document before the portal's own scripts (a string: it runs in the browser, not here): notifications without their fade. */
const NO_NOTIFICATION_FADE = `
  (() => {
    const add = () => {
      const style = document.createElement('style');
      style.textContent = '.mantine-Notifications-root, .mantine-Notifications-root * { transition: none !important; }';
      document.head.appendChild(style);
    };
    if (document.head) add();
    else document.addEventListener('DOMContentLoaded', add, { once: true });
  })();
`;

export async function openPortal(baseURL: string): Promise<PortalBrowser> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  const context = await browser.newContext({ baseURL, viewport: { width: 1400, height: 900 }, locale: 'en-US' });
  // notifications without their CSS fade: one then changes opacity at once, so axe never measures
  // the contrast of one caught half-faded (a CI run met a previous step's notification fading out:
  // "serious color-contrast" on its text). Mantine's notification timers (react-transition-group
  // timeouts, no transitionend) run as they do for a user. Only notifications: the navigation's
  // Collapse waits for transitionend. (Honouring prefers-reduced-motion in the portal instead left
  // a closed dialog in the page in another CI run.)
  await context.addInitScript({ content: NO_NOTIFICATION_FADE });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseURL });
  const page = await context.newPage();
  // generous: the suite shares a small machine with the api, the worker, the scanner and chromium
  page.setDefaultTimeout(30_000);
  page.setDefaultNavigationTimeout(60_000);
  return { browser, context, page, close: () => browser.close() };
}

/** Serious and critical axe-core violations of what the page shows now, as readable lines. */
export async function accessibilityViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).analyze();
  return results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => `${violation.impact} ${violation.id}: ${violation.help} (${violation.nodes.map((node) => node.target.join(' ')).slice(0, 3).join(' | ')})`);
}

/** A full-page screenshot named after the page, kept for review. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS_DIR, `${name}.png`), fullPage: true });
}

/**
 * Every page visited is looked at twice: by axe-core and by a person (the screenshot). Violations are
 * collected per page and asserted once at the end (`accessibilityReport`), so one run names them all
 * instead of stopping the journey at the first.
 */
const violationsByPage = new Map<string, string[]>();

export async function checkPage(page: Page, name: string): Promise<void> {
  // let lazy chunks, queries and Mantine's transitions settle
  await page.waitForLoadState('networkidle');
  await page.waitForTimeout(300);
  await screenshot(page, name);
  const violations = await accessibilityViolations(page);
  if (violations.length) violationsByPage.set(name, violations);
}

/** The pages checked so far with their serious or critical violations (empty when all passed). */
export function accessibilityReport(): Record<string, string[]> {
  return Object.fromEntries(violationsByPage);
}
