// The township records in the console (乡镇台账) in headless Chromium against
// the real `--demo` server, after a phone has checked a task and filed a
// meeting, a banquet, a promise and an accident (tests/tests/console_e2e.rs
// sends them): every tab of the records page, then a task's detail with its
// targets, the checks done against each (items, note, zoomable photo) and
// the hazard raised from it, and an overdue task's escalation; in zh-CN and
// in English. Data values may be Chinese in English; the console's own words
// may not, and no English may show on a Chinese screen.
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

const UI = join(ARTIFACTS, '..', '..', '..');
const read = (p) => JSON.parse(readFileSync(join(UI, p), 'utf8'));
const MESSAGES = {
  'zh-CN': { ...read('office/i18n/zh-CN.json'), keys: read('shared/generated/labels.json')['zh-CN'] },
  en: { ...read('office/i18n/en.json'), keys: read('shared/generated/labels.json').en },
};

/** A console message with its {named} values filled in. */
function tx(locale, key, values = {}) {
  let node = MESSAGES[locale];
  for (const part of key.split('.')) node = node?.[part];
  if (typeof node !== 'string') throw new Error(`no message ${key} in ${locale}`);
  return node.split(' | ')[0].replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ''));
}

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/**
 * Chinese in the console's own words on an English screen: headers, tabs,
 * buttons, labels, tags and alerts (the language switch names itself).
 */
async function chineseChrome(page) {
  return page.evaluate(() => {
    const chrome = document.querySelectorAll(
      'th, [role=tab], button, .el-form-item__label, .el-descriptions__label, .el-radio-button__inner, h3, h4, .el-tag, .el-alert__title, .el-menu-item, .el-table__empty-text, a.back',
    );
    const out = [];
    for (const el of chrome) {
      if (!el.checkVisibility()) continue;
      const text = el.innerText.trim();
      if (text === '中文' || el.closest('[data-testid=whoami]')) continue;
      if (/[\u4e00-\u9fff]/.test(text)) out.push(`${el.tagName.toLowerCase()} "${text.slice(0, 30)}"`);
    }
    return [...new Set(out)].slice(0, 10);
  });
}

async function check(page, locale, name) {
  await shot(page, `${locale === 'en' ? 'en' : 'zh'}-${name}`);
  assert.deepEqual(await horizontalOverflow(page), [], `${name}: horizontal overflow`);
  if (locale === 'en') assert.deepEqual(await chineseChrome(page), [], `${name}: Chinese in the English console`);
  else assert.deepEqual(await englishLeaks(page, USERS), [], `${name}: English in zh-CN`);
}

for (const locale of ['zh-CN', 'en']) {
  const t = (key, values) => tx(locale, key, values);

  test(`${locale}: the records page, every tab`, async () => {
    const page = await signIn(await freshContext(browser), 'office', 'demo-office', locale);
    const tasks = await api(page, '/api/v1/tasks');
    await page.goto(`${BASE}/#/records`);
    await page.getByTestId('task-link').first().waitFor();
    assert.equal(await page.getByTestId('task-link').count(), tasks.length);
    assert.ok((await page.getByTestId('tasks-overdue-count').innerText()).includes('1'));
    const overdue = tasks.find((x) => x.status === 'overdue');
    assert.equal(await page.getByTestId(`task-status-${overdue.task}`).innerText(), t('keys.task_status.overdue'));
    await check(page, locale, 'records-tasks');

    await page.getByRole('tab', { name: `${t('console.records.meetings')} / ${t('console.records.accidents')}` }).click();
    for (const [kind, text] of [
      ['meetings', '汛期安全生产工作部署'],
      ['banquets', '石桥村三组 张某'],
      ['promises', '石桥村农机户 赵某'],
      ['accidents', '农用车侧翻，一人轻伤'],
    ]) {
      await page.locator('.el-radio-button', { hasText: t(`console.records.${kind}`) }).click();
      await page.getByTestId('records-table').locator('.el-table__row', { hasText: text }).waitFor();
      const answer = await api(page, `/api/v1/records/${kind}`);
      assert.equal(await page.getByTestId('records-table').locator('.el-table__row').count(), answer.length, kind);
      await check(page, locale, `records-${kind}`);
    }

    await page.getByRole('tab', { name: t('console.records.duty') }).click();
    await page.getByTestId('duty-on').waitFor();
    await check(page, locale, 'records-duty');
    await page.getByRole('tab', { name: t('console.records.quarter') }).click();
    await page.getByTestId('coverage-table').locator('.el-table__row').first().waitFor();
    await check(page, locale, 'records-quarter');
  });

  test(`${locale}: a task's detail: targets, checks, photo, the hazard raised; an overdue task escalates`, async () => {
    const page = await signIn(await freshContext(browser), 'office', 'demo-office', locale);
    const tasks = await api(page, '/api/v1/tasks');
    const campaign = tasks.find((x) => x.title === '建筑施工安全专项整治');
    const overdue = tasks.find((x) => x.status === 'overdue');
    const detail = await api(page, `/api/v1/tasks/${campaign.task}`);
    const hazardId = detail.targets.find((x) => x.target.code === '510001-01-01').hazards[0];
    assert.ok(hazardId, JSON.stringify(detail.targets));

    await page.goto(`${BASE}/#/records`);
    await page.getByTestId('task-link').filter({ hasText: campaign.title }).click();
    await page.waitForURL(new RegExp(`#/tasks/${campaign.task}$`));
    await page.getByTestId('task-head').waitFor();
    const head = await page.getByTestId('task-head').innerText();
    assert.ok(head.includes(t('keys.task_kind.special_campaign')));
    assert.ok(head.includes(t('keys.sector.construction')));
    assert.ok(head.includes(t('keys.checklist_item.fall_protection')));
    assert.ok(head.includes('重点检查脚手架和临边防护'));
    assert.equal(await page.getByTestId('task-coverage').innerText(), t('console.task.coverage', { n: 1, m: 2 }));
    assert.equal(await page.getByTestId('task-status').getAttribute('data-status'), 'open');

    assert.equal(await page.getByTestId('task-target').count(), 2);
    const unit = page.locator('[data-testid=task-target][data-code="510001-01-01"]');
    assert.equal(await unit.getAttribute('data-covered'), 'yes');
    assert.ok((await unit.innerText()).includes('青石建材有限公司'));
    assert.ok((await unit.getByTestId('target-failed').innerText()).includes(t('keys.checklist_item.fall_protection')));
    assert.equal(await unit.locator('[data-testid=check-result][data-result=fail]').count(), 1);
    assert.equal(await unit.locator('[data-testid=check-result][data-result=pass]').count(), 2);
    assert.ok((await unit.getByTestId('target-checks').innerText()).includes('施工资质齐全，脚手架临边防护缺失'));
    assert.ok((await unit.getByTestId('target-checks').innerText()).includes('inspector'));
    const link = unit.getByTestId('task-hazard-link');
    await link.filter({ hasText: '二层脚手架临边无防护网' }).waitFor();
    const other = page.locator('[data-testid=task-target][data-code="510001-02"]');
    assert.equal(await other.getAttribute('data-covered'), 'no');
    assert.ok((await other.innerText()).includes(t('console.task.no_checks')));
    await unit.locator('[data-testid=check-photo] img').waitFor();
    await check(page, locale, 'task-detail');

    // The check's photo zooms to the full picture.
    await unit.locator('[data-testid=check-photo] img').click();
    await page.locator('.el-image-viewer__wrapper').waitFor();
    assert.match(await page.locator('.el-image-viewer__canvas img').getAttribute('src'), /^\/api\/v1\/blobs\/[0-9a-f]{64}$/);
    await shot(page, `${locale === 'en' ? 'en' : 'zh'}-task-photo`);
    await page.keyboard.press('Escape');
    await page.locator('.el-image-viewer__wrapper').waitFor({ state: 'hidden' });

    // The hazard raised from the check opens its own page.
    await link.click();
    await page.waitForURL(new RegExp(`#/hazards/${hazardId}$`));
    await page.getByTestId('status').waitFor();

    // Overdue: how long, and how many targets are still unchecked.
    await page.goto(`${BASE}/#/tasks/${overdue.task}`);
    await page.getByTestId('task-escalation').waitFor();
    assert.equal(
      (await page.getByTestId('task-escalation').innerText()).trim(),
      t('console.task.escalation', { n: overdue.days_overdue, left: overdue.targets_total - overdue.targets_covered }),
    );
    assert.equal(await page.getByTestId('task-status').getAttribute('data-status'), 'overdue');
    await check(page, locale, 'task-overdue');

    // A task that does not exist says so.
    await page.goto(`${BASE}/#/tasks/0190e5a0-0000-7000-8000-000000000000`);
    await page.getByTestId('task-error').waitFor();
    await check(page, locale, 'task-missing');
  });
}
