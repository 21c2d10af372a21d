/** Display helpers shared by the screens: dates, coordinates, hazard deadlines. */
import type { HazardState, HazardStatus } from '../shared/generated/types';

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A date-only deadline lasts to the end of that day, local time. */
export function parseDeadline(value: string): Date | null {
  const m = DATE_ONLY.exec(value);
  if (m) return new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]), 23, 59, 59, 999);
  const t = Date.parse(value);
  return Number.isNaN(t) ? null : new Date(t);
}

/** Statuses in which the rectification is still owed. */
export const RECTIFICATION_OWED: readonly HazardStatus[] = ['confirmed', 'rectifying'];
/** Statuses after which nothing more is expected in the field. */
export const FINISHED: readonly HazardStatus[] = ['verified', 'closed', 'rejected'];

export function deadlineOf(hazard: HazardState): string | null {
  return hazard.confirmation?.deadline ?? null;
}

/** 逾期: the deadline has passed and the fix is still owed. */
export function isOverdue(hazard: HazardState, now: Date = new Date()): boolean {
  const deadline = deadlineOf(hazard);
  if (!deadline || !RECTIFICATION_OWED.includes(hazard.status)) return false;
  const due = parseDeadline(deadline);
  return due !== null && due.getTime() < now.getTime();
}

export function isOpen(hazard: HazardState): boolean {
  return !FINISHED.includes(hazard.status);
}

function intlLocale(locale: string): string {
  return locale === 'en' ? 'en-GB' : 'zh-CN';
}

export function formatDateTime(value: string | null | undefined, locale: string): string {
  if (!value) return '';
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return value;
  return new Intl.DateTimeFormat(intlLocale(locale), {
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
  }).format(d);
}

export function formatDate(value: string | null | undefined, locale: string): string {
  if (!value) return '';
  const d = parseDeadline(value);
  if (!d) return value;
  return new Intl.DateTimeFormat(intlLocale(locale), {
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(d);
}

export function formatCoord(lat: number, lon: number): string {
  return `${lat.toFixed(6)}, ${lon.toFixed(6)}`;
}

/** Adds a quick phrase to a description, once, after what is already written. */
export function appendPhrase(text: string, phrase: string, separator: string): string {
  const current = text.trim();
  if (!current) return phrase;
  if (current.split(separator.trim() || separator).some((part) => part.trim() === phrase)) return text;
  return `${current}${separator}${phrase}`;
}
