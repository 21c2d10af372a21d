/**
 * Server errors in the reader's language.
 *
 * The server answers `{error: {code, message, fields, reason, ...}}`; its
 * `message` is English, for scripts and logs. The console words each error
 * from its stable `code` (console.errors.*), each field problem from its
 * reason (console.reason.*) and each import row from its problem
 * (console.import_problem.*), and shows the server's text only for a code
 * it does not know.
 */
import { useI18n } from 'vue-i18n';
import { ApiError } from '../api';
import type { RowProblem } from '../api';
import type { GridLevel, PointKind } from '../../shared/generated/types';

/** The keys an import accepts, in the order people read them. */
const LEVELS: readonly GridLevel[] = ['county', 'town', 'village', 'unit'];
const KINDS: readonly PointKind[] = ['landslide', 'reservoir', 'pond_dam', 'embankment', 'deep_water'];

/** Where a field's label may be found, in order. */
const FIELD_LABELS = ['console.detail', 'console.admin', 'console.admin.col'];

export function useErrorText() {
  const { t, te } = useI18n({ useScope: 'global' });

  const fieldLabel = (field: string): string => {
    const name = field.replace(/^data\./, '');
    const scope = FIELD_LABELS.find((s) => te(`${s}.${name}`));
    return scope ? t(`${scope}.${name}`) : name;
  };

  const keyList = (table: string, keys: readonly string[]): string =>
    keys.map((k) => t(`keys.${table}.${k}`)).join(t('console.list_separator'));

  /** One field's problem: "整改时限：必填". */
  const fieldText = (f: { field: string; reason: { code: string } & Record<string, unknown> }) =>
    `${fieldLabel(f.field)}${t('console.colon')}${
      te(`console.reason.${f.reason.code}`) ? t(`console.reason.${f.reason.code}`, f.reason) : f.reason.code
    }`;

  /** Any thrown value as one line for an alert or a message. */
  function errorText(e: unknown): string {
    if (!(e instanceof ApiError)) return t('console.error.network');
    let text: string;
    if (e.code === 'superseded' && e.reason && te(`keys.superseded.${e.reason}`)) {
      text = t('console.errors.superseded', { reason: t(`keys.superseded.${e.reason}`) });
    } else if (e.code === 'too_many_attempts' && e.retryAfterSecs != null) {
      text = t('console.errors.too_many_attempts', { secs: e.retryAfterSecs });
    } else if (te(`console.errors.${e.code}`)) {
      text = t(`console.errors.${e.code}`);
    } else {
      return e.message;
    }
    if (e.fields.length) text += `${t('console.colon')}${e.fields.map(fieldText).join(t('console.list_separator'))}`;
    return text;
  }

  /** One row of an import preview, from its problem's code and details. */
  function rowProblemText(p: RowProblem, message: string): string {
    const key = `console.import_problem.${p.code}`;
    if (p.code === 'tree') {
      const k = `console.import_problem.tree_${p.problem}`;
      return te(k) ? t(k, { grid: p.grid }) : message;
    }
    if (!te(key)) return message;
    const column = 'column' in p && p.column ? fieldLabel(p.column) : '';
    return t(key, {
      ...p,
      column,
      levels: keyList('grid_level', LEVELS),
      kinds: keyList('point_kind', KINDS),
    });
  }

  return { errorText, fieldText, rowProblemText };
}
