/**
 * The phone app, built, in headless Chromium at 390×844, once in Chinese and
 * once in English, as an inspector uses it: enrol, report a hazard with three
 * photos while offline, follow it, rectify an overdue hazard, check a
 * landslide and a reservoir in danger, sync with a rejected record waiting,
 * work a task's checklist (a failed item turned into a hazard), file each
 * township record offline, and try to sign out with data not yet sent. Every screen is photographed
 * into e2e/artifacts/ and checked for phone fit.
 *
 * Needs `npm run build` first (it tests dist/, as shipped).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ARTIFACTS, openPhone, phoneProblems, pngFile, seedLatinWords, serveDist, shoot } from './harness.mjs';

const UI = fileURLToPath(new URL('..', import.meta.url));
const read = (p) => JSON.parse(readFileSync(join(UI, p), 'utf8'));
const MESSAGES = {
  'zh-CN': { ...read('app/i18n/zh-CN.json'), ...read('shared/i18n/zh-CN.json'), keys: read('shared/generated/labels.json')['zh-CN'] },
  en: { ...read('app/i18n/en.json'), ...read('shared/i18n/en.json'), keys: read('shared/generated/labels.json').en },
};

/** The text of a message, with {named} values filled in (first plural form). */
function tx(locale, key, values = {}) {
  let node = MESSAGES[locale];
  for (const part of key.split('.')) node = node?.[part];
  if (typeof node !== 'string') throw new Error(`no message ${key} in ${locale}`);
  return node.split(' | ')[0].replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ''));
}

/** Yesterday on the browser's clock, as a date input holds it. */
function yesterday() {
  const d = new Date(Date.now() - 86_400_000);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

const photoDir = mkdtempSync(join(tmpdir(), 'gridsafe-photos-'));
const PHOTOS = [
  pngFile(photoDir, 'before-1.png', [180, 60, 40]),
  pngFile(photoDir, 'before-2.png', [60, 120, 200]),
  pngFile(photoDir, 'before-3.png', [90, 160, 70]),
  pngFile(photoDir, 'after-1.png', [240, 200, 40]),
];

let server;
before(async () => {
  rmSync(ARTIFACTS, { recursive: true, force: true });
  server = await serveDist();
});
after(async () => {
  await server?.close();
});

for (const locale of ['zh-CN', 'en']) {
  const chinese = locale === 'zh-CN';
  const t = (key, values) => tx(locale, key, values);
  // The Chinese run has a coarse fix, to show the poor-accuracy warning.
  const position = chinese
    ? { latitude: 30.65523, longitude: 104.21902, accuracy: 65 }
    : { latitude: 30.65523, longitude: 104.21902, accuracy: 8 };

  describe(`phone app (${locale})`, { concurrency: false }, () => {
    let phone;
    let page;
    let shot = 0;
    // One story: once a step fails, the later ones would only fail after it.
    let broken = false;
    const step = (name, fn) =>
      test(name, async (ctx) => {
        if (broken) return ctx.skip('an earlier step failed');
        try {
          await fn();
        } catch (error) {
          broken = true;
          await shoot(page, `${locale}-FAILED-${name.split(':')[0].replace(/\W+/g, '-')}`).catch(() => undefined);
          throw error;
        }
      });
    const newHazardText = chinese ? '砖厂原料堆场边坡无警示标志' : 'No warning sign at the clay pit slope';

    /** Screenshot plus the phone-fit checks; returns the problems found. */
    async function screen(name) {
      shot += 1;
      await shoot(page, `${locale}-${String(shot).padStart(2, '0')}-${name}`);
      const problems = await phoneProblems(page, { chinese, allowedWords: seedLatinWords(phone.seed) });
      assert.deepEqual(problems, [], `${locale} ${name}`);
    }

    before(async () => {
      phone = await openPhone({ locale, position });
      page = phone.page;
      await page.goto(server.url);
    });
    after(async () => {
      assert.deepEqual(phone.errors, [], 'no uncaught errors in the page');
      await phone.close();
    });

    step('enrol: asks for server, account and password, then shows who and which grids', async () => {
      await page.getByTestId('enroll-submit').waitFor();
      assert.match(page.url(), /#\/enroll$/);
      await screen('enroll');

      await page.getByTestId('enroll-submit').click();
      await page.getByTestId('enroll-missing').waitFor();

      await page.getByTestId('enroll-server').locator('input').fill(phone.seed.account.server);
      await page.getByTestId('enroll-username').locator('input').fill(phone.seed.account.user);
      await page.getByTestId('enroll-password').locator('input').fill(phone.seed.password);
      await page.getByTestId('enroll-submit').click();
      await page.getByTestId('signed-in').waitFor();
      const text = await page.getByTestId('signed-in').innerText();
      assert.match(text, /13800001234/);
      assert.match(text, /王家村/);
      assert.match(text, /李家村/);
      assert.ok(text.includes(t('keys.role.inspector')));
      await screen('enroll-signed-in');
      // The account is remembered for the next enrolment (never the password).
      const remembered = await page.evaluate(() => localStorage.getItem('gridsafe.enroll'));
      assert.deepEqual(JSON.parse(remembered), { server: phone.seed.account.server, username: '13800001234' });
      await page.getByTestId('enroll-continue').click();
    });

    step('home: grids, open hazards, due checks, sync state and the urgent button', async () => {
      await page.getByTestId('sync-state').waitFor();
      await page.waitForFunction(() => document.querySelector('[data-testid=stat-open] strong')?.textContent !== '0');
      // One record came back from the server: that is what the line says first.
      await page.waitForSelector('[data-testid=sync-state][data-state=rejected]');
      await page.getByTestId('sync-state').filter({ hasText: t('syncstate.rejected', { n: 1 }) }).waitFor();
      assert.equal(await page.locator('[data-testid=stat-open] strong').innerText(), '4');
      assert.equal(await page.locator('[data-testid=stat-due] strong').innerText(), '3');
      assert.ok((await page.getByTestId('my-grids').innerText()).includes('王家村'));
      // Open and overdue tasks, and the point on 24-hour duty whose check is due.
      await page.getByTestId('home-tasks-count').filter({ hasText: t('home.tasks_overdue', { n: 1 }) }).waitFor();
      assert.ok((await page.getByTestId('home-tasks-count').innerText()).includes(t('home.tasks_open', { n: 2 })));
      assert.ok((await page.getByTestId('home-duty-due').innerText()).includes(t('home.duty_due', { n: 1 })));
      await screen('home');

      await page.getByTestId('urgent').click();
      await page.locator('.van-action-sheet').waitFor();
      assert.ok((await page.locator('.van-action-sheet').innerText()).includes(t('home.urgent_major')));
      await screen('home-urgent');
      await page.locator('.van-action-sheet__cancel').click();
      await page.locator('.van-action-sheet').waitFor({ state: 'hidden' });
    });

    step('new hazard offline: sector phrases, three photos, location, saved and listed as pending', async () => {
      await phone.context.setOffline(true);
      await page.getByTestId('home-new-hazard').click();
      await page.getByTestId('save-hazard').waitFor();
      assert.ok((await page.getByTestId('field-grid').locator('input').inputValue()).includes('王家村'));

      await page.getByTestId('field-sector').click();
      const picker = page.locator('.van-popup .van-picker').filter({ hasText: t('keys.sector.construction') });
      await picker.waitFor();
      await picker.locator('.van-picker-column__item', { hasText: t('keys.sector.construction') }).click();
      await page.waitForTimeout(400); // the wheel settles on the tapped item
      await picker.locator('.van-picker__confirm').click();
      await picker.waitFor({ state: 'hidden' });
      assert.equal(await page.getByTestId('field-sector').locator('input').inputValue(), t('keys.sector.construction'));

      // The sector's examples fill the description with a tap.
      await page.getByTestId('quick-phrase').filter({ hasText: t('keys.sector_examples.construction.2') }).click();
      await page.getByTestId('quick-phrase').filter({ hasText: t('keys.sector_examples.construction.3') }).click();
      const textarea = page.getByTestId('field-description').locator('textarea');
      assert.equal(
        await textarea.inputValue(),
        `${t('keys.sector_examples.construction.2')}${t('hazard.phrase_sep')}${t('keys.sector_examples.construction.3')}`,
      );
      await textarea.fill(newHazardText);
      await page.getByTestId('field-place').locator('input').fill(chinese ? '砖厂东侧' : 'East of the brickworks');

      await page.getByTestId('photo-input').setInputFiles(PHOTOS.slice(0, 3));
      await page.waitForFunction(() => document.querySelectorAll('[data-testid=photo-thumb]').length === 3);
      // Deleting one and taking it again still leaves three.
      await page.getByTestId('photo-delete').nth(1).click();
      assert.equal(await page.getByTestId('photo-thumb').count(), 2);
      await page.getByTestId('photo-input').setInputFiles([PHOTOS[1]]);
      await page.waitForFunction(() => document.querySelectorAll('[data-testid=photo-thumb]').length === 3);

      await page.getByTestId('location-fix').waitFor();
      assert.ok((await page.getByTestId('location-accuracy').innerText()).includes(chinese ? '65' : '8'));
      assert.equal(await page.getByTestId('location-poor').isVisible(), chinese);
      await screen('hazard-new');
      await page.getByTestId('location').scrollIntoViewIfNeeded();
      await screen('hazard-new-photos-location');

      await page.getByTestId('save-hazard').click();
      await page.waitForURL(/#\/hazards$/);
      const first = page.getByTestId('hazard-item').first();
      await first.waitFor();
      assert.ok((await first.innerText()).includes(newHazardText));
      assert.ok((await first.innerText()).includes(t('syncstate.record.pending')));
      const saved = await page.evaluate(() => window.__gridsafeFake.calls.filter((c) => c.cmd === 'add_hazard').at(-1).args);
      assert.equal(saved.photos.length, 3);
      assert.equal(saved.sector, 'construction');
      assert.equal(saved.location.source, 'gps');
      assert.equal(saved.location.accuracy_m, chinese ? 65 : 8);
      await screen('hazards');
    });

    step('hazard list: status filter and the overdue mark', async () => {
      const overdue = page.getByTestId('hazard-item').filter({ hasText: '砖厂窑顶作业平台' });
      assert.ok((await overdue.innerText()).includes(t('hazards.overdue')));
      await page.locator('[role=tab]', { hasText: t('hazards.filter_overdue') }).click();
      await page.waitForFunction(() => document.querySelectorAll('[data-testid=hazard-item]').length === 1);
      await screen('hazards-overdue');
      await page.locator('[role=tab]', { hasText: t('keys.hazard_status.verified') }).click();
      await page.getByTestId('hazard-item').filter({ hasText: '私拉乱接' }).waitFor();
      await page.locator('[role=tab]', { hasText: t('hazards.filter_open') }).click();
      await page.getByTestId('hazard-item').filter({ hasText: newHazardText }).waitFor();
    });

    step('hazard detail: photos, map pin, the timeline with sync states and a superseded step', async () => {
      await page.getByTestId('hazard-item').filter({ hasText: newHazardText }).click();
      await page.getByTestId('timeline').waitFor();
      assert.equal(await page.getByTestId('detail-description').innerText(), newHazardText);
      await page.waitForFunction(() => document.querySelectorAll('[data-testid=strip-photo] img').length >= 3);
      await page.locator('.leaflet-interactive').first().waitFor();
      assert.match(await page.getByTestId('map-coords').innerText(), /30\.65523\d*, 104\.21902/);
      const entries = page.getByTestId('timeline-entry');
      assert.equal(await entries.count(), 1);
      assert.ok((await entries.first().innerText()).includes(t('keys.event_kind.hazard_reported')));
      assert.ok((await entries.first().innerText()).includes(t('syncstate.record.pending')));
      await screen('hazard-detail');
      await page.getByTestId('timeline').scrollIntoViewIfNeeded();
      await screen('hazard-detail-timeline');

      // A verified hazard whose late rectification did not take effect.
      await page.goto(`${server.url}#/hazards/H-0003`);
      await page.getByTestId('superseded').waitFor();
      assert.ok((await page.getByTestId('superseded').innerText()).includes(t('keys.superseded.decided')));
      assert.equal(await page.getByTestId('timeline-entry').count(), 5);
      await page.getByTestId('after-photos').waitFor();
      await page.getByTestId('superseded').scrollIntoViewIfNeeded();
      await screen('hazard-detail-superseded');
    });

    step('rectify the overdue hazard with an after photo', async () => {
      await page.goto(`${server.url}#/hazards/H-0001`);
      await page.getByTestId('go-rectify').waitFor();
      assert.ok((await page.getByTestId('deadline').innerText()).length > 0);
      assert.ok(await page.getByTestId('overdue').isVisible());
      await page.getByTestId('go-rectify').click();
      await page.getByTestId('save-rectify').waitFor();

      // Neither an empty note nor a missing photo is accepted.
      await page.getByTestId('save-rectify').click();
      await page.locator('.van-toast', { hasText: t('rectify.fill_required') }).waitFor();
      await page.getByTestId('field-rectify-note').locator('textarea').fill(chinese ? '已加装防护栏，作业人员已配安全带' : 'Railing fitted, harnesses issued');
      await page.getByTestId('photo-input').setInputFiles([PHOTOS[3]]);
      await page.getByTestId('photo-thumb').waitFor();
      await screen('rectify');
      await page.getByTestId('save-rectify').click();
      await page.waitForURL(/#\/hazards\/H-0001$/);
      await page.getByTestId('after-photos').waitFor();
      await page.getByTestId('status-rectified').first().waitFor();
      const entries = page.getByTestId('timeline-entry');
      assert.equal(await entries.count(), 3);
      assert.ok((await entries.last().innerText()).includes(t('keys.event_kind.rectification_submitted')));
      assert.equal(await page.getByTestId('overdue').count(), 0, 'a rectified hazard is no longer overdue');
    });

    step('monitoring points: due marks and a landslide check with the form of its kind', async () => {
      await page.getByTestId('tab-points').click();
      await page.getByTestId('point-item').first().waitFor();
      assert.equal(await page.getByTestId('due').count(), 3);
      // Flood-season duty: both points on duty say so, the due one is called out.
      assert.ok((await page.getByTestId('duty-reminder').innerText()).includes(t('points.duty_due', { n: 1 })));
      assert.equal(await page.getByTestId('duty').count(), 2);
      const landslideDuty = page.locator('[data-testid=point-item][data-kind=landslide] [data-testid=next-check]');
      assert.ok((await landslideDuty.innerText()).includes(t('points.check_now')));
      const pondDuty = page.locator('[data-testid=point-item][data-kind=pond_dam] [data-testid=next-check]');
      assert.ok((await pondDuty.innerText()).includes(t('points.next_check', { time: '' }).trim()));
      await screen('points');

      await page.locator('[data-testid=point-item][data-kind=landslide]').click();
      await page.getByTestId('save-check').waitFor();
      assert.ok((await page.getByTestId('check-duty').innerText()).includes(t('points.check_now')));
      for (const key of ['crack_width_mm', 'crack_length_m', 'rainfall_24h_mm']) {
        assert.equal(await page.getByTestId(`reading-${key}`).getAttribute('data-type'), 'number');
      }
      for (const key of ['new_cracks', 'bulging', 'trees_tilting', 'animals_unusual']) {
        assert.equal(await page.getByTestId(`reading-${key}`).getAttribute('data-type'), 'flag');
      }
      assert.equal(await page.getByTestId('reading-water_level_m').count(), 0);
      assert.ok((await page.getByTestId('reading-crack_width_mm').innerText()).includes('mm'));

      // Required items are enforced before anything is saved.
      await page.getByTestId('save-check').click();
      await page.locator('.van-toast', { hasText: t('check.fill_required') }).waitFor();

      await page.getByTestId('reading-crack_width_mm').locator('input').fill('12');
      await page.getByTestId('flag-new_cracks-yes').click();
      await page.getByTestId('rest-normal').click();
      assert.equal(await page.getByTestId('flag-bulging-no').getAttribute('aria-checked'), 'true');
      await page.waitForSelector('[data-testid=suggested] [data-testid=verdict-abnormal]');
      assert.equal(await page.getByTestId('choose-abnormal').getAttribute('aria-checked'), 'true');
      await screen('check-landslide');
      await page.getByTestId('field-check-note').locator('textarea').fill(chinese ? '2号桩裂缝加宽' : 'Crack at stake 2 wider');
      await page.getByTestId('save-check').click();
      await page.waitForURL(/#\/points$/);
      // Checked: the landslide is no longer due and the duty reminder is gone.
      await page.locator('[data-testid=point-item][data-kind=landslide] [data-testid=next-check]').filter({ hasText: t('points.next_check', { time: '' }).trim() }).waitFor();
      assert.equal(await page.getByTestId('duty-reminder').count(), 0);
      const check = await page.evaluate(() => window.__gridsafeFake.calls.filter((c) => c.cmd === 'add_check').at(-1).args);
      assert.equal(check.verdict, 'abnormal');
      assert.equal(check.readings.crack_width_mm, 12);
      assert.equal(check.readings.new_cracks, true);
      assert.equal(check.readings.bulging, false);
      assert.equal('crack_length_m' in check.readings, false, 'unanswered numbers are left out');
    });

    step('reservoir check in danger: confirmed, queued first', async () => {
      await page.locator('[data-testid=point-item][data-kind=reservoir]').click();
      await page.getByTestId('save-check').waitFor();
      assert.equal(await page.getByTestId('reading-flood_limit_level_m').getAttribute('data-type'), 'number');
      assert.equal(await page.getByTestId('reading-spillway_clear').getAttribute('data-type'), 'flag');
      await page.getByTestId('reading-water_level_m').locator('input').fill('105.3');
      await page.getByTestId('reading-flood_limit_level_m').locator('input').fill('104.5');
      await page.getByTestId('flag-piping-yes').click();
      await page.getByTestId('flag-seepage-yes').click();
      await page.getByTestId('flag-spillway_clear-yes').click();
      await page.waitForSelector('[data-testid=suggested] [data-testid=verdict-danger]');
      assert.equal(await page.getByTestId('choose-danger').getAttribute('aria-checked'), 'true');
      await page.getByTestId('danger-hint').waitFor();
      await screen('check-reservoir');
      await page.getByTestId('danger-hint').scrollIntoViewIfNeeded();
      await screen('check-reservoir-verdict');

      await page.getByTestId('save-check').click();
      const dialog = page.locator('.danger-dialog');
      await dialog.waitFor();
      assert.ok((await dialog.innerText()).includes(t('check.danger_title')));
      if (chinese) assert.ok((await dialog.innerText()).includes('将优先上报'));
      await screen('check-reservoir-confirm');
      await dialog.locator('.van-dialog__confirm').click();
      await page.waitForURL(/#\/points$/);
      const reservoir = page.locator('[data-testid=point-item][data-kind=reservoir]');
      await reservoir.locator('[data-testid=verdict-danger]').waitFor();
      const outbox = await page.evaluate(() => window.__gridsafeFake.outbox.at(-1));
      assert.equal(outbox.kind, 'check_logged');
      assert.equal(outbox.urgent, true);
    });

    step('sync: the rejected record with its reason, waiting photos, then a retry online', async () => {
      await page.getByTestId('tab-sync').click();
      await page.getByTestId('outbox-item').first().waitFor();
      const rejected = page.locator('[data-testid=outbox-item][data-state=rejected]');
      assert.equal(await rejected.count(), 1);
      assert.ok((await rejected.getByTestId('reject-reason').innerText()).includes('不在您的负责范围内'));
      assert.equal(await page.locator('[data-testid=outbox-item][data-state=pending]').count(), 4);
      // The danger check waits ahead of the other records.
      assert.ok((await page.locator('[data-testid=outbox-item][data-state=pending]').first().innerText()).includes(t('sync.urgent')));
      assert.ok((await page.getByTestId('photo-progress').count()) >= 4);
      assert.equal(await page.getByTestId('network').innerText(), t('syncstate.offline'));
      await screen('sync-offline');

      // Offline, the retry says why it could not send.
      await page.getByTestId('sync-now').click();
      await page.locator('.gs-error-dialog').waitFor();
      assert.ok((await page.locator('.gs-error-dialog').innerText()).includes('网络不可用'));
      await screen('sync-offline-error');
      await page.locator('.gs-error-dialog .van-dialog__confirm').click();
      await page.locator('.gs-error-dialog').waitFor({ state: 'hidden' });

      await phone.context.setOffline(false);
      // Coming back online starts a sync on its own; the retry button is there too.
      await page.waitForFunction(() => !document.querySelector('[data-testid=outbox-item][data-state=pending]'), null, { timeout: 10_000 });
      await page.waitForSelector('[data-testid=sync-now]:not(.van-button--loading)');
      await page.getByTestId('sync-now').click();
      await page.locator('.van-toast--success').waitFor();
      const order = await page.evaluate(() => window.__gridsafeFake.pushOrder ?? []);
      await page.waitForFunction(() => !document.querySelector('[data-testid=outbox-item][data-state=pending]'));
      assert.equal(await page.locator('[data-testid=outbox-item][data-state=rejected]').count(), 1, 'a rejected record stays until handled');
      assert.equal(await page.getByTestId('pending-events').innerText(), '0');
      assert.equal(await page.getByTestId('pending-blobs').innerText(), '0');
      assert.ok(Array.isArray(order));
      await screen('sync-done');
    });

    step('tasks: the tasks of my grids with their checklist and coverage, the overdue one marked', async () => {
      await page.getByTestId('tab-home').click();
      await page.getByTestId('home-tasks').click();
      await page.getByTestId('task-item').first().waitFor();
      assert.equal(await page.getByTestId('task-item').count(), 2);
      const quarterly = page.getByTestId('task-item').filter({ hasText: '第四季度安全生产大检查' });
      const text = await quarterly.innerText();
      assert.ok(text.includes(t('keys.task_kind.quarterly_check')));
      assert.ok(text.includes(t('keys.checklist_item.fire_equipment')));
      assert.ok(text.includes(t('tasks.covered', { n: 1, m: 2 })));
      const overdue = page.locator('[data-testid=task-item][data-status=overdue]');
      assert.ok((await overdue.innerText()).includes(t('keys.task_status.overdue')));
      await screen('tasks');
    });

    step('task detail and checklist offline: a failed item becomes a hazard linked to the task', async () => {
      await phone.context.setOffline(true);
      await page.getByTestId('task-item').filter({ hasText: '第四季度安全生产大检查' }).click();
      await page.getByTestId('task-head').waitFor();
      assert.ok((await page.getByTestId('task-head').innerText()).includes(t('keys.task_kind.quarterly_check')));
      assert.ok((await page.getByTestId('task-head').innerText()).includes('重点查看消防器材和安全出口'));
      assert.equal(await page.getByTestId('task-target').count(), 2);
      assert.equal(await page.locator('[data-testid=task-target][data-covered=yes]').count(), 1);
      const lj = page.locator('[data-testid=task-target][data-code=QS-LJ]');
      assert.ok((await lj.innerText()).includes('李家村'));
      assert.ok((await lj.innerText()).includes(t('tasks.not_covered')));
      await screen('task-detail');

      await lj.getByTestId('target-check').click();
      await page.getByTestId('save-task-check').waitFor();
      assert.ok((await page.getByTestId('check-target').innerText()).includes('李家村'));
      assert.equal(await page.getByTestId('check-item').count(), 2);
      // Every item must be answered.
      await page.getByTestId('save-task-check').click();
      await page.locator('.van-toast', { hasText: t('taskcheck.answer_all') }).waitFor();
      await page.getByTestId('item-emergency_exits-pass').click();
      await page.getByTestId('item-fire_equipment-fail').click();
      // One tap turns the failed item into a hazard, its description written from the item.
      await page.getByTestId('to-hazard-fire_equipment').click();
      const hazardText = page.getByTestId('field-task-hazard').locator('textarea');
      assert.ok((await hazardText.inputValue()).includes(t('keys.checklist_item.fire_equipment')));
      assert.ok((await hazardText.inputValue()).includes('李家村'));
      await page.getByTestId('field-task-note').locator('textarea').fill(chinese ? '村委会灭火器已过期' : 'Extinguishers at the village office out of date');
      await page.getByTestId('photo-input').setInputFiles([PHOTOS[0]]);
      await page.getByTestId('photo-thumb').waitFor();
      await screen('task-check');
      await page.getByTestId('task-hazard').scrollIntoViewIfNeeded();
      await screen('task-check-hazard');

      await page.getByTestId('save-task-check').click();
      await page.waitForURL(/#\/tasks\/[^/]+$/);
      await page.locator('[data-testid=task-target][data-code=QS-LJ][data-covered=yes]').waitFor();
      const checked = page.locator('[data-testid=task-target][data-code=QS-LJ]');
      assert.ok((await checked.getByTestId('target-failed').innerText()).includes(t('keys.checklist_item.fire_equipment')));
      assert.ok((await checked.getByTestId('target-hazards').innerText()).includes(t('tasks.hazards', { n: 1 })));
      assert.equal(await page.getByTestId('task-status').getAttribute('data-status'), 'done');
      await screen('task-detail-done');
      const saved = await page.evaluate(() => window.__gridsafeFake.calls.filter((c) => c.cmd === 'add_task_check').at(-1).args.check);
      assert.deepEqual(saved.results, [
        { item: 'fire_equipment', result: 'fail' },
        { item: 'emergency_exits', result: 'pass' },
      ]);
      assert.equal(saved.target, 'QS-LJ');
      assert.equal(saved.hazard.level, 'general');
      assert.equal(saved.photos.length, 1);
      const queued = await page.evaluate(() => window.__gridsafeFake.outbox.slice(-2).map((o) => o.kind));
      assert.deepEqual(queued, ['hazard_reported', 'task_check_recorded']);
      // The hazard it raised opens from the task, saved on the phone and waiting to be sent.
      await checked.getByTestId('target-hazard-link').click();
      await page.getByTestId('detail-description').waitFor();
      assert.ok((await page.getByTestId('detail-description').innerText()).includes(t('keys.checklist_item.fire_equipment')));
      await page.getByTestId('timeline-entry').filter({ hasText: t('syncstate.record.pending') }).waitFor();
    });

    step('township records offline: a meeting, with the core\'s refusal shown by its field', async () => {
      await page.goto(`${server.url}#/`);
      await page.getByTestId('home-records').click();
      await page.getByTestId('records-empty').waitFor();
      await screen('records-empty');

      await page.getByTestId('new-meeting').click();
      await page.getByTestId('save-record').waitFor();
      assert.ok((await page.getByTestId('field-grid').locator('input').inputValue()).includes('王家村'));
      await page.getByTestId('save-record').click();
      await page.locator('.van-toast', { hasText: t('form.fill_required') }).waitFor();
      await page.getByTestId('field-held_on').locator('input').fill('2099-01-15');
      await page.getByTestId('field-topic').locator('input').fill(chinese ? '汛期安全生产工作部署' : 'Flood-season safety plan');
      await page.getByTestId('field-attendees').locator('input').fill(chinese ? '王建国、李德明，赵书记' : 'Wang, Li, Zhao');
      await page.getByTestId('field-minutes').locator('textarea').fill(chinese ? '落实24小时值班制度' : 'Keep the 24-hour duty roster');
      await page.getByTestId('photo-input').setInputFiles([PHOTOS[1]]);
      await page.getByTestId('photo-thumb').waitFor();
      await page.getByTestId('save-record').click();
      const dateError = page.getByTestId('field-held_on').locator('.van-field__error-message');
      await dateError.waitFor();
      assert.equal(await dateError.innerText(), t('reason.in_future'));
      await screen('meeting-refused');
      await page.getByTestId('field-held_on').locator('input').fill(yesterday());
      await page.getByTestId('save-record').click();
      await page.waitForURL(/#\/records$/);
      await page.locator('[data-testid=record-item][data-kind=meeting_recorded]').waitFor();
      const meeting = await page.evaluate(() => window.__gridsafeFake.calls.filter((c) => c.cmd === 'add_meeting').at(-1).args.meeting);
      assert.deepEqual(meeting.attendees, chinese ? ['王建国', '李德明', '赵书记'] : ['Wang', 'Li', 'Zhao']);
      assert.equal(meeting.held_on, yesterday());
      assert.equal(meeting.photos.length, 1);
    });

    step('township records offline: a rural banquet with its banned dishes checklist', async () => {
      await page.getByTestId('new-banquet').click();
      await page.getByTestId('save-record').waitFor();
      await page.getByTestId('field-host').locator('input').fill(chinese ? '王家村二组 张某' : 'Zhang, group 2');
      await page.getByTestId('field-tables').locator('input').fill('0');
      await page.getByTestId('field-cook').locator('input').fill(chinese ? '李师傅' : 'Chef Li');
      await page.getByTestId('field-samples_kept').click();
      for (const dish of ['green_beans', 'wild_mushrooms', 'medicinal_dishes']) {
        assert.ok((await page.getByTestId(`banned-${dish}`).innerText()).includes(t(`keys.banned_dish.${dish}`)));
      }
      await page.getByTestId('banned-green_beans').click();
      await page.getByTestId('banned-wild_mushrooms').click();
      await page.getByTestId('photo-input').setInputFiles([PHOTOS[2]]);
      await page.getByTestId('photo-thumb').waitFor();
      await page.getByTestId('save-record').click();
      const tablesError = page.getByTestId('field-tables').locator('.van-field__error-message');
      await tablesError.waitFor();
      assert.equal(await tablesError.innerText(), t('reason.out_of_range', { min: 1, max: 1000 }));
      await screen('banquet-refused');
      await page.getByTestId('field-tables').locator('input').fill('12');
      await page.getByTestId('save-record').click();
      await page.waitForURL(/#\/records$/);
      await page.locator('[data-testid=record-item][data-kind=banquet_filed]').waitFor();
      const banquet = await page.evaluate(() => window.__gridsafeFake.calls.filter((c) => c.cmd === 'add_banquet').at(-1).args.banquet);
      assert.deepEqual(banquet.banned_dishes_absent, ['green_beans', 'wild_mushrooms']);
      assert.equal(banquet.tables, 12);
      assert.equal(banquet.samples_kept, true);
    });

    step('township records offline: a signed promise', async () => {
      await page.getByTestId('new-promise').click();
      await page.getByTestId('save-record').waitFor();
      await page.getByTestId('field-promise_kind').click();
      const picker = page.locator('.van-popup .van-picker').filter({ hasText: t('keys.promise_kind.construction_safety') });
      await picker.waitFor();
      await picker.locator('.van-picker-column__item', { hasText: t('keys.promise_kind.construction_safety') }).click();
      await page.waitForTimeout(400); // the wheel settles on the tapped item
      await picker.locator('.van-picker__confirm').click();
      await picker.waitFor({ state: 'hidden' });
      await page.getByTestId('field-party').locator('input').fill(chinese ? '王家村砖厂' : 'Wangjia brickworks');
      await page.getByTestId('photo-input').setInputFiles([PHOTOS[3]]);
      await page.getByTestId('photo-thumb').waitFor();
      await screen('promise-new');
      await page.getByTestId('save-record').click();
      await page.waitForURL(/#\/records$/);
      await page.locator('[data-testid=record-item][data-kind=promise_signed]').waitFor();
      const promise = await page.evaluate(() => window.__gridsafeFake.calls.filter((c) => c.cmd === 'add_promise').at(-1).args.promise);
      assert.equal(promise.kind, 'construction_safety');
    });

    step('township records offline: an accident, marked urgent', async () => {
      await page.getByTestId('new-accident').click();
      await page.getByTestId('save-record').waitFor();
      await page.getByTestId('accident-hint').waitFor();
      await page.getByTestId('field-place').locator('input').fill(chinese ? '村道三组路口' : 'Village road, group 3');
      await page.getByTestId('field-sector').click();
      const picker = page.locator('.van-popup .van-picker').filter({ hasText: t('keys.sector.road_traffic') });
      await picker.waitFor();
      await picker.locator('.van-picker-column__item', { hasText: t('keys.sector.road_traffic') }).click();
      await page.waitForTimeout(400);
      await picker.locator('.van-picker__confirm').click();
      await picker.waitFor({ state: 'hidden' });
      await page.getByTestId('field-injuries').locator('input').fill('2');
      await page.getByTestId('field-description').locator('textarea').fill(chinese ? '农用车侧翻，两人受轻伤' : 'A farm vehicle overturned; two slightly hurt');
      await page.getByTestId('location-fix').waitFor();
      await screen('accident-new');
      await page.getByTestId('save-record').click();
      await page.waitForURL(/#\/records$/);
      await page.locator('[data-testid=record-item][data-kind=accident_reported]').waitFor();
      assert.equal(await page.getByTestId('record-item').count(), 4);
      assert.equal(await page.getByTestId('record-item').first().getAttribute('data-kind'), 'accident_reported');
      assert.equal(await page.locator('[data-testid=record-sync]', { hasText: t('syncstate.record.pending') }).count(), 4);
      await screen('records');
      const accident = await page.evaluate(() => window.__gridsafeFake.calls.filter((c) => c.cmd === 'add_accident').at(-1).args.accident);
      assert.equal(accident.sector, 'road_traffic');
      assert.equal(accident.injuries, 2);
      assert.equal(accident.deaths, 0);
      assert.equal(accident.location.source, 'gps');
    });

    step('sync screen: the task check and the records wait in the outbox, the accident first', async () => {
      await page.getByTestId('tab-sync').click();
      await page.getByTestId('outbox-item').first().waitFor();
      const pending = page.locator('[data-testid=outbox-item][data-state=pending]');
      assert.equal(await pending.count(), 6);
      assert.ok((await pending.first().innerText()).includes(t('keys.event_kind.accident_reported')));
      assert.ok((await pending.first().innerText()).includes(t('sync.urgent')));
      const kinds = await pending.allInnerTexts();
      for (const kind of ['task_check_recorded', 'meeting_recorded', 'banquet_filed', 'promise_signed']) {
        assert.ok(kinds.some((k) => k.includes(t(`keys.event_kind.${kind}`))), kind);
      }
      await screen('sync-records');
    });

    step('settings: language and account; sign-out refused while data waits, kept after two questions', async () => {
      await page.getByTestId('tab-settings').click();
      await page.getByTestId('account').waitFor();
      assert.ok((await page.getByTestId('account').innerText()).includes('13800001234'));
      await screen('settings');

      await page.getByTestId('sign-out').click();
      const first = page.locator('.signout-dialog-1');
      await first.waitFor();
      assert.ok((await first.innerText()).includes(t('settings.unsynced_title_1')));
      await screen('settings-signout-refused');
      await first.locator('.van-dialog__confirm').click();
      const second = page.locator('.signout-dialog-2');
      await second.waitFor();
      await screen('settings-signout-second');
      await second.locator('.van-dialog__cancel').click();
      await second.waitFor({ state: 'hidden' });
      assert.match(page.url(), /#\/settings$/);
      const signOuts = await page.evaluate(() => window.__gridsafeFake.calls.filter((c) => c.cmd === 'sign_out').map((c) => c.args.force));
      assert.deepEqual(signOuts, [false], 'never forced without both confirmations');
      assert.ok(await page.evaluate(() => window.__gridsafeFake.session !== null));
    });
  });
}
