import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import { ElConfigProvider } from 'element-plus';
import App from '../office/App.vue';
import { LOCALE_STORAGE_KEY, createGridsafeI18n } from '../shared/i18n';
import { consoleMessages } from '../office/i18n';
import { installElement } from '../office/element';
import { createConsoleRouter } from '../office/router';
import { toApiFilter } from '../office/composables/useFilters';
import zhCN from '../office/i18n/zh-CN.json';
import en from '../office/i18n/en.json';
import { keyPaths } from './keyPaths';

// Not signed in: the session check answers 401, so the sign-in form shows.
function signedOut() {
  return vi.fn(async () =>
    new Response(JSON.stringify({ error: { code: 'unauthorized', message: 'sign in' } }), {
      status: 401,
      headers: { 'content-type': 'application/json' },
    }),
  );
}

function mountOffice() {
  return mount(App, {
    global: {
      plugins: [
        createGridsafeI18n({ messages: consoleMessages }),
        createConsoleRouter(),
        { install: installElement },
      ],
    },
  });
}

function elementLocaleName(wrapper: ReturnType<typeof mountOffice>): unknown {
  return (wrapper.findComponent(ElConfigProvider).props('locale') as { name?: string } | undefined)
    ?.name;
}

describe('office console (office/App.vue)', () => {
  beforeEach(() => {
    localStorage.clear();
    vi.stubGlobal('fetch', signedOut());
  });
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('shows the zh-CN title, Element Plus zh-cn locale and the sign-in form by default', async () => {
    const wrapper = mountOffice();
    await flushPromises();
    expect(wrapper.find('[data-testid="title"]').text()).toBe('网格安全 · 镇安办工作台');
    expect(elementLocaleName(wrapper)).toBe('zh-cn');
    expect(document.title).toBe('网格安全 · 镇安办工作台');
    expect(wrapper.find('[data-testid="signin"]').text()).toBe('登录');
    wrapper.unmount();
  });

  it('switches to English from the language switch and remembers it', async () => {
    const wrapper = mountOffice();
    await flushPromises();

    await wrapper.find('[data-testid="lang-en"] input').setValue(true);

    expect(wrapper.find('[data-testid="title"]').text()).toBe('gridsafe · Town safety office');
    expect(elementLocaleName(wrapper)).toBe('en');
    expect(localStorage.getItem(LOCALE_STORAGE_KEY)).toBe('en');
    expect(document.title).toBe('gridsafe · Town safety office');
    expect(wrapper.find('[data-testid="signin"]').text()).toBe('Sign in');
    wrapper.unmount();

    const again = mountOffice();
    await flushPromises();
    expect(again.find('[data-testid="title"]').text()).toBe('gridsafe · Town safety office');
    expect(elementLocaleName(again)).toBe('en');
    again.unmount();
  });
});

describe('console strings', () => {
  it('has the same keys in zh-CN and en', () => {
    expect(keyPaths(en)).toEqual(keyPaths(zhCN));
  });
});

describe('hazard filters', () => {
  it('leaves out empty filters and sends the rest as the API names them', () => {
    expect(
      toApiFilter({
        grid: '510001-01',
        sector: '',
        level: 'major',
        status: ['confirmed', 'rectifying'],
        overdue: true,
        listed: 'false',
        q: '  脚手架 ',
        range: ['2026-01-01', '2026-06-30'],
        sort: 'reported_desc',
        page: 2,
        perPage: 20,
      }),
    ).toEqual({
      grid: '510001-01',
      sector: undefined,
      level: 'major',
      status: ['confirmed', 'rectifying'],
      overdue: true,
      listed: false,
      q: '脚手架',
      from: '2026-01-01',
      to: '2026-06-30',
      sort: undefined,
    });
  });
});
