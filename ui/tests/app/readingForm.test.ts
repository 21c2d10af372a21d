import { describe, expect, it } from 'vitest';
import { mount } from '@vue/test-utils';
import { defineComponent, h, ref } from 'vue';
import forms from '../../shared/generated/reading_forms.json';
import type { PointKind } from '../../shared/generated/types';
import ReadingForm from '../../app/components/ReadingForm.vue';
import { answered, fieldsFor, isAlarm, problems, type ReadingValues } from '../../app/readingForm';
import { appI18n } from './setup';

const KINDS = Object.keys(forms) as PointKind[];

function mountForm(kind: PointKind, initial: ReadingValues = {}) {
  const values = ref<ReadingValues>(initial);
  const Host = defineComponent(() => () =>
    h(ReadingForm, {
      kind,
      modelValue: values.value,
      showProblems: true,
      'onUpdate:modelValue': (v: ReadingValues) => (values.value = v),
    }),
  );
  return { wrapper: mount(Host, { global: { plugins: [appI18n()] } }), values };
}

describe('check form (ReadingForm.vue)', () => {
  it('covers every point kind of reading_forms.json', () => {
    expect(KINDS.sort()).toEqual(['deep_water', 'embankment', 'landslide', 'pond_dam', 'reservoir']);
  });

  it.each(KINDS)('builds the inputs of a %s check from its form', (kind) => {
    const { wrapper } = mountForm(kind);
    for (const field of fieldsFor(kind)) {
      const row = wrapper.find(`[data-testid="reading-${field.key}"]`);
      expect(row.exists(), field.key).toBe(true);
      expect(row.attributes('data-type')).toBe(field.type.type);
      if (field.type.type === 'number') {
        const input = row.find('input');
        // Vant's number field: a text input with the decimal keypad and digit filtering.
        expect(input.attributes('inputmode')).toBe('decimal');
        expect(input.attributes('placeholder')).toBe(`${field.type.min}–${field.type.max} ${field.type.unit}`);
        expect(row.find('.unit').text()).toBe(field.type.unit);
      } else {
        expect(row.find(`[data-testid="flag-${field.key}-yes"]`).exists()).toBe(true);
        expect(row.find(`[data-testid="flag-${field.key}-no"]`).exists()).toBe(true);
        expect(row.find('input').exists()).toBe(false);
      }
    }
    // Nothing from another kind's form.
    const keys = new Set(fieldsFor(kind).map((f) => f.key));
    for (const el of wrapper.findAll('[data-type]')) {
      expect(keys.has(el.attributes('data-testid')!.replace('reading-', ''))).toBe(true);
    }
    wrapper.unmount();
  });

  it('labels readings from the generated labels, in Chinese', () => {
    const { wrapper } = mountForm('reservoir');
    expect(wrapper.find('[data-testid="reading-flood_limit_level_m"]').text()).toContain('汛限水位');
    expect(wrapper.find('[data-testid="reading-piping"]').text()).toContain('管涌');
    wrapper.unmount();
  });

  it('records flags and numbers, and taps an answer again to clear it', async () => {
    const { wrapper, values } = mountForm('landslide');
    await wrapper.find('[data-testid="flag-new_cracks-yes"]').trigger('click');
    expect(values.value.new_cracks).toBe(true);
    await wrapper.find('[data-testid="reading-crack_width_mm"] input').setValue('12.5');
    expect(values.value.crack_width_mm).toBe(12.5);
    await wrapper.find('[data-testid="flag-new_cracks-yes"]').trigger('click');
    expect(values.value.new_cracks).toBeNull();
    await wrapper.find('[data-testid="reading-crack_width_mm"] input').setValue('');
    expect(values.value.crack_width_mm).toBeNull();
    wrapper.unmount();
  });

  it('"all else normal" answers only the open flags, with their no-trouble value', async () => {
    const { wrapper, values } = mountForm('reservoir', { piping: true });
    await wrapper.find('[data-testid="rest-normal"]').trigger('click');
    expect(values.value.piping).toBe(true); // kept
    expect(values.value.seepage).toBe(false);
    expect(values.value.spillway_clear).toBe(true); // its trouble answer is "no"
    expect(values.value.water_level_m).toBeUndefined(); // numbers are never guessed
    wrapper.unmount();
  });

  it('finds missing required readings and numbers out of range', () => {
    const fields = fieldsFor('landslide');
    expect(problems(fields, {}).missing).toEqual(['crack_width_mm', 'new_cracks', 'bulging']);
    expect(problems(fields, { crack_width_mm: -1, new_cracks: false, bulging: false })).toEqual({
      missing: [],
      outOfRange: ['crack_width_mm'],
    });
    expect(answered({ a: 1, b: null, c: false })).toEqual({ a: 1, c: false });
    const spillway = fieldsFor('reservoir').find((f) => f.key === 'spillway_clear')!;
    expect(isAlarm(spillway, false)).toBe(true);
    expect(isAlarm(spillway, true)).toBe(false);
  });
});
