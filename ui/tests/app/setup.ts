/** Mounting helpers for the phone app's component tests. */
import { mount, type ComponentMountingOptions } from '@vue/test-utils';
import { createRouter, createMemoryHistory, type RouteRecordRaw } from 'vue-router';
import type { Component } from 'vue';
import { createGridsafeI18n } from '../../shared/i18n';
import { appMessages } from '../../app/i18n';

export function appI18n(locale: 'zh-CN' | 'en' = 'zh-CN') {
  return createGridsafeI18n({ locale, messages: appMessages });
}

/** Mounts a view inside a memory router at `path`, the route it is registered under. */
export async function mountAt<C extends Component>(
  component: C,
  pattern: string,
  path: string,
  options: ComponentMountingOptions<C> = {},
) {
  const routes: RouteRecordRaw[] = [
    { path: pattern, component },
    { path: '/:rest(.*)*', component: { render: () => null } },
  ];
  const router = createRouter({ history: createMemoryHistory(), routes });
  await router.push(path);
  await router.isReady();
  const wrapper = mount(component, {
    ...options,
    global: { plugins: [appI18n(), router], ...(options.global ?? {}) },
    attachTo: document.body,
  } as ComponentMountingOptions<C>);
  return { wrapper, router };
}

/** Lets pending promises and Vue updates run. */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i += 1) await new Promise((resolve) => setTimeout(resolve, 0));
}
