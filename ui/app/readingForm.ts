/**
 * The check form of each monitoring-point kind, from the generated
 * reading_forms.json: which readings, their type (flag or number with unit
 * and range), which are required and which answer raises the alarm.
 */
import forms from '../shared/generated/reading_forms.json';
import type { PointKind, ReadingValue } from '../shared/generated/types';

export type NumberReading = { type: 'number'; unit: string; min: number; max: number };
export type FlagReading = { type: 'flag' };
export type ReadingField = {
  key: string;
  type: NumberReading | FlagReading;
  required: boolean;
  /** For a flag, the answer that means trouble; null for numbers. */
  alarm_when: boolean | null;
};

function isField(value: unknown): value is ReadingField {
  if (typeof value !== 'object' || value === null) return false;
  const f = value as Record<string, unknown>;
  const type = f.type as Record<string, unknown> | undefined;
  return (
    typeof f.key === 'string' &&
    typeof f.required === 'boolean' &&
    (type?.type === 'flag' ||
      (type?.type === 'number' && typeof type.min === 'number' && typeof type.max === 'number'))
  );
}

/** The readings of a kind, in the order of the paper form. */
export function fieldsFor(kind: PointKind): ReadingField[] {
  const list: unknown = (forms as Record<string, unknown>)[kind];
  if (!Array.isArray(list) || !list.every(isField)) {
    throw new Error(`reading_forms.json has no valid form for ${kind}`);
  }
  return list;
}

export type ReadingValues = Record<string, ReadingValue | null>;

/** Keys of required readings left empty and of numbers outside their range. */
export function problems(fields: ReadingField[], values: ReadingValues): {
  missing: string[];
  outOfRange: string[];
} {
  const missing: string[] = [];
  const outOfRange: string[] = [];
  for (const field of fields) {
    const value = values[field.key];
    if (value === null || value === undefined) {
      if (field.required) missing.push(field.key);
    } else if (field.type.type === 'number') {
      if (typeof value !== 'number' || value < field.type.min || value > field.type.max) {
        outOfRange.push(field.key);
      }
    }
  }
  return { missing, outOfRange };
}

/** Only the answered readings go into the record. */
export function answered(values: ReadingValues): Record<string, ReadingValue> {
  const out: Record<string, ReadingValue> = {};
  for (const [key, value] of Object.entries(values)) if (value !== null) out[key] = value;
  return out;
}

export function isAlarm(field: ReadingField, value: ReadingValue | null | undefined): boolean {
  return field.type.type === 'flag' && value !== null && value !== undefined && value === field.alarm_when;
}
