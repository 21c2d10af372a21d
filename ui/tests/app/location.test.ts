import { afterEach, describe, expect, it, vi } from 'vitest';
import { mount } from '@vue/test-utils';
import { defineComponent, h } from 'vue';
import LocationField from '../../app/components/LocationField.vue';
import { fixFromPosition, manualFix, useLocation } from '../../app/composables/useLocation';
import { appI18n, settle } from './setup';

type Success = (p: { coords: { latitude: number; longitude: number; accuracy: number }; timestamp: number }) => void;

function fakeGeolocation(lat: number, lon: number, accuracy: number) {
  const getCurrentPosition = vi.fn((ok: Success, _fail?: unknown, _options?: PositionOptions) => ok({ coords: { latitude: lat, longitude: lon, accuracy }, timestamp: Date.now() }));
  vi.stubGlobal('navigator', { ...navigator, geolocation: { getCurrentPosition } });
  return getCurrentPosition;
}

afterEach(() => {
  vi.unstubAllGlobals();
  document.body.innerHTML = '';
});

describe('location (useLocation)', () => {
  it('never turns 0,0 into a location', () => {
    expect(fixFromPosition({ coords: { latitude: 0, longitude: 0, accuracy: 5 }, timestamp: 1 })).toBeNull();
    expect(fixFromPosition({ coords: { latitude: 0.0000001, longitude: -0.0000002, accuracy: 5 }, timestamp: 1 })).toBeNull();
    expect(manualFix(0, 0)).toBeNull();
    expect(manualFix(Number.NaN, 104)).toBeNull();
    expect(manualFix(91, 104)).toBeNull();
    expect(manualFix(30.5, 104.1)).toMatchObject({ lat: 30.5, lon: 104.1, source: 'manual', accuracy_m: null });
  });

  it('keeps a real GPS fix with its accuracy and time, and flags poor accuracy', async () => {
    const get = fakeGeolocation(30.65, 104.21, 72.4);
    const loc = useLocation();
    const fix = await loc.locate();
    expect(get.mock.calls[0]![2]).toMatchObject({ enableHighAccuracy: true, timeout: expect.any(Number) });
    expect(fix).toMatchObject({ lat: 30.65, lon: 104.21, accuracy_m: 72, source: 'gps' });
    expect(typeof fix!.fixed_at).toBe('string');
    expect(loc.poor.value).toBe(true);
  });

  it('a 0,0 answer from the receiver keeps no fix and says so', async () => {
    fakeGeolocation(0, 0, 10);
    const loc = useLocation();
    expect(await loc.locate()).toBeNull();
    expect(loc.fix.value).toBeNull();
    expect(loc.problem.value).toBe('null_island');
    expect(loc.setManual(0, 0)).toBe(false);
    expect(loc.fix.value).toBeNull();
  });

  it('the field refuses 0,0 and empty coordinates typed by hand', async () => {
    fakeGeolocation(0, 0, 10);
    const loc = useLocation();
    await loc.locate();
    const Host = defineComponent(() => () => h(LocationField, { loc }));
    const wrapper = mount(Host, { global: { plugins: [appI18n()] }, attachTo: document.body });
    expect(wrapper.find('[data-testid="location-none"]').text()).toContain('定位结果无效');

    await wrapper.find('[data-testid="location-manual"]').trigger('click');
    await settle();
    const lat = document.querySelector<HTMLInputElement>('[data-testid="manual-lat"] input')!;
    const lon = document.querySelector<HTMLInputElement>('[data-testid="manual-lon"] input')!;
    const save = document.querySelector<HTMLButtonElement>('[data-testid="manual-save"]')!;

    save.click(); // both empty: they would read as 0,0
    await settle();
    expect(document.querySelector('[data-testid="manual-invalid"]')).not.toBeNull();
    expect(loc.fix.value).toBeNull();

    for (const [input, value] of [[lat, '0'], [lon, '0']] as const) {
      input.value = value;
      input.dispatchEvent(new Event('input'));
    }
    save.click();
    await settle();
    expect(loc.fix.value).toBeNull();

    lat.value = '30.6612';
    lat.dispatchEvent(new Event('input'));
    lon.value = '104.2301';
    lon.dispatchEvent(new Event('input'));
    save.click();
    await settle();
    expect(loc.fix.value).toMatchObject({ lat: 30.6612, lon: 104.2301, source: 'manual' });
    expect(wrapper.find('[data-testid="location-fix"]').text()).toContain('30.661200');
    wrapper.unmount();
  });

  it('shows the accuracy and warns beyond 50 m', async () => {
    fakeGeolocation(30.65, 104.21, 120);
    const loc = useLocation();
    await loc.locate();
    const Host = defineComponent(() => () => h(LocationField, { loc }));
    const wrapper = mount(Host, { global: { plugins: [appI18n()] } });
    expect(wrapper.find('[data-testid="location-accuracy"]').text()).toContain('120');
    expect(wrapper.find('[data-testid="location-poor"]').exists()).toBe(true);
    loc.fix.value = { ...loc.fix.value!, accuracy_m: 12 };
    await settle();
    expect(wrapper.find('[data-testid="location-poor"]').exists()).toBe(false);
    wrapper.unmount();
  });
});
