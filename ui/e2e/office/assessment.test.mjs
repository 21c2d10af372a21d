// The assessment page (考核) in headless Chromium against the real `--demo`
// server: the town's score and its villages ranked as the API gives them,
// the drill-down to the deductions and their records, the reminder banner
// exactly when the server says a duty report is due, a what-if rubric that
// changes the scores on screen and saves nothing, saving it, and the duty
// report downloaded as a .docx; in zh-CN and in English. Then an accident
// the office marks as of bad social impact on its review: the one-vote veto
// banner with the accident linked back to its record; and the duty report's
// due-date reminder on days asked for with `?on=` (before 5 July, before
// 5 January, and none in between).
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

const TOWN = '510001';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

const year = new Intl.DateTimeFormat('en', { timeZone: 'Asia/Shanghai', year: 'numeric' }).format(new Date());

test('zh-CN: ranking, drill-down, reminder, what-if, save and the duty report', async () => {
  const page = await signIn(await freshContext(browser), 'office', 'demo-office', 'zh-CN');
  await page.getByTestId('nav-assessment').click();
  await page.getByTestId('own-score').waitFor();
  const a = await api(page, `/api/v1/assessment?grid=${TOWN}&period=${year}`);
  assert.equal(await page.getByTestId('assess-name').innerText(), a.grid.name);
  assert.equal(Number(await page.getByTestId('own-score').innerText()), a.grid.score);
  assert.equal(await page.getByTestId('own-grade').innerText(), { excellent: '优秀', good: '良好', pass: '合格', fail: '不合格' }[a.grid.grade]);

  // The villages in the API's order, with their scores.
  const rows = page.getByTestId('ranking').locator('tbody tr.el-table__row');
  assert.equal(await rows.count(), a.children.length);
  assert.ok(a.children.length >= 2, 'the demo town has villages');
  for (const c of a.children) {
    assert.equal(Number(await page.getByTestId(`score-${c.grid}`).innerText()), c.score);
  }
  // Drill down: the first village's deductions and the records behind them.
  const first = a.children[0];
  await rows.first().locator('.el-table__expand-icon').click();
  const panel = page.getByTestId(`deductions-${first.grid}`);
  await panel.waitFor();
  if (first.deductions.length) {
    assert.ok((await panel.innerText()).includes(first.deductions[0].records[0].slice(0, 8)));
  }

  // What this server does not record yet is said, not deducted.
  if (a.unrecorded.length) await page.getByTestId('unrecorded').waitFor();

  // The reminder banner shows exactly when the server says a report is due.
  const due = await api(page, '/api/v1/reports/duty/reminder');
  assert.equal(await page.getByTestId('duty-reminder').count(), due.period ? 1 : 0);

  await shot(page, 'zh-assessment');
  assert.deepEqual(await horizontalOverflow(page), [], 'assessment: horizontal overflow');
  assert.deepEqual(await englishLeaks(page, USERS), [], 'assessment: English in zh-CN');

  // What-if: a lower base score lowers every score on screen; nothing is saved.
  await page.getByTestId('rubric-edit').click();
  const box = page.locator('textarea[data-testid="rubric-text"], [data-testid="rubric-text"] textarea').first();
  const original = await box.inputValue();
  assert.match(original, /^base = 100$/m);
  await box.fill(original.replace(/^base = 100$/m, 'base = 90'));
  await page.getByTestId('rubric-try').click();
  await page.getByTestId('what-if').waitFor();
  const lowered = Math.max(0, Math.round((a.grid.score - 10) * 10) / 10);
  await page.waitForFunction((want) => Number(document.querySelector('[data-testid="own-score"]').innerText) === want, lowered);
  assert.equal(Number(await page.getByTestId(`score-${first.grid}`).innerText()), Math.max(0, Math.round((first.score - 10) * 10) / 10));
  await shot(page, 'zh-assessment-what-if');
  let still = await api(page, `/api/v1/assessment?grid=${TOWN}&period=${year}`);
  assert.equal(still.grid.score, a.grid.score, 'a what-if saves nothing');
  assert.equal(still.rubric_saved, a.rubric_saved);

  // A rubric that does not read is refused with the reason, and saves nothing.
  await box.fill(original.replace(/^base = 100$/m, 'base = 0'));
  await page.getByTestId('rubric-try').click();
  await page.getByTestId('rubric-error').waitFor();
  await box.fill(original.replace(/^base = 100$/m, 'base = 90'));

  // Saved when asked (and confirmed), it is the rubric in force.
  await page.getByTestId('rubric-save').click();
  await page.locator('.el-message-box__btns .el-button--primary').click();
  await page.getByTestId('rubric-state').filter({ hasText: '已保存' }).waitFor();
  still = await api(page, `/api/v1/assessment?grid=${TOWN}&period=${year}`);
  assert.equal(still.rubric_saved, true);
  assert.equal(still.grid.score, lowered);
  assert.equal(await page.getByTestId('what-if').count(), 0);

  // The duty report for the chosen grid and period.
  const [docx] = await Promise.all([page.waitForEvent('download'), page.getByTestId('report-docx').click()]);
  assert.match(docx.suggestedFilename(), /履职报告\.docx$/);
  await docx.saveAs(join(ARTIFACTS, 'duty-report.docx'));
  assert.equal(readFileSync(join(ARTIFACTS, 'duty-report.docx')).subarray(0, 2).toString(), 'PK');
  const [xlsx] = await Promise.all([page.waitForEvent('download'), page.getByTestId('report-xlsx').click()]);
  assert.match(xlsx.suggestedFilename(), /\.xlsx$/);

  // Put the default back for the other tests.
  await page.getByTestId('rubric-edit').click();
  await box.fill(original);
  await page.getByTestId('rubric-save').click();
  await page.locator('.el-message-box__btns .el-button--primary').click();
  await page.getByTestId('rubric-state').filter({ hasText: '已保存' }).waitFor();
  await page.waitForFunction((want) => Number(document.querySelector('[data-testid="own-score"]').innerText) === want, a.grid.score);
});

test('en: the assessment page in English', async () => {
  const page = await signIn(await freshContext(browser), 'office', 'demo-office', 'en');
  await page.goto(`${BASE}/#/assessment/${TOWN}`);
  await page.getByTestId('own-score').waitFor();
  await page.getByText('Ranking of the grids below').waitFor();
  await page.getByTestId('assess-part').click();
  await page.locator('.el-select-dropdown__item').filter({ hasText: 'First half' }).click();
  const h1 = await api(page, `/api/v1/assessment?grid=${TOWN}&period=${year}-H1`);
  await page.waitForFunction((want) => Number(document.querySelector('[data-testid="own-score"]').innerText) === want, h1.grid.score);
  await page.waitForTimeout(500);
  await shot(page, 'en-assessment');
  assert.deepEqual(await horizontalOverflow(page), [], 'assessment: horizontal overflow');
});

test('zh-CN: the flood-season deduction is the points page\'s 汛期漏巡, point by point', async () => {
  const page = await signIn(await freshContext(browser), 'office', 'demo-office', 'zh-CN');
  const a = await api(page, `/api/v1/assessment?grid=${TOWN}&period=${year}`);
  const points = await api(page, `/api/v1/points?grid=${TOWN}&period=${year}`);
  const sum = await api(page, `/api/v1/grids/${TOWN}/summary?period=${year}`);
  const deducted = a.grid.deductions.find((d) => d.kind === 'missed_flood_check')?.count ?? 0;
  assert.equal(deducted, sum.missed_flood_checks);
  await page.getByTestId('nav-points').click();
  await page.getByTestId('points-table').locator('tbody tr').first().waitFor();
  let onScreen = 0;
  let missed = 0;
  for (const p of points) {
    onScreen += Number(await page.getByTestId(`missed-flood-${p.code}`).innerText());
    missed += Number(await page.getByTestId(`missed-${p.code}`).innerText());
  }
  assert.equal(onScreen, deducted, 'the points page adds up to the deduction');
  assert.equal(missed, sum.missed_point_checks, 'and to the summary');
  await shot(page, 'zh-points-missed');
  assert.deepEqual(await horizontalOverflow(page), [], 'points: horizontal overflow');
  assert.deepEqual(await englishLeaks(page, USERS), [], 'points: English in zh-CN');
});

/** Reports an accident from the demo inspector's phone (the sync push), as a field device does. */
async function reportAccident(page, grid) {
  const login = await page.request.post(`${BASE}/api/v1/auth/login`, { data: { username: 'inspector', password: 'demo-inspector' } });
  assert.equal(login.status(), 200, await login.text());
  const { token, device_id: device, user } = await login.json();
  const accident = crypto.randomUUID();
  const now = Date.now();
  const event = {
    id: crypto.randomUUID(),
    hlc: { wall_ms: now, counter: 0, node: device },
    author: user,
    device,
    body: {
      type: 'accident_reported',
      data: {
        accident,
        grid,
        sector: 'gas',
        occurred_at: new Date(now - 10 * 60_000).toISOString(),
        place: '柳溪村三组',
        deaths: 0,
        injuries: 1,
        description: '液化气罐泄漏起火，围观群众拍摄视频在网上广泛传播',
        location: null,
        photos: [],
      },
    },
  };
  const push = await page.request.post(`${BASE}/api/v1/sync/push`, {
    headers: { authorization: `Bearer ${token}` },
    data: { device, events: [{ seq: 1, event }] },
  });
  assert.equal(push.status(), 200, await push.text());
  assert.equal((await push.json()).results[0].verdict, 'accepted');
  // The office has read it, so the inbox the other tests look at is as the demo left it.
  const office = await page.request.post(`${BASE}/api/v1/auth/login`, { data: { username: 'office', password: 'demo-office' } });
  const auth = { authorization: `Bearer ${(await office.json()).token}` };
  const inbox = await (await page.request.get(`${BASE}/api/v1/inbox`, { headers: auth })).json();
  const item = inbox.items.find((i) => i.kind === 'accident_reported' && i.text?.includes('液化气罐'));
  assert.ok(item, JSON.stringify(inbox.items.slice(0, 3)));
  const ack = await page.request.post(`${BASE}/api/v1/inbox/ack`, { headers: auth, data: { cursors: [item.cursor] } });
  assert.equal(ack.status(), 200, await ack.text());
  return accident;
}

const VILLAGE = '510001-02';
let marked = '';

test('zh-CN: an accident marked of bad social impact vetoes, the banner links to it', async () => {
  const context = await freshContext(browser);
  marked = await reportAccident(context.pages()[0], VILLAGE);
  const page = await signIn(context, 'office', 'demo-office', 'zh-CN');
  const before = await api(page, `/api/v1/assessment?grid=${TOWN}&period=${year}`);
  assert.equal(before.grid.veto, null, 'no deaths, no veto yet');

  // The accident review: mark it, with the grounds.
  await page.goto(`${BASE}/#/records?accident=${marked}`);
  await page.getByTestId(`impact-mark-${marked}`).click();
  await page.locator('.el-message-box__input input').fill('县安委会通报');
  await page.locator('.el-message-box__btns .el-button--primary').click();
  await page.getByTestId(`impact-tag-${marked}`).waitFor();
  assert.equal(await page.getByTestId(`impact-tag-${marked}`).innerText(), '造成恶劣社会影响');
  assert.match(await page.getByTestId(`impact-${marked}`).innerText(), /office/);
  await shot(page, 'zh-records-accident-impact');
  assert.deepEqual(await horizontalOverflow(page), [], 'records: horizontal overflow');
  assert.deepEqual(await englishLeaks(page, USERS), [], 'records: English in zh-CN');

  // The assessment: the town and the village fail by the veto, the accident shown and linked.
  const a = await api(page, `/api/v1/assessment?grid=${TOWN}&period=${year}`);
  assert.equal(a.grid.veto.rule, 'bad_impact');
  assert.deepEqual(a.grid.veto.accidents.map((x) => x.id), [marked]);
  assert.equal(a.grid.score, before.grid.score, 'the veto moves no score');
  const village = a.children.find((c) => c.grid === VILLAGE);
  assert.equal(village.veto.rule, 'bad_impact');
  assert.equal(village.rank, a.children.length, 'a vetoed village ranks last');
  await page.goto(`${BASE}/#/assessment/${TOWN}`);
  const banner = page.getByTestId('own-veto');
  await banner.waitFor();
  assert.match(await banner.innerText(), /一票否决：社会影响特别恶劣的事故/);
  assert.match(await page.getByTestId('veto-accident').innerText(), /燃气.*死亡0人，受伤1人/s);
  assert.match(await page.getByTestId('veto-accident').innerText(), /造成恶劣社会影响/);
  assert.equal(await page.getByTestId('own-grade').innerText(), '不合格');
  assert.equal(await page.getByTestId(`veto-${VILLAGE}`).innerText(), '社会影响特别恶劣的事故');
  await shot(page, 'zh-assessment-veto');
  assert.deepEqual(await horizontalOverflow(page), [], 'veto: horizontal overflow');
  assert.deepEqual(await englishLeaks(page, USERS), [], 'veto: English in zh-CN');

  // The link opens the accident's record.
  await page.getByTestId('veto-accident-link').click();
  await page.waitForURL((u) => u.hash.startsWith('#/records') && u.hash.includes(marked));
  await page.locator(`[data-testid="impact-${marked}"].marked`).waitFor();
});

test('zh-CN: the duty report reminder before 5 July and 5 January, none in between', async () => {
  const page = await signIn(await freshContext(browser), 'office', 'demo-office', 'zh-CN');
  for (const [on, period, due] of [
    [`${year}-06-20`, `${year}年上半年`, `${year}年7月5日`],
    [`${Number(year) + 1}-01-03`, `${year}年度`, `${Number(year) + 1}年1月5日`],
  ]) {
    const r = await api(page, `/api/v1/reports/duty/reminder?on=${on}`);
    assert.ok(r.period && r.due, `${on}: ${JSON.stringify(r)}`);
    await page.goto(`${BASE}/#/assessment/${TOWN}?on=${on}`);
    const banner = page.getByTestId('duty-reminder');
    await banner.waitFor();
    assert.equal(await banner.innerText(), `${period}安全生产履职报告须于${due}前报送县人民政府和县安委会`);
    await page.getByTestId('own-score').waitFor();
    await shot(page, `zh-assessment-reminder-${on}`);
    assert.deepEqual(await horizontalOverflow(page), [], 'reminder: horizontal overflow');
    assert.deepEqual(await englishLeaks(page, USERS), [], 'reminder: English in zh-CN');
  }
  const none = await api(page, `/api/v1/reports/duty/reminder?on=${year}-08-01`);
  assert.equal(none.period, null);
  await page.goto(`${BASE}/#/assessment/${TOWN}?on=${year}-08-01`);
  await page.getByTestId('own-score').waitFor();
  await page.waitForTimeout(300);
  assert.equal(await page.getByTestId('duty-reminder').count(), 0);
});

test('en: the veto banner and the reminder in English; the mark taken back', async () => {
  const page = await signIn(await freshContext(browser), 'office', 'demo-office', 'en');
  await page.goto(`${BASE}/#/assessment/${TOWN}?on=${year}-06-20`);
  const banner = page.getByTestId('own-veto');
  await banner.waitFor();
  assert.match(await banner.innerText(), /One-vote veto: An accident of especially bad social impact/);
  assert.match(await page.getByTestId('veto-accident').innerText(), /Bad social impact/);
  const reminder = page.getByTestId('duty-reminder');
  await reminder.waitFor();
  assert.match(await reminder.innerText(), new RegExp(`The duty report for ${year} first half is due to the county by`));
  await shot(page, 'en-assessment-veto-reminder');
  assert.deepEqual(await horizontalOverflow(page), [], 'veto: horizontal overflow');

  // Taken back on the accident's review, the veto goes.
  await page.getByTestId('veto-accident-link').click();
  await page.getByTestId(`impact-undo-${marked}`).click();
  await page.locator('.el-message-box__btns .el-button--primary').click();
  await page.getByTestId(`impact-mark-${marked}`).waitFor();
  await shot(page, 'en-records-accident-impact');
  assert.deepEqual(await horizontalOverflow(page), [], 'records: horizontal overflow');
  const a = await api(page, `/api/v1/assessment?grid=${TOWN}&period=${year}`);
  assert.equal(a.grid.veto, null);
});
