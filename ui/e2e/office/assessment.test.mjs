// The assessment page (考核) in headless Chromium against the real `--demo`
// server: the town's score and its villages ranked as the API gives them,
// the drill-down to the deductions and their records, the reminder banner
// exactly when the server says a duty report is due, a what-if rubric that
// changes the scores on screen and saves nothing, saving it, and the duty
// report downloaded as a .docx; in zh-CN and in English.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ARTIFACTS, BASE, englishLeaks, horizontalOverflow, launch, shot, signIn } from './browser.mjs';

const TOWN = '510001';
const USERS = ['office', 'admin', 'inspector', 'inspector2', 'volunteer', 'wangwu'];

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

async function freshContext() {
  for (const p of browser.context.pages()) await p.close();
  await browser.context.clearCookies();
  await browser.context.newPage();
  return browser.context;
}

async function api(page, path) {
  const r = await page.request.get(`${BASE}${path}`);
  assert.equal(r.status(), 200, `${path}: ${await r.text()}`);
  return r.json();
}

const year = new Intl.DateTimeFormat('en', { timeZone: 'Asia/Shanghai', year: 'numeric' }).format(new Date());

test('zh-CN: ranking, drill-down, reminder, what-if, save and the duty report', async () => {
  const page = await signIn(await freshContext(), 'office', 'demo-office', 'zh-CN');
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
  const page = await signIn(await freshContext(), 'office', 'demo-office', 'en');
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
