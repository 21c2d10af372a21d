/** The console's own UI strings, added to the shared ones under `console`. */
import type { ExtraMessages } from '../../shared/i18n';
import zhCN from './zh-CN.json';
import en from './en.json';

export const consoleMessages: ExtraMessages = { 'zh-CN': zhCN, en };
