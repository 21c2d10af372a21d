/**
 * Flood-season duty on the phone: which points on duty are due for a check
 * and when the next one falls due. The device says when each point's next
 * check is due (`next_check_at`, from the core's rule); this only compares
 * those times with the clock, so a screen left open still reminds.
 */
import type { PointView } from './api';

/** A point the office put on duty; the others keep the town-wide interval. */
export function onDuty(p: PointView): boolean {
  return !!p.duty;
}

/** Whether a point's check is due at `now`: never checked, or its time has come. */
export function dueAt(p: PointView, now: Date): boolean {
  if (!p.next_check_at) return p.check_due || !p.last_check;
  return Date.parse(p.next_check_at) <= now.getTime();
}

export type DutyReminder = {
  /** Points on duty whose check is due now. */
  due: PointView[];
  /** The earliest upcoming check among the other points on duty. */
  next: { point: PointView; at: string } | null;
};

export function dutyReminder(points: readonly PointView[], now: Date): DutyReminder {
  const duty = points.filter(onDuty);
  const due = duty.filter((p) => dueAt(p, now));
  let next: DutyReminder['next'] = null;
  for (const p of duty) {
    if (dueAt(p, now) || !p.next_check_at) continue;
    if (!next || Date.parse(p.next_check_at) < Date.parse(next.at)) next = { point: p, at: p.next_check_at };
  }
  return { due, next };
}
