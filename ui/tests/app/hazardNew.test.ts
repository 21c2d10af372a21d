import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { api } from '../../app/api';
import QuickPhrases from '../../app/components/QuickPhrases.vue';
import { resetSessionCache, useSession } from '../../app/composables/useSession';
import { appendPhrase } from '../../app/format';
import HazardNew from '../../app/views/HazardNew.vue';
import { appI18n, mountAt, settle } from './setup';
import { mount } from '@vue/test-utils';

beforeEach(() => {
  resetSessionCache();
  const { session, grids } = useSession();
  session.value = { user: 'u', role: 'inspector', grids: ['QS-WJ'], server: 's', device_id: 'd' };
  grids.value = [
    { code: 'QS-WJ', name: '王家村', parent: 'QS', level: 'village', responsible: null },
    { code: 'QS-WJ-ZC', name: '王家村砖厂', parent: 'QS-WJ', level: 'unit', responsible: null },
  ];
  // No receiver in the test: the screen must still save at once.
  vi.stubGlobal('navigator', { ...navigator, geolocation: undefined });
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
  localStorage.clear();
  document.body.innerHTML = '';
});

describe('quick phrases', () => {
  it('appends a phrase once, after what is written', () => {
    expect(appendPhrase('', '高空坠落', '，')).toBe('高空坠落');
    expect(appendPhrase('脚手架松动', '高空坠落', '，')).toBe('脚手架松动，高空坠落');
    expect(appendPhrase('脚手架松动，高空坠落', '高空坠落', '，')).toBe('脚手架松动，高空坠落');
    expect(appendPhrase('Loose scaffold', 'Falls', ', ')).toBe('Loose scaffold, Falls');
  });

  it('lists the sector examples from the generated labels', () => {
    const wrapper = mount(QuickPhrases, { props: { sector: 'road_traffic' }, global: { plugins: [appI18n()] } });
    const phrases = wrapper.findAll('[data-testid="quick-phrase"]').map((b) => b.text());
    expect(phrases).toContain('农用车非法载人');
    expect(phrases).toContain('疲劳驾驶');
    wrapper.unmount();
    const none = mount(QuickPhrases, { props: { sector: 'other' }, global: { plugins: [appI18n()] } });
    expect(none.find('[data-testid="quick-phrases"]').exists()).toBe(false);
  });

  it('fill the description on the new-hazard screen, which saves at once', async () => {
    const addHazard = vi.spyOn(api, 'addHazard').mockResolvedValue('H-1');
    vi.spyOn(api, 'sync').mockResolvedValue({ pushed: 0, accepted: 0, rejected: 0, blobs_uploaded: 0, pulled: 0 });
    vi.spyOn(api, 'syncStatus').mockResolvedValue({ pending_events: 1, pending_blobs: 0, rejected: 0, last_sync: null, last_error: null, damaged_photos: [] });
    const { wrapper, router } = await mountAt(HazardNew, '/hazards/new', '/hazards/new');
    // No sector yet, so no phrases.
    expect(wrapper.find('[data-testid="quick-phrases"]').exists()).toBe(false);

    await wrapper.find('[data-testid="field-sector"]').trigger('click');
    await settle();
    const picker = [...document.querySelectorAll('.van-picker')].find((p) => p.textContent?.includes('建筑施工'))!;
    const item = [...picker.querySelectorAll<HTMLElement>('.van-picker-column__item')].find((i) => i.textContent?.trim() === '建筑施工')!;
    item.click();
    await settle();
    picker.querySelector<HTMLButtonElement>('.van-picker__confirm')!.click();
    await settle();

    const phrases = wrapper.findAll('[data-testid="quick-phrase"]');
    expect(phrases.map((p) => p.text())).toEqual(['高空坠落', '龙门吊检测', '无资质施工', '防护措施']);
    await phrases[0]!.trigger('click');
    await phrases[3]!.trigger('click');
    await phrases[0]!.trigger('click');
    const textarea = wrapper.find<HTMLTextAreaElement>('[data-testid="field-description"] textarea');
    expect(textarea.element.value).toBe('高空坠落，防护措施');

    await wrapper.find('[data-testid="save-hazard"]').trigger('click');
    await settle();
    expect(addHazard).toHaveBeenCalledWith({
      grid: 'QS-WJ',
      sector: 'construction',
      level: 'general',
      description: '高空坠落，防护措施',
      place: null,
      location: null,
      photos: [],
    });
    await settle();
    expect(router.currentRoute.value.path).toBe('/hazards');
    wrapper.unmount();
  });
});
