/**
 * What the end-to-end tests stand on: a static server over the built app
 * (dist/, from `npm run build`), Debian's Chromium driven by playwright-core
 * at phone size with the fake native side injected, sample photos, and the
 * checks every screen must pass (no sideways scrolling, thumb-sized targets,
 * no English left on a Chinese screen).
 */
import { createServer } from 'node:http';
import { mkdtempSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { installFakeNative } from './fakeNative.mjs';
import { makeSeed, seedLatinWords } from './seed.mjs';

const UI = fileURLToPath(new URL('..', import.meta.url));
export const DIST = join(UI, 'dist');
export const ARTIFACTS = join(UI, 'e2e', 'artifacts');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const PHONE = { width: 390, height: 844 };

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

/** Serves dist/ on 127.0.0.1 at a free port. */
export async function serveDist() {
  if (!existsSync(join(DIST, 'app', 'index.html'))) {
    throw new Error('dist/app/index.html is missing: run `npm run build` before `npm run test:e2e`');
  }
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const file = resolve(DIST, normalize(`.${path}`).replace(/^(\.\.(\/|\\|$))+/, ''));
    if (!(file === DIST || file.startsWith(DIST + sep)) || !existsSync(file) || file.endsWith(sep)) {
      res.writeHead(404).end();
      return;
    }
    try {
      const body = readFileSync(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address();
  return { url: `http://127.0.0.1:${port}/app/index.html`, close: () => new Promise((ok) => server.close(ok)) };
}

/**
 * A fresh Chromium profile at phone size, with a GPS fix and the fake native
 * side (seeded anew) installed before any script of the page runs.
 */
export async function openPhone({ locale, position }) {
  const profile = mkdtempSync(join(tmpdir(), 'gridsafe-e2e-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
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
    viewport: PHONE,
    deviceScaleFactor: 1,
    isMobile: true,
    hasTouch: true,
    locale,
    geolocation: position,
    permissions: ['geolocation'],
  });
  const seed = makeSeed();
  const forms = JSON.parse(readFileSync(join(UI, 'shared', 'generated', 'reading_forms.json'), 'utf8'));
  await context.addInitScript({
    content:
      `localStorage.getItem('gridsafe.locale') || localStorage.setItem('gridsafe.locale', ${JSON.stringify(locale)});\n` +
      `(${installFakeNative.toString()})(${JSON.stringify(seed)}, ${JSON.stringify(forms)});`,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  return {
    context,
    page,
    seed,
    errors,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Saves a 390×844 screenshot under e2e/artifacts/. */
export async function shoot(page, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  // Let toasts fade and transitions end so the picture shows the settled screen.
  await page
    .waitForFunction(() => ![...document.querySelectorAll('.van-toast')].some((el) => el.checkVisibility()), null, { timeout: 3000 })
    .catch(() => undefined);
  await page.waitForTimeout(350);
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
}

/**
 * Problems a phone user would hit on the current screen: sideways scrolling,
 * targets under 44 px, and (on a Chinese screen) English words that are not
 * units, coordinates, the product name or the user's own data.
 */
export async function phoneProblems(page, { chinese, allowedWords }) {
  return page.evaluate(
    ({ chinese, allowedWords }) => {
      const problems = [];
      if (document.documentElement.scrollWidth > window.innerWidth) {
        problems.push(`horizontal overflow: ${document.documentElement.scrollWidth} > ${window.innerWidth}`);
      }
      const visible = (el) => {
        const r = el.getBoundingClientRect();
        const s = getComputedStyle(el);
        return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none';
      };
      const describe = (el) =>
        `${el.tagName.toLowerCase()}${el.dataset.testid ? `[${el.dataset.testid}]` : ''} "${(el.textContent ?? '').trim().slice(0, 20)}"`;
      const targets = document.querySelectorAll(
        'button, a[href], input:not([type=hidden]), textarea, select, [role=tab], [role=radio], .van-tabbar-item, .van-cell--clickable, .van-nav-bar__left',
      );
      for (const el of targets) {
        if (!visible(el)) continue;
        // A small control inside a large tappable row is reached by the row.
        const host = el.parentElement?.closest('button, label, .van-cell--clickable, .van-tabbar-item, .van-field') ?? el;
        const r = el.getBoundingClientRect();
        const h = host.getBoundingClientRect();
        const height = Math.max(r.height, h.height);
        const width = Math.max(r.width, h.width);
        const isText = el.matches('input, textarea, select');
        if (height < 44 - 0.5 || (!isText && width < 44 - 0.5)) {
          problems.push(`small target ${Math.round(width)}×${Math.round(height)}: ${describe(el)}`);
        }
      }
      if (chinese) {
        // A language's own name ("English" in the language switch) is meant to be read as is.
        const allowed = new Set(['gridsafe', 'English', ...allowedWords].map((w) => w.toLowerCase()));
        const words = (document.body.innerText.match(/[A-Za-z]{4,}/g) ?? []).filter((w) => !allowed.has(w.toLowerCase()));
        if (words.length) problems.push(`English on a Chinese screen: ${[...new Set(words)].join(', ')}`);
      }
      return problems;
    },
    { chinese, allowedWords },
  );
}

export { seedLatinWords };

/** A small solid-colour PNG, as a camera would hand over a file. */
export function pngFile(dir, name, [r, g, b], width = 64, height = 48) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf) => {
    let c = 0xffffffff;
    for (const byte of buf) c = crcTable[(c ^ byte) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type), data]);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(body));
    return Buffer.concat([len, body, sum]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // RGB
  const rows = [];
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 3);
    for (let x = 0; x < width; x++) row.set([r, (g + x) & 0xff, (b + y) & 0xff], 1 + x * 3);
    rows.push(row);
  }
  const png = Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
  const path = join(dir, name);
  writeFileSync(path, png);
  return path;
}
