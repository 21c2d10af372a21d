import { afterEach, describe, expect, it, vi } from 'vitest';
import type { HazardState, HazardStatus } from '../../shared/generated/types';
import { api, type HazardView } from '../../app/api';
import { isOverdue, parseDeadline } from '../../app/format';
import HazardList from '../../app/views/HazardList.vue';
import { mountAt, settle } from './setup';

const NOW = new Date(2025, 5, 15, 10, 0); // 15 June 2025, 10:00 local

function hazard(id: string, status: HazardStatus, deadline: string | null): HazardState {
  return {
    id, grid: 'QS-WJ', sector: 'fire', level: 'general', status, description: `隐患${id}`, place: null,
    location: null, reported_by: 'u', reported_from: 'd', reported_at: '2025-06-01T08:00:00Z',
    photos: [], after_photos: [],
    confirmation: deadline === null ? null : { owner: '村委会', deadline, measures: null, funds_yuan: null, contingency_plan: null, by: 'o', at: '2025-06-02T08:00:00Z' },
    listed: null, rectified: null, verified: null, closed: null, rejected: null, reopened: 0,
    last: { wall_ms: 0, counter: 0, node: 'd' }, events: 1, superseded: [],
  };
}

afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
  sessionStorage.clear();
  document.body.innerHTML = '';
});

describe('overdue (逾期)', () => {
  it('is a passed deadline while the fix is still owed (confirmed or rectifying)', () => {
    expect(isOverdue(hazard('a', 'confirmed', '2025-06-14'), NOW)).toBe(true);
    expect(isOverdue(hazard('b', 'rectifying', '2025-06-10'), NOW)).toBe(true);
    for (const status of ['reported', 'rectified', 'verified', 'closed', 'rejected'] as const) {
      expect(isOverdue(hazard('c', status, '2025-06-01'), NOW), status).toBe(false);
    }
    expect(isOverdue(hazard('d', 'confirmed', null), NOW)).toBe(false);
  });

  it('lasts to the end of a date-only deadline', () => {
    expect(isOverdue(hazard('a', 'confirmed', '2025-06-15'), NOW)).toBe(false);
    expect(isOverdue(hazard('a', 'confirmed', '2025-06-15'), new Date(2025, 5, 16, 0, 0, 1))).toBe(true);
    expect(isOverdue(hazard('a', 'confirmed', '2025-06-15T09:00:00'), NOW)).toBe(true);
    expect(parseDeadline('not a date')).toBeNull();
  });

  it('marks overdue hazards in the list and filters them', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: NOW });
    const ok = { state: 'accepted' as const, reason: null, superseded: null };
    const views: HazardView[] = [
      { state: hazard('1', 'confirmed', '2025-06-01'), sync: ok },
      { state: hazard('2', 'rectifying', '2025-07-01'), sync: ok },
      { state: hazard('3', 'rectified', '2025-06-01'), sync: ok },
    ];
    vi.spyOn(api, 'hazards').mockResolvedValue(views);
    const { wrapper } = await mountAt(HazardList, '/hazards', '/hazards');
    await settle();
    const items = wrapper.findAll('[data-testid="hazard-item"]');
    const marked = (text: string) => items.find((i) => i.text().includes(text))!.find('[data-testid="overdue"]').exists();
    expect(marked('隐患1')).toBe(true);
    expect(marked('隐患2')).toBe(false);
    expect(wrapper.text()).toContain('逾期');

    const overdueTab = wrapper.findAll('[role="tab"]').find((tab) => tab.text() === '逾期')!;
    await overdueTab.trigger('click');
    await settle();
    expect(wrapper.findAll('[data-testid="hazard-item"]').map((i) => i.text().includes('隐患1'))).toEqual([true]);
    wrapper.unmount();
  });
});
