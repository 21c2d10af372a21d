import { describe, expect, it } from 'vitest';
import { defineComponent } from 'vue';
import { mount } from '@vue/test-utils';
import { ApiError } from '../../app/api';
import { fieldName, useFieldErrors } from '../../app/composables/useFieldErrors';
import { appI18n } from './setup';

function inLocale(locale: 'zh-CN' | 'en') {
  let out!: ReturnType<typeof useFieldErrors>;
  mount(
    defineComponent({
      setup() {
        out = useFieldErrors();
        return () => null;
      },
    }),
    { global: { plugins: [appI18n(locale)] } },
  );
  return out;
}

const refusal = (fields: unknown) => new ApiError('add_banquet', `invalid:${JSON.stringify(fields)}`);

describe('the core\'s field errors next to their fields', () => {
  it('reads the fields of an invalid: refusal and nothing from any other error', () => {
    expect(refusal([{ field: 'topic', reason: { code: 'required' } }]).fields).toEqual([
      { field: 'topic', reason: { code: 'required' } },
    ]);
    expect(new ApiError('sync', 'network down').fields).toEqual([]);
    expect(new ApiError('sync', 'invalid:not json').fields).toEqual([]);
    expect(fieldName('attendees[3]')).toBe('attendees');
    expect(fieldName('data.held_on')).toBe('held_on');
  });

  it('words each reason in zh-CN and en, with its limits', () => {
    const e = refusal([
      { field: 'tables', reason: { code: 'out_of_range', min: 1, max: 1000 } },
      { field: 'held_on', reason: { code: 'in_future' } },
    ]);
    const zh = inLocale('zh-CN');
    expect(zh.take(e, ['tables', 'held_on'])).toBe(true);
    expect(zh.of('tables')).toBe('应在 1 到 1000 之间');
    expect(zh.of('held_on')).toBe('不能晚于今天');
    const en = inLocale('en');
    en.take(e, ['tables', 'held_on']);
    expect(en.of('tables')).toBe('Must be between 1 and 1000');
  });

  it('leaves a refusal of a field the form does not show to the dialog', () => {
    const fe = inLocale('zh-CN');
    const e = refusal([
      { field: 'photos', reason: { code: 'too_many', max: 20 } },
      { field: 'host', reason: { code: 'required' } },
    ]);
    expect(fe.take(e, ['host'])).toBe(false);
    expect(fe.of('host')).toBe('必填');
    expect(fe.take(new Error('boom'), ['host'])).toBe(false);
    expect(fe.of('host')).toBe('');
  });
});
