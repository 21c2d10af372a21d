/** The phone app's own UI strings, added to the shared ones by main.ts. */
import zhCN from './zh-CN.json';
import en from './en.json';
import type { ExtraMessages } from '../../shared/i18n';

export const appMessages: ExtraMessages = { 'zh-CN': zhCN, en };
