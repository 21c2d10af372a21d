import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mount } from '@vue/test-utils';
import { Locale as VantLocale } from 'vant';
import App from '../app/App.vue';
import { LOCALE_STORAGE_KEY, createGridsafeI18n } from '../shared/i18n';

function mountApp() {
  return mount(App, { global: { plugins: [createGridsafeI18n()] } });
}

describe('phone app (app/App.vue)', () => {
  beforeEach(() => {
    localStorage.clear();
    // van-nav-bar measures its height in setTimeout callbacks up to 300 ms after
    // mount; run them while the DOM still exists instead of after teardown.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  });
  afterEach(() => {
    vi.runOnlyPendingTimers();
    vi.useRealTimers();
  });

  it('shows the zh-CN title by default', () => {
    const wrapper = mountApp();
    expect(wrapper.find('.van-nav-bar__title').text()).toBe('网格安全');
    expect(wrapper.find('[data-testid="subtitle"]').text()).not.toBe('');
    expect(document.title).toBe('网格安全');
    expect(VantLocale.messages().confirm).toBe('确认');
    wrapper.unmount();
  });

  it('switches to English from the language switch and remembers it', async () => {
    const wrapper = mountApp();
    const zhSubtitle = wrapper.find('[data-testid="subtitle"]').text();

    await wrapper.find('[data-testid="lang-en"]').trigger('click');

    expect(wrapper.find('.van-nav-bar__title').text()).toBe('gridsafe');
    expect(wrapper.find('[data-testid="subtitle"]').text()).not.toBe(zhSubtitle);
    expect(localStorage.getItem(LOCALE_STORAGE_KEY)).toBe('en');
    expect(document.documentElement.lang).toBe('en');
    expect(document.title).toBe('gridsafe');
    expect(VantLocale.messages().confirm).toBe('Confirm');
    wrapper.unmount();

    // A fresh start reads the stored choice.
    const again = mountApp();
    expect(again.find('.van-nav-bar__title').text()).toBe('gridsafe');

    await again.find('[data-testid="lang-zh-CN"]').trigger('click');
    expect(again.find('.van-nav-bar__title').text()).toBe('网格安全');
    expect(localStorage.getItem(LOCALE_STORAGE_KEY)).toBe('zh-CN');
    again.unmount();
  });

  it('ignores an unknown stored locale', () => {
    localStorage.setItem(LOCALE_STORAGE_KEY, 'fr');
    const wrapper = mountApp();
    expect(wrapper.find('.van-nav-bar__title').text()).toBe('网格安全');
    wrapper.unmount();
  });
});
