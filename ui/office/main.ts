import { createApp } from 'vue';
import App from './App.vue';
import { createGridsafeI18n } from '../shared/i18n';
import { consoleMessages } from './i18n';
import { installElement } from './element';
import { createConsoleRouter } from './router';
import '../shared/base.css';

const app = createApp(App);
installElement(app);
app.use(createGridsafeI18n({ messages: consoleMessages })).use(createConsoleRouter()).mount('#app');
