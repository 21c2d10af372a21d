import { createApp } from 'vue';
import App from './App.vue';
import { createGridsafeI18n } from '../shared/i18n';
import '../shared/base.css';

createApp(App).use(createGridsafeI18n()).mount('#app');
