import { describe, expect, it } from 'vitest';
import zhCN from '../shared/i18n/zh-CN.json';
import en from '../shared/i18n/en.json';
import { LABELS_NAMESPACE } from '../shared/i18n';
import { badLeaves, keyPaths } from './keyPaths';

describe('key helpers', () => {
  // The checks below are only as good as these helpers: show they can fail.
  it('keyPaths tells apart trees that differ by one nested or empty key', () => {
    expect(keyPaths({ a: { b: 'x' } })).not.toEqual(keyPaths({ a: { c: 'x' } }));
    expect(keyPaths({ a: {} })).not.toEqual(keyPaths({ a: { b: 'x' } }));
    expect(keyPaths({ a: 'x', b: {} })).not.toEqual(keyPaths({ a: 'x' }));
    expect(keyPaths({ a: ['x', 'y'] })).not.toEqual(keyPaths({ a: ['x'] }));
    expect(keyPaths({ a: [] })).not.toEqual(keyPaths({ b: [] }));
    expect(keyPaths({ b: { d: '1', c: '2' }, a: ['3'] })).toEqual(['a', 'a.0', 'b', 'b.c', 'b.d']);
  });

  it('badLeaves finds empty, blank and non-string leaves', () => {
    expect(badLeaves({ a: { b: '', c: 'ok', d: '  ' }, e: 1, f: ['x', ''], g: null })).toEqual([
      'a.b',
      'a.d',
      'e',
      'f.1',
      'g',
    ]);
    expect(badLeaves({ a: { b: 'ok' }, c: ['x'], d: [] })).toEqual([]);
  });
});

describe('UI message files', () => {
  it('zh-CN.json and en.json have exactly the same key set', () => {
    expect(keyPaths(en)).toEqual(keyPaths(zhCN));
  });

  it('have no empty or non-string messages', () => {
    expect(badLeaves(zhCN)).toEqual([]);
    expect(badLeaves(en)).toEqual([]);
  });

  it('are not empty and leave the generated-labels namespace free', () => {
    expect(keyPaths(zhCN).length).toBeGreaterThan(0);
    expect(Object.keys(zhCN)).not.toContain(LABELS_NAMESPACE);
    expect(Object.keys(en)).not.toContain(LABELS_NAMESPACE);
  });
});
