import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { api, ApiError, type TaskView } from '../../app/api';
import { resetSessionCache, useSession } from '../../app/composables/useSession';
import RecordNew from '../../app/views/RecordNew.vue';
import TaskCheck from '../../app/views/TaskCheck.vue';
import { mountAt, settle } from './setup';

const TASK: TaskView = {
  task: 'T-1', kind: 'special_campaign', sector: 'construction', title: '建筑施工专项整治', grid: 'QS',
  due: '2026-08-31', items: ['qualification', 'fall_protection'], note: null,
  issued_at: '2026-07-01T00:00:00Z', issued_by: 'office', done_at: null,
  targets: [{ target: { kind: 'grid', code: 'QS-WJ-ZC' }, covered_at: null, covered_by: null, checks: 0, failed: [], hazards: [] }],
  status: 'open', targets_total: 1, targets_covered: 0,
};

beforeEach(() => {
  resetSessionCache();
  const { session, grids } = useSession();
  session.value = { user: 'u', role: 'inspector', grids: ['QS-WJ'], server: 's', device_id: 'd' };
  grids.value = [
    { code: 'QS-WJ', name: '王家村', parent: null, level: 'village', responsible: null },
    { code: 'QS-WJ-ZC', name: '王家村砖厂', parent: 'QS-WJ', level: 'unit', responsible: null },
  ];
  vi.stubGlobal('navigator', { ...navigator, geolocation: undefined });
  vi.spyOn(api, 'sync').mockResolvedValue({ pushed: 0, accepted: 0, rejected: 0, blobs_uploaded: 0, pulled: 0 });
  vi.spyOn(api, 'syncStatus').mockResolvedValue({ pending_events: 1, pending_blobs: 0, rejected: 0, last_sync: null, last_error: null, damaged_photos: [] });
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
  localStorage.clear();
  document.body.innerHTML = '';
});

describe('a task\'s checklist (任务检查)', () => {
  it('turns a failed item into a hazard in one tap, named after the target and the item', async () => {
    vi.spyOn(api, 'task').mockResolvedValue(structuredClone(TASK));
    vi.spyOn(api, 'points').mockResolvedValue([]);
    const save = vi.spyOn(api, 'addTaskCheck').mockResolvedValue({ task: 'T-1', hazard: 'H-9' });
    const { wrapper, router } = await mountAt(TaskCheck, '/tasks/:id/check/:target', '/tasks/T-1/check/QS-WJ-ZC');
    await settle();
    expect(wrapper.find('[data-testid="check-target"]').text()).toContain('王家村砖厂');

    // Nothing is saved until every item is answered.
    await wrapper.find('[data-testid="save-task-check"]').trigger('click');
    await settle();
    expect(save).not.toHaveBeenCalled();

    await wrapper.find('[data-testid="item-qualification-pass"]').trigger('click');
    await wrapper.find('[data-testid="item-fall_protection-fail"]').trigger('click');
    expect(wrapper.find('[data-testid="task-hazard"]').exists()).toBe(false);
    await wrapper.find('[data-testid="to-hazard-fall_protection"]').trigger('click');
    const text = wrapper.find<HTMLTextAreaElement>('[data-testid="field-task-hazard"] textarea');
    expect(text.element.value).toBe('王家村砖厂：高空坠落防护不合格');
    await wrapper.find('[data-testid="hazard-level-major"]').trigger('click');

    await wrapper.find('[data-testid="save-task-check"]').trigger('click');
    await settle();
    expect(save).toHaveBeenCalledWith({
      task: 'T-1',
      target: 'QS-WJ-ZC',
      results: [
        { item: 'qualification', result: 'pass' },
        { item: 'fall_protection', result: 'fail' },
      ],
      hazard: { description: '王家村砖厂：高空坠落防护不合格', level: 'major', sector: null },
      note: null,
      location: null,
      photos: [],
    });
    expect(router.currentRoute.value.path).toBe('/tasks/T-1');
  });

  it('drops the hazard when its item passes after all', async () => {
    vi.spyOn(api, 'task').mockResolvedValue(structuredClone(TASK));
    vi.spyOn(api, 'points').mockResolvedValue([]);
    const save = vi.spyOn(api, 'addTaskCheck').mockResolvedValue({ task: 'T-1', hazard: null });
    const { wrapper } = await mountAt(TaskCheck, '/tasks/:id/check/:target', '/tasks/T-1/check/QS-WJ-ZC');
    await settle();
    await wrapper.find('[data-testid="item-qualification-fail"]').trigger('click');
    await wrapper.find('[data-testid="to-hazard-qualification"]').trigger('click');
    await wrapper.find('[data-testid="item-qualification-pass"]').trigger('click');
    await wrapper.find('[data-testid="item-fall_protection-pass"]').trigger('click');
    expect(wrapper.find('[data-testid="task-hazard"]').exists()).toBe(false);
    await wrapper.find('[data-testid="save-task-check"]').trigger('click');
    await settle();
    expect(save.mock.calls[0]![0].hazard).toBeNull();
  });
});

describe('a township record form', () => {
  it('shows the core\'s refusal under its field and keeps the form', async () => {
    const refusal = new ApiError('add_banquet', 'invalid:[{"field":"tables","reason":{"code":"out_of_range","min":1,"max":1000}}]');
    const add = vi.spyOn(api, 'addBanquet').mockRejectedValue(refusal);
    const { wrapper, router } = await mountAt(RecordNew, '/records/new/banquet', '/records/new/banquet');
    await wrapper.find('[data-testid="field-host"] input').setValue('张某');
    await wrapper.find('[data-testid="field-tables"] input').setValue('0');
    await wrapper.find('[data-testid="banned-wild_mushrooms"]').trigger('click');
    await wrapper.find('[data-testid="save-record"]').trigger('click');
    await settle();
    expect(add).toHaveBeenCalledWith(
      expect.objectContaining({ grid: 'QS-WJ', host: '张某', tables: 0, banned_dishes_absent: ['wild_mushrooms'], samples_kept: false }),
    );
    expect(wrapper.find('[data-testid="field-tables"] .van-field__error-message').text()).toBe('应在 1 到 1000 之间');
    expect(router.currentRoute.value.path).toBe('/records/new/banquet');
  });
});
