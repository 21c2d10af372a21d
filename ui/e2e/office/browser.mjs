// Launches Debian's chromium (never a downloaded browser) headless with a
// fresh profile, and gives helpers the console's tests share.
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const BASE = process.env.GRIDSAFE_BASE_URL ?? 'http://127.0.0.1:8080';
export const ARTIFACTS = join(dirname(fileURLToPath(import.meta.url)), '..', 'artifacts', 'office');
mkdirSync(ARTIFACTS, { recursive: true });

/** The demo's account names: data, so they may show on a Chinese screen. */
export const USERS = ['office', 'admin', 'inspector', 'inspector2', 'volunteer', 'wangwu'];

export async function launch() {
  const profile = mkdtempSync(join(tmpdir(), 'gridsafe-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1440, height: 900 },
    acceptDownloads: true,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
  });
  const close = async () => {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  };
  // What the server's Content-Security-Policy blocked, on any page.
  const cspViolations = [];
  context.on('console', (msg) => {
    if (/Content Security Policy/i.test(msg.text())) cspViolations.push(msg.text());
  });
  return { context, close, cspViolations };
}

/** Signed out, with one fresh page open: cookies are per context. */
export async function freshContext(browser) {
  for (const p of browser.context.pages()) await p.close();
  await browser.context.clearCookies();
  await browser.context.newPage();
  return browser.context;
}

/** A GET of the API as the page's session, which must answer 200. */
export async function api(page, path) {
  const r = await page.request.get(`${BASE}${path}`);
  assert.equal(r.status(), 200, `${path}: ${await r.text()}`);
  return r.json();
}

/** Opens the console in a locale and signs in. */
export async function signIn(context, user, password, locale = 'zh-CN') {
  const page = context.pages()[0] ?? (await context.newPage());
  await page.addInitScript((l) => localStorage.setItem('gridsafe.locale', l), locale);
  await page.goto(`${BASE}/`);
  await page.getByTestId('username').fill(user);
  await page.getByTestId('password').fill(password);
  await page.getByTestId('signin').click();
  await page.getByTestId('whoami').waitFor();
  return page;
}

export async function shot(page, name) {
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: false });
}

/** Elements wider than the window, or content sticking out sideways. */
export async function horizontalOverflow(page) {
  return page.evaluate(() => {
    const w = document.documentElement.clientWidth;
    const out = [];
    if (document.documentElement.scrollWidth > w + 1) out.push(`page ${document.documentElement.scrollWidth} > ${w}`);
    for (const el of document.querySelectorAll('body *')) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) continue;
      // A table or map may scroll or pan inside its own box: only the box counts.
      const box = el.closest('.el-table, .leaflet-container');
      if (box && box !== el) continue;
      if (r.right > w + 1) {
        out.push(`${el.tagName.toLowerCase()}.${[...el.classList].join('.')} right=${Math.round(r.right)}`);
      }
    }
    return out.slice(0, 10);
  });
}

/**
 * Latin words in visible text that are not allowed in zh-CN: units, numbers,
 * codes and user data (account names, device ids) are passed in `allow`.
 */
export async function englishLeaks(page, allow = []) {
  const text = await page.evaluate(() => document.body.innerText);
  const words = text.match(/[A-Za-z][A-Za-z'-]+/g) ?? [];
    // File formats and the language switch's own name for English.
  const ok = new Set(['GeoJSON', 'CSV', 'Excel', 'XLSX', 'UTF-', 'GBK', 'English', ...allow]);
  // Hex ids and point codes such as LS-01 are data, not words.
  const data = (w) => /^[a-f0-9-]+$/i.test(w) || /^[A-Z]{1,3}-$/.test(w);
  return [...new Set(words.filter((w) => !ok.has(w) && !data(w)))];
}
