import { describe, expect, it } from 'vitest';
import { defineComponent } from 'vue';
import { mount } from '@vue/test-utils';
import { createGridsafeI18n } from '../shared/i18n';
import { consoleMessages } from '../office/i18n';
import { ApiError, type RowProblem } from '../office/api';
import { useErrorText } from '../office/composables/useErrorText';

// The composable needs a component's setup; this one hands it out.
function inLocale(locale: 'zh-CN' | 'en') {
  localStorage.setItem('gridsafe.locale', locale);
  let out!: ReturnType<typeof useErrorText>;
  mount(
    defineComponent({
      setup() {
        out = useErrorText();
        return () => null;
      },
    }),
    { global: { plugins: [createGridsafeI18n({ messages: consoleMessages })] } },
  );
  return out;
}

describe('server errors in the reader\'s language', () => {
  it('words a known code in zh-CN and en, never the server\'s English', () => {
    const e = new ApiError(403, 'forbidden', 'grid 510002 is outside your grids');
    expect(inLocale('zh-CN').errorText(e)).toBe('您的账号无权办理此项：不在您负责的网格内，或需要管理员权限');
    expect(inLocale('en').errorText(e)).toMatch(/^Your account may not do this/);
  });

  it('names the reason of a refused action from the core\'s label table', () => {
    const e = new ApiError(409, 'superseded', 'not major (只有重大隐患才能挂牌督办)', [], 'not_major');
    expect(inLocale('zh-CN').errorText(e)).toBe('该隐患当前的状态不允许此操作：只有重大隐患才能挂牌督办');
  });

  it('lists each field with its label and reason, with the limits filled in', () => {
    const e = new ApiError(422, 'validation', 'check the fields', [
      { field: 'owner', reason: { code: 'required' } },
      { field: 'data.description', reason: { code: 'too_long', max: 2000 } },
    ]);
    expect(inLocale('zh-CN').errorText(e)).toBe('填写的内容有误：整改责任：必填、描述：不能超过 2000 个字');
  });

  it('says how long to wait after too many sign-ins', () => {
    const e = new ApiError(429, 'too_many_attempts', 'too many', [], null, 42);
    expect(inLocale('zh-CN').errorText(e)).toBe('登录失败次数过多，请 42 秒后再试');
  });

  it('falls back to the server\'s text for a code it does not know, and to "network" for the rest', () => {
    expect(inLocale('zh-CN').errorText(new ApiError(418, 'teapot', 'I am a teapot'))).toBe('I am a teapot');
    expect(inLocale('zh-CN').errorText(new TypeError('Failed to fetch'))).toBe('无法连接服务器，请检查网络');
  });

  it('words import rows from their problem and lists the accepted levels in tree order', () => {
    const { rowProblemText } = inLocale('zh-CN');
    const level: RowProblem = { code: 'bad_level', value: 'planet' };
    expect(rowProblemText(level, 'level "planet" is not one of')).toBe(
      '层级“planet”无效，应为：县、镇(乡)、村(社区)、企业单位',
    );
    const coord: RowProblem = { code: 'bad_coordinate', column: 'lat', value: '99', min: 3.8, max: 53.6 };
    expect(rowProblemText(coord, '')).toBe('纬度“99”应为 3.8 到 53.6 之间的数字');
    const cycle: RowProblem = { code: 'tree', grid: 'A', problem: 'cycle', message: 'grid A is its own ancestor' };
    expect(rowProblemText(cycle, '')).toBe('网格“A”的上级关系形成了循环');
    expect(inLocale('en').rowProblemText({ code: 'duplicate', value: 'LS-01', first_row: 2 }, '')).toBe(
      '"LS-01" is also on row 2',
    );
  });
});
