/**
 * The core's refusal of a record, field by field, in the reader's language.
 * The native side sends field errors as `invalid:` JSON (see api.ts); a form
 * shows each reason under its field and falls back to a dialog for an error
 * that names no field it shows.
 */
import { ref } from 'vue';
import { useI18n } from 'vue-i18n';
import type { FieldError } from '../../shared/generated/types';
import { ApiError } from '../api';

/** `attendees[2]` and `data.topic` are the form's `attendees` and `topic`. */
export function fieldName(field: string): string {
  return field.replace(/^data\./, '').replace(/\[\d+\]$/, '');
}

export function useFieldErrors() {
  const { t, te } = useI18n();
  const errors = ref<Record<string, string>>({});

  function reasonText(f: FieldError): string {
    const key = `reason.${f.reason.code}`;
    return te(key) ? t(key, f.reason as Record<string, unknown>) : f.reason.code;
  }

  /** Puts a refusal's reasons by their fields; false when it names none the form shows. */
  function take(error: unknown, shown: readonly string[]): boolean {
    errors.value = {};
    if (!(error instanceof ApiError)) return false;
    const fields = error.fields.filter((f) => shown.includes(fieldName(f.field)));
    for (const f of fields) errors.value[fieldName(f.field)] ??= reasonText(f);
    return fields.length > 0 && fields.length === error.fields.length;
  }

  const of = (field: string): string => errors.value[field] ?? '';
  const clear = () => {
    errors.value = {};
  };

  return { errors, take, of, clear, reasonText };
}
