import { describe, expect, it } from 'vitest';
import labels from '../shared/generated/labels.json';
import { SUPPORTED_LOCALES, createGridsafeI18n, escapeMessageSyntax } from '../shared/i18n';
import { badLeaves, getPath, keyPaths, leafPaths } from './keyPaths';

describe('generated domain labels (shared/generated/labels.json)', () => {
  it('has an entry for every supported locale and nothing else', () => {
    expect(Object.keys(labels).sort()).toEqual([...SUPPORTED_LOCALES].sort());
  });

  it('has the same keys in zh-CN and en, in both directions', () => {
    const zhPaths = keyPaths(labels['zh-CN']);
    const enPaths = keyPaths(labels.en);
    expect(zhPaths.filter((p) => !enPaths.includes(p))).toEqual([]);
    expect(enPaths.filter((p) => !zhPaths.includes(p))).toEqual([]);
  });

  it('has no empty labels', () => {
    expect(badLeaves(labels['zh-CN'])).toEqual([]);
    expect(badLeaves(labels.en)).toEqual([]);
  });

  it('resolves keys.sector.road_traffic in both locales', () => {
    const i18n = createGridsafeI18n({ locale: 'zh-CN' });
    const { t, te } = i18n.global;
    expect(t('keys.sector.road_traffic')).toBe('道路交通');
    expect(te('keys.sector.road_traffic', 'en')).toBe(true);
    i18n.global.locale.value = 'en';
    expect(t('keys.sector.road_traffic')).toBe('Road traffic');
  });

  it('resolves every generated label, verbatim, in its own locale (no fallback)', () => {
    const { t, te } = createGridsafeI18n({ locale: 'zh-CN' }).global;
    for (const locale of SUPPORTED_LOCALES) {
      const tree = labels[locale];
      const paths = leafPaths(tree);
      expect(paths.length).toBeGreaterThan(0);
      for (const path of paths) {
        const key = `keys.${path}`;
        expect(te(key, locale), `${locale}: ${key}`).toBe(true);
        expect(t(key, {}, { locale }), `${locale}: ${key}`).toBe(getPath(tree, path));
      }
    }
  });

  it('renders labels containing vue-i18n syntax characters verbatim', () => {
    const tricky = 'A | B {count} @:app.title @.lower:x $y 100%';
    expect(escapeMessageSyntax('plain 道路')).toBe('plain 道路');
    const { t } = createGridsafeI18n({
      locale: 'en',
      labels: { 'zh-CN': { sector: { x: tricky } }, en: { sector: { x: tricky } } },
    }).global;
    expect(t('keys.sector.x')).toBe(tricky);
    expect(t('keys.sector.x', {}, { locale: 'zh-CN' })).toBe(tricky);
  });

  it('keeps label lists as lists (read with t(key.N) or tm + rt)', () => {
    const list = ['plain', 'A | B', '{x} @:y'];
    const { t, tm, rt } = createGridsafeI18n({
      locale: 'en',
      labels: {
        'zh-CN': { sector_examples: { a: list, none: [] } },
        en: { sector_examples: { a: list, none: [] } },
      },
    }).global;
    expect(t('keys.sector_examples.a.1')).toBe('A | B');
    const raw: unknown = tm('keys.sector_examples.a');
    expect(Array.isArray(raw)).toBe(true);
    expect((raw as Parameters<typeof rt>[0][]).map((m) => rt(m))).toEqual(list);
    expect(tm('keys.sector_examples.none')).toEqual([]);
  });
});
