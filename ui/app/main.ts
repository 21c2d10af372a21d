import { createApp } from 'vue';
import App from './App.vue';
import { createGridsafeI18n } from '../shared/i18n';
import { appMessages } from './i18n';
import { createAppRouter } from './router';
import '../shared/base.css';

createApp(App).use(createGridsafeI18n({ messages: appMessages })).use(createAppRouter()).mount('#app');
