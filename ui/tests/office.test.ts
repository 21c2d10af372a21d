import { beforeEach, describe, expect, it } from 'vitest';
import { mount } from '@vue/test-utils';
import { ElConfigProvider } from 'element-plus';
import App from '../office/App.vue';
import { LOCALE_STORAGE_KEY, createGridsafeI18n } from '../shared/i18n';

function mountOffice() {
  return mount(App, { global: { plugins: [createGridsafeI18n()] } });
}

function elementLocaleName(wrapper: ReturnType<typeof mountOffice>): unknown {
  return (wrapper.findComponent(ElConfigProvider).props('locale') as { name?: string } | undefined)
    ?.name;
}

describe('office console (office/App.vue)', () => {
  beforeEach(() => {
    localStorage.clear();
  });

  it('shows the zh-CN title and Element Plus zh-cn locale by default', () => {
    const wrapper = mountOffice();
    expect(wrapper.find('[data-testid="title"]').text()).toBe('网格安全 · 镇安办工作台');
    expect(elementLocaleName(wrapper)).toBe('zh-cn');
    expect(document.title).toBe('网格安全 · 镇安办工作台');
    wrapper.unmount();
  });

  it('switches to English from the language switch and remembers it', async () => {
    const wrapper = mountOffice();

    await wrapper.find('[data-testid="lang-en"] input').setValue(true);

    expect(wrapper.find('[data-testid="title"]').text()).toBe('gridsafe · Town safety office');
    expect(elementLocaleName(wrapper)).toBe('en');
    expect(localStorage.getItem(LOCALE_STORAGE_KEY)).toBe('en');
    expect(document.title).toBe('gridsafe · Town safety office');
    wrapper.unmount();

    const again = mountOffice();
    expect(again.find('[data-testid="title"]').text()).toBe('gridsafe · Town safety office');
    expect(elementLocaleName(again)).toBe('en');
    again.unmount();
  });
});
