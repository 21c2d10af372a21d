import { describe, expect, it } from 'vitest';
import zhCN from '../../app/i18n/zh-CN.json';
import en from '../../app/i18n/en.json';
import sharedZh from '../../shared/i18n/zh-CN.json';
import { buildMessages, LABELS_NAMESPACE } from '../../shared/i18n';
import { appMessages } from '../../app/i18n';
import { badLeaves, keyPaths } from '../keyPaths';
import { appI18n } from './setup';

describe('phone app messages (app/i18n)', () => {
  it('zh-CN.json and en.json have the same keys and no empty text', () => {
    expect(keyPaths(en)).toEqual(keyPaths(zhCN));
    expect(badLeaves(zhCN)).toEqual([]);
    expect(badLeaves(en)).toEqual([]);
  });

  it('stay clear of the shared keys and the generated labels', () => {
    for (const key of Object.keys(zhCN)) {
      expect(key).not.toBe(LABELS_NAMESPACE);
      expect(Object.keys(sharedZh)).not.toContain(key);
    }
    expect(() => buildMessages(undefined, { 'zh-CN': { app: {} }, en: {} })).toThrow(/app/);
    expect(() => buildMessages(undefined, { 'zh-CN': {}, en: { keys: {} } })).toThrow(/keys/);
  });

  it('are merged beside the shared strings and the labels', () => {
    const { t } = appI18n().global;
    expect(t('nav.home')).toBe('首页');
    expect(t('app.title')).toBe('网格安全');
    expect(t('keys.verdict.danger')).toBe('危险');
    expect(t('syncstate.pending', { n: 3 }, 3)).toBe('3 条待上传');
    const english = appI18n('en').global;
    expect(english.t('syncstate.pending', { n: 1 }, 1)).toBe('1 item to upload');
    expect(english.t('syncstate.pending', { n: 4 }, 4)).toBe('4 items to upload');
    expect(appMessages.en).toBe(en);
  });
});
