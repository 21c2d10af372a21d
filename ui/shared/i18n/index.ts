/**
 * Shared vue-i18n setup for both gridsafe pages (phone app and office console).
 *
 * - UI strings live in ./zh-CN.json and ./en.json (same key set, checked by tests).
 * - Domain labels (sector, hazard level, ...) are generated from Rust into
 *   ../generated/labels.json and are merged in under the `keys` namespace, so
 *   `t('keys.sector.road_traffic')` works. Never hand-edit labels.json.
 *   Some labels are lists (e.g. keys.sector_examples.fire): read one item with
 *   `t('keys.sector_examples.fire.0')`, or all with
 *   `tm('keys.sector_examples.fire').map((m) => rt(m))`.
 * - The chosen locale is persisted in localStorage under LOCALE_STORAGE_KEY.
 */
import { computed, type WritableComputedRef } from 'vue';
import { createI18n, useI18n } from 'vue-i18n';
import zhCN from './zh-CN.json';
import en from './en.json';
import generatedLabels from '../generated/labels.json';

export const SUPPORTED_LOCALES = ['zh-CN', 'en'] as const;
export type AppLocale = (typeof SUPPORTED_LOCALES)[number];
export const DEFAULT_LOCALE: AppLocale = 'zh-CN';
export const FALLBACK_LOCALE: AppLocale = 'zh-CN';
export const LOCALE_STORAGE_KEY = 'gridsafe.locale';

/** Namespace under which the Rust-generated domain labels are mounted. */
export const LABELS_NAMESPACE = 'keys';

/** A label, a list of labels, or a nested group of them, as found in labels.json. */
export type LabelValue = string | LabelValue[] | LabelTree;
/** The labels of one locale in labels.json. */
export interface LabelTree {
  [key: string]: LabelValue;
}
export type LabelsFile = Record<AppLocale, LabelTree>;

export function isAppLocale(value: unknown): value is AppLocale {
  return typeof value === 'string' && (SUPPORTED_LOCALES as readonly string[]).includes(value);
}

/**
 * vue-i18n parses messages with its own syntax ({named}, @:linked, a | b plural).
 * Generated labels are plain text, so the special characters are turned into
 * literal interpolations ({'@'}) and render verbatim.
 */
export function escapeMessageSyntax(text: string): string {
  return text.replace(/[{}@|]/g, (ch) => `{'${ch}'}`);
}

function escapeLabels<T extends LabelValue>(value: T): T;
function escapeLabels(value: LabelValue): LabelValue {
  if (typeof value === 'string') return escapeMessageSyntax(value);
  if (Array.isArray(value)) return value.map((item) => escapeLabels(item));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, escapeLabels(v)]));
}

// Assigned without a cast: if the generator changes the file's shape, this is a type error.
const defaultLabels: LabelsFile = generatedLabels;

/** A page's own UI strings, per locale, added to the shared ones. */
export type ExtraMessages = Record<AppLocale, Record<string, unknown>>;

/**
 * UI strings of every locale with the generated labels merged in under `keys`
 * and a page's own strings (`extra`) added beside them. The extra strings must
 * use their own top-level keys: they may not replace a shared one or `keys`.
 */
export function buildMessages(labels: LabelsFile = defaultLabels, extra?: ExtraMessages) {
  for (const locale of SUPPORTED_LOCALES) {
    const shared = locale === 'en' ? en : zhCN;
    const clash = Object.keys(extra?.[locale] ?? {}).filter(
      (key) => key === LABELS_NAMESPACE || key in shared,
    );
    if (clash.length > 0) throw new Error(`page messages redefine shared keys: ${clash.join(', ')}`);
  }
  return {
    'zh-CN': { ...extra?.['zh-CN'], ...zhCN, [LABELS_NAMESPACE]: escapeLabels(labels['zh-CN']) },
    en: { ...extra?.en, ...en, [LABELS_NAMESPACE]: escapeLabels(labels.en) },
  } satisfies Record<AppLocale, Record<string, unknown>>;
}

function storage(): Storage | undefined {
  try {
    return globalThis.localStorage ?? undefined;
  } catch {
    // Access can throw (e.g. storage disabled); fall back to the default locale.
    return undefined;
  }
}

export function readStoredLocale(): AppLocale {
  const stored = storage()?.getItem(LOCALE_STORAGE_KEY);
  return isAppLocale(stored) ? stored : DEFAULT_LOCALE;
}

export function storeLocale(locale: AppLocale): void {
  try {
    storage()?.setItem(LOCALE_STORAGE_KEY, locale);
  } catch {
    // Quota or privacy mode: the switch still works for this session.
  }
}

function applyDocumentLang(locale: AppLocale): void {
  if (typeof document !== 'undefined') document.documentElement.lang = locale;
}

/** Creates the i18n plugin; the locale defaults to the stored one, else zh-CN. */
export function createGridsafeI18n(
  options: { locale?: AppLocale; labels?: LabelsFile; messages?: ExtraMessages } = {},
) {
  const locale = options.locale ?? readStoredLocale();
  applyDocumentLang(locale);
  return createI18n({
    legacy: false,
    locale,
    fallbackLocale: FALLBACK_LOCALE,
    messages: buildMessages(options.labels, options.messages),
  });
}

export type GridsafeI18n = ReturnType<typeof createGridsafeI18n>;

/**
 * For components: the current locale as a writable ref. Writing it switches
 * the global locale, persists it and updates <html lang>.
 */
export function useLocale(): {
  locale: WritableComputedRef<AppLocale>;
  locales: readonly AppLocale[];
} {
  const { locale: i18nLocale } = useI18n({ useScope: 'global' });
  const locale = computed<AppLocale>({
    get: () => (isAppLocale(i18nLocale.value) ? i18nLocale.value : DEFAULT_LOCALE),
    set: (next) => {
      i18nLocale.value = next;
      storeLocale(next);
      applyDocumentLang(next);
    },
  });
  return { locale, locales: SUPPORTED_LOCALES };
}
