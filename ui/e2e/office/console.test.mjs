// The office console in headless Chromium against the real server seeded
// with `--demo`: every screen, every office action, an export, in zh-CN and
// en, with screenshots at 1440×900 under e2e/artifacts/office/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ARTIFACTS,
  BASE,
  USERS,
  api,
  englishLeaks,
  freshContext,
  horizontalOverflow,
  launch,
  shot,
  signIn,
} from './browser.mjs';

// Account names and demo user data may be Latin; so may units and codes.

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** Each test signs in on a fresh page. */
async function newPage() {
  return (await freshContext(browser)).pages()[0];
}

/** Asserts a zh-CN screen has nothing sticking out sideways and no English. */
async function checkZh(page, name, allow = []) {
  await shot(page, `zh-${name}`);
  assert.deepEqual(await horizontalOverflow(page), [], `${name}: horizontal overflow`);
  assert.deepEqual(await englishLeaks(page, [...USERS, ...allow]), [], `${name}: English in zh-CN`);
}

async function fill(page, testid, value) {
  const el = page.locator(`input[data-testid="${testid}"], textarea[data-testid="${testid}"], [data-testid="${testid}"] input`).first();
  await el.fill(String(value));
}

async function act(page, action, fields = {}) {
  await page.getByTestId(`act-${action.replace('_', '-')}`).click();
  const dialog = page.locator('.el-dialog').filter({ has: page.getByTestId('action-submit') });
  await dialog.waitFor();
  for (const [k, v] of Object.entries(fields)) await fill(page, k, v);
  await page.getByTestId('action-submit').click();
}

async function hazardsIn(page, status) {
  return (await api(page, `/api/v1/hazards?status=${status}&per_page=200`)).items;
}

async function openHazard(page, id) {
  await page.goto(`${BASE}/#/hazards/${id}`);
  await page.getByTestId('status').waitFor();
}

async function expectStatus(page, label) {
  await page.getByTestId('status').filter({ hasText: label }).waitFor({ timeout: 10_000 });
}

test('zh-CN: sign in, inbox, hazard list and export', async () => {
  const page = await newPage();
  await page.addInitScript(() => localStorage.setItem('gridsafe.locale', 'zh-CN'));
  await page.goto(`${BASE}/`);
  await page.getByTestId('signin').waitFor();
  await checkZh(page, 'signin');
  // A wrong password says so in Chinese.
  await page.getByTestId('username').fill('office');
  await page.getByTestId('password').fill('wrong-password');
  await page.getByTestId('signin').click();
  await page.getByTestId('signin-error').filter({ hasText: '用户名或密码错误' }).waitFor();

  await page.getByTestId('password').fill('demo-office');
  await page.getByTestId('signin').click();
  await page.getByTestId('whoami').waitFor();

  // Inbox: urgent items first (the danger check, and an accident a phone
  // reported), then acknowledge the danger check.
  const rows = page.getByTestId('inbox-table').locator('tbody tr');
  await rows.first().waitFor();
  assert.match(await rows.first().innerText(), /^\s*紧急/);
  const first = rows.filter({ hasText: '巡查记录' }).filter({ hasText: '危险' }).first();
  assert.match(await first.innerText(), /紧急[\s\S]*巡查记录[\s\S]*危险/);
  const unread = async () => Number((await page.getByTestId('inbox-unread').innerText()).match(/\d+/)[0]);
  const before = await unread();
  await checkZh(page, 'inbox');
  await first.getByRole('button', { name: '已阅' }).click();
  await page.waitForFunction((n) => document.querySelector('[data-testid="inbox-unread"]').innerText.includes(String(n - 1)), before);
  assert.equal(await unread(), before - 1);

  // Hazard list: the count is the API's, filters narrow it.
  await page.getByTestId('nav-hazards').click();
  await page.getByTestId('hazard-table').locator('tbody tr').first().waitFor();
  const all = await api(page, '/api/v1/hazards');
  assert.equal(await page.getByTestId('hazard-total').innerText(), `共 ${all.total} 条隐患`);
  await checkZh(page, 'hazards');
  await page.goto(`${BASE}/#/hazards?status=rectifying&level=major`);
  const narrowed = await api(page, '/api/v1/hazards?status=rectifying&level=major');
  await page.getByTestId('hazard-total').filter({ hasText: `共 ${narrowed.total} 条隐患` }).waitFor();
  assert.equal(await page.getByTestId('hazard-table').locator('tbody tr').count(), narrowed.total);
  await checkZh(page, 'hazards-filtered');

  // The export is exactly the filtered list.
  const [xlsx] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-xlsx').click()]);
  assert.match(xlsx.suggestedFilename(), /^hazards-.*\.xlsx$/);
  await xlsx.saveAs(join(ARTIFACTS, 'hazards.xlsx'));
  assert.equal(readFileSync(join(ARTIFACTS, 'hazards.xlsx')).subarray(0, 2).toString(), 'PK');
  const [csv] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-csv').click()]);
  await csv.saveAs(join(ARTIFACTS, 'hazards.csv'));
  const text = readFileSync(join(ARTIFACTS, 'hazards.csv'), 'utf8');
  assert.equal(text.charCodeAt(0), 0xfeff, 'CSV starts with a BOM');
  const lines = text.slice(1).trim().split('\n');
  assert.match(lines[0], /^隐患编号,网格编码,所属网格,行业领域,隐患等级,状态/);
  assert.equal(lines.length - 1, narrowed.total);
  const [geo] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-geojson').click()]);
  await geo.saveAs(join(ARTIFACTS, 'hazards.geojson'));
  assert.equal(JSON.parse(readFileSync(join(ARTIFACTS, 'hazards.geojson'), 'utf8')).features.length, narrowed.total);
});

test('zh-CN: every office action, recorded with the officer in the trail', async () => {
  const page = await signIn(await newPageReady(), 'office', 'demo-office', 'zh-CN');
  const reported = await hazardsIn(page, 'reported');
  const rectified = await hazardsIn(page, 'rectified');
  assert.ok(reported.length >= 2 && rectified.length >= 2, 'the demo has hazards to act on');

  // Confirm as major: the form asks for every one of the 五到位 first.
  await openHazard(page, reported[0].id);
  await page.getByTestId('act-confirm').click();
  await page.getByTestId('confirm-level').getByText('重大隐患').click();
  await page.getByTestId('action-submit').click();
  const errors = page.locator('.el-dialog .el-form-item__error');
  await errors.first().waitFor();
  const msgs = await errors.allInnerTexts();
  for (const f of ['整改责任', '整改措施', '整改资金', '整改时限', '应急预案']) {
    assert.ok(msgs.some((m) => m.includes(f)), `${f} is asked for: ${msgs}`);
  }
  await shot(page, 'zh-confirm-major-errors');
  await fill(page, 'f-owner', '石桥村村委会');
  await fill(page, 'f-measures', '拆除违建，加装防护栏');
  await fill(page, 'f-funds', 30000);
  await fill(page, 'f-plan', '设置警戒区，专人值守');
  await fill(page, 'f-deadline', '2026-12-31');
  await page.keyboard.press('Enter');
  await page.locator('.el-dialog__title').click();
  await shot(page, 'zh-confirm-major-form');
  await page.getByTestId('action-submit').click();
  await expectStatus(page, '已确认');
  const trail = page.getByTestId('trail');
  await trail.getByTestId('step-hazard_confirmed').filter({ hasText: 'office' }).waitFor();
  assert.match(await page.locator('.el-descriptions').innerText(), /2026年12月31日/);

  // List it (挂牌督办).
  await act(page, 'list', { 'f-text': '县安委会要求挂牌督办' });
  await trail.getByTestId('step-hazard_listed').waitFor();
  await checkZh(page, 'hazard-detail');

  // Reject another.
  await openHazard(page, reported[1].id);
  await act(page, 'reject', { 'f-text': '经核实不属于安全隐患' });
  await expectStatus(page, '已驳回');

  // Verify, close, then re-open (回头看).
  await openHazard(page, rectified[0].id);
  await act(page, 'verify', { 'f-text': '现场复查合格' });
  await expectStatus(page, '已验收');
  await act(page, 'close');
  await expectStatus(page, '已销号');
  await act(page, 'reopen', { 'f-text': '回头看发现问题反弹' });
  await expectStatus(page, '整改中');
  await trail.getByTestId('step-hazard_reopened').filter({ hasText: 'office' }).waitFor();
  await checkZh(page, 'hazard-reopened');

  // Send back another rectification.
  await openHazard(page, rectified[1].id);
  await act(page, 'send_back', { 'f-text': '整改照片不清晰，请补充' });
  await expectStatus(page, '整改中');
  await trail.getByTestId('step-rectification_sent_back').waitFor();
});

async function newPageReady() {
  await newPage();
  return browser.context;
}

test('zh-CN: grid results match the summary, map, points, devices', async () => {
  const page = await signIn(await newPageReady(), 'office', 'demo-office', 'zh-CN');
  await page.getByTestId('nav-grids').click();
  const year = new Date().getFullYear();
  const check = async (code) => {
    const s = await api(page, `/api/v1/grids/${code}/summary?from=${year}-01-01&to=${year}-12-31&depth=1`);
    await page.getByTestId('grid-name').filter({ hasText: s.name }).waitFor();
    await page.getByTestId('stat-hazards_total').filter({ hasText: String(s.hazards_total) }).waitFor();
    for (const k of ['hazards_total', 'overdue', 'major_open', 'checks_total', 'danger_open']) {
      assert.equal(await page.getByTestId(`stat-${k}`).innerText(), String(s[k]), `${code} ${k}`);
    }
    const rate = s.rectified_rate == null ? '—' : `${(s.rectified_rate * 100).toFixed(1)}%`;
    assert.equal(await page.getByTestId('stat-rectified_rate').innerText(), rate);
    const rows = page.getByTestId('grid-children').locator('tbody tr');
    assert.equal(await rows.count(), s.children.length);
    for (const [i, c] of s.children.entries()) {
      assert.match(await rows.nth(i).innerText(), new RegExp(`^${c.name}`));
    }
    return s;
  };
  const town = await check('510001');
  await page.waitForTimeout(800);
  await checkZh(page, 'grids-town');
  // Drill down to a village, then a unit.
  await page.getByTestId(`drill-${town.children[0].grid}`).click();
  const village = await check(town.children[0].grid);
  await checkZh(page, 'grids-village');
  await page.getByTestId(`drill-${village.children[0].grid}`).click();
  await check(village.children[0].grid);
  await page.getByTestId('grid-up').click();
  await check(town.children[0].grid);

  // Map: hazards and points drawn without any tile source.
  await page.getByTestId('nav-map').click();
  await page.getByTestId('no-tiles').waitFor();
  await page.locator('.leaflet-marker-icon, .leaflet-interactive').first().waitFor();
  assert.ok((await page.locator('.leaflet-interactive').count()) >= 5, 'points and hazards on the map');
  await page.waitForTimeout(500);
  await checkZh(page, 'map');

  // Monitoring points with their last check and overdue checks.
  await page.getByTestId('nav-points').click();
  const pts = await api(page, '/api/v1/points');
  await page.getByTestId('points-table').locator('tbody tr').first().waitFor();
  assert.equal(await page.getByTestId('points-table').locator('tbody tr').count(), pts.length);
  assert.match(await page.getByTestId('points-table').innerText(), /危险/);
  await checkZh(page, 'points');

  await page.getByTestId('nav-devices').click();
  await page.getByTestId('devices-table').locator('tbody tr').first().waitFor();
  await checkZh(page, 'devices', ['ID']);

  await page.getByTestId('sign-out').click();
  await page.getByTestId('signin').waitFor();
});

test('zh-CN: administrator imports with a preview and adds an account', async () => {
  const page = await signIn(await newPageReady(), 'admin', 'demo-admin', 'zh-CN');
  await page.getByTestId('nav-import').click();
  const bad = '编码,名称,上级编码,层级,责任人\n510001-06,新建村,510001,village,张三\n510001-07,坏村,510001,planet,\n';
  await page.getByTestId('import-file').setInputFiles({ name: '网格.csv', mimeType: 'text/csv', buffer: Buffer.from(bad) });
  await page.getByTestId('import-errors').locator('tbody tr').first().waitFor();
  assert.match(await page.getByTestId('import-errors').innerText(), /3\s+层级“planet”无效，应为：县、镇\(乡\)/);
  await checkZh(page, 'import-errors', ['planet', 'csv']);
  await shot(page, 'zh-import-errors');
  const good = '编码,名称,上级编码,层级,责任人\n510001-06,新建村,510001,village,张三\n';
  await page.getByTestId('import-file').setInputFiles({ name: '网格2.csv', mimeType: 'text/csv', buffer: Buffer.from(good) });
  await page.getByTestId('import-preview').locator('tbody tr').first().waitFor();
  await checkZh(page, 'import-preview', ['csv']);
  await page.getByTestId('import-commit').click();
  await page.getByTestId('import-ok').filter({ hasText: '已导入 1 行' }).waitFor();
  const grids = await api(page, '/api/v1/grids');
  assert.ok(grids.some((g) => g.code === '510001-06'));

  await page.getByTestId('nav-users').click();
  await page.getByTestId('users-table').locator('tbody tr').first().waitFor();
  await page.getByTestId('user-add').click();
  await fill(page, 'u-name', 'wangwu');
  await fill(page, 'u-password', 'wangwu-pass-1');
  await page.getByTestId('u-grids').first().click();
  await page.locator('.el-tree-node__content', { hasText: '新建村' }).last().click();
  await page.locator('.el-dialog__title').click();
  await page.getByTestId('u-save').click();
  await page.getByTestId('users-table').getByText('wangwu').waitFor();
  await checkZh(page, 'users');
  const users = await api(page, '/api/v1/users');
  assert.deepEqual(users.find((u) => u.name === 'wangwu'), { name: 'wangwu', role: 'inspector', grids: ['510001-06'] });
});

test('zh-CN: before and after photos open in the zoomable viewer', async () => {
  const page = await signIn(await newPageReady(), 'office', 'demo-office', 'zh-CN');
  // Seeded by the runner (console_e2e.rs): a report with a photo and its rectification with another.
  const [h] = (await api(page, `/api/v1/hazards?q=${encodeURIComponent('配电箱门锁损坏')}`)).items;
  assert.ok(h, 'the hazard with photos is there');
  await openHazard(page, h.id);
  await page.getByTestId('photo-found').locator('img').waitFor();
  await page.getByTestId('photo-after').locator('img').waitFor();
  await checkZh(page, 'hazard-photos');
  await page.getByTestId('photo-after').locator('img').click();
  await page.locator('.el-image-viewer__wrapper').waitFor();
  const src = await page.locator('.el-image-viewer__canvas img').getAttribute('src');
  assert.match(src, /^\/api\/v1\/blobs\/[0-9a-f]{64}$/);
  await page.waitForTimeout(400);
  await shot(page, 'zh-photo-viewer');
  await page.keyboard.press('Escape');
});

test('zh-CN: township records: tasks, records, duty and the quarterly self-check', async () => {
  const page = await signIn(await newPageReady(), 'office', 'demo-office', 'zh-CN');
  await page.goto(`${BASE}/#/records`);
  await page.getByTestId('tasks-table').waitFor();
  await page.getByTestId('task-form').waitFor();
  await checkZh(page, 'records-tasks');
  await page.getByRole('tab', { name: '季度自查' }).click();
  await page.getByTestId('coverage-table').locator('.el-table__row').first().waitFor();
  const rows = await page.getByTestId('coverage-table').locator('.el-table__row').count();
  const quarter = await api(page, `/api/v1/coverage?quarter=${encodeURIComponent(await page.evaluate(() => {
    const d = new Date();
    return `${d.getFullYear()}-Q${Math.floor(d.getMonth() / 3) + 1}`;
  }))}`);
  assert.equal(rows, quarter.rows.length, 'one row per grid of the answer');
  await checkZh(page, 'records-quarter');
  await page.getByRole('tab', { name: '汛期值班' }).click();
  await page.getByTestId('duty-on').waitFor();
  await checkZh(page, 'records-duty');
});

test('en: every screen in English', async () => {
  const page = await signIn(await newPageReady(), 'office', 'demo-office', 'en');
  assert.equal(await page.getByTestId('nav-hazards').innerText(), 'Hazards');
  for (const [nav, name, ready] of [
    ['nav-inbox', 'inbox', 'inbox-table'],
    ['nav-hazards', 'hazards', 'hazard-table'],
    ['nav-grids', 'grids', 'grid-children'],
    ['nav-map', 'map', 'map'],
    ['nav-points', 'points', 'points-table'],
    ['nav-devices', 'devices', 'devices-table'],
  ]) {
    await page.getByTestId(nav).click();
    await page.getByTestId(ready).waitFor();
    await page.waitForTimeout(700);
    await shot(page, `en-${name}`);
    assert.deepEqual(await horizontalOverflow(page), [], `${name}: horizontal overflow`);
  }
  const rejected = (await api(page, '/api/v1/hazards?status=rejected')).items[0];
  await openHazard(page, rejected.id);
  assert.match(await page.getByTestId('status').innerText(), /Rejected/i);
  await shot(page, 'en-hazard-detail');
  await page.getByTestId('nav-hazards').click();
  assert.match(await page.getByTestId('hazard-total').innerText(), /^\d+ hazards$/);
});

// Last: every screen above ran under the server's security headers.
test('the Content-Security-Policy blocked nothing on any screen', () => {
  assert.deepEqual(browser.cspViolations, []);
});
