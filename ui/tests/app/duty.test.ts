import { describe, expect, it } from 'vitest';
import type { PointView } from '../../app/api';
import { dueAt, dutyReminder } from '../../app/duty';

const NOW = new Date('2026-07-10T08:00:00Z');
const hours = (h: number) => new Date(NOW.getTime() + h * 3600_000).toISOString();

function point(code: string, next: string | null, duty: boolean, checked = true): PointView {
  return {
    point: { code, name: code, kind: 'landslide', grid: 'V1', lat: 30, lon: 104, monitor: null },
    last_check: checked ? { check: `C-${code}`, verdict: 'normal', at: hours(-1), by: 'u' } : null,
    check_due: false,
    next_check_at: next,
    duty: duty ? { duty: 'D-1', interval_hours: 24, since: hours(-48) } : null,
  };
}

describe('flood-season duty (24小时值班)', () => {
  it('a point is due once its next check time has come, or when never checked', () => {
    expect(dueAt(point('a', hours(-0.5), true), NOW)).toBe(true);
    expect(dueAt(point('b', NOW.toISOString(), true), NOW)).toBe(true);
    expect(dueAt(point('c', hours(3), true), NOW)).toBe(false);
    expect(dueAt(point('d', null, true, false), NOW)).toBe(true);
  });

  it('reminds of the points on duty that are due and names the next one coming', () => {
    const points = [
      point('late', hours(-2), true),
      point('soon', hours(2), true),
      point('later', hours(20), true),
      point('off-duty', hours(-30), false),
    ];
    const r = dutyReminder(points, NOW);
    expect(r.due.map((p) => p.point.code)).toEqual(['late']);
    expect(r.next?.point.point.code).toBe('soon');
    expect(r.next?.at).toBe(hours(2));
    // Three hours on, the next one has come due as well.
    const later = dutyReminder(points, new Date(NOW.getTime() + 3 * 3600_000));
    expect(later.due.map((p) => p.point.code)).toEqual(['late', 'soon']);
    expect(later.next?.point.point.code).toBe('later');
  });

  it('says nothing when no point is on duty', () => {
    expect(dutyReminder([point('x', hours(-5), false)], NOW)).toEqual({ due: [], next: null });
  });
});
