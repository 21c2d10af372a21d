/**
 * The screens and how to reach them. Hash history, because the Tauri webview
 * serves the app from a custom scheme with no server to rewrite paths. A
 * screen other than enrolment needs a signed-in session. Screens are bundled
 * with the app, not loaded lazily: the files are on the phone anyway, and a
 * lazy chunk would share Vant with the office page through the common chunk.
 */
import { createRouter, createWebHashHistory, type RouteLocationNormalized, type Router } from 'vue-router';
import Enroll from './views/Enroll.vue';
import HazardDetail from './views/HazardDetail.vue';
import HazardList from './views/HazardList.vue';
import HazardNew from './views/HazardNew.vue';
import HazardRectify from './views/HazardRectify.vue';
import Home from './views/Home.vue';
import PointCheck from './views/PointCheck.vue';
import PointList from './views/PointList.vue';
import RecordList from './views/RecordList.vue';
import RecordNew from './views/RecordNew.vue';
import Settings from './views/Settings.vue';
import SyncView from './views/SyncView.vue';
import TaskCheck from './views/TaskCheck.vue';
import TaskDetail from './views/TaskDetail.vue';
import TaskList from './views/TaskList.vue';
import { loadSession } from './composables/useSession';
import { RECORD_FORMS, type RecordForm } from './domain';
import { showError } from './notify';

export type Tab = 'home' | 'hazards' | 'points' | 'sync' | 'settings';

declare module 'vue-router' {
  interface RouteMeta {
    /** i18n key of the screen title. */
    title: string;
    /** The bottom tab this screen belongs to. */
    tab?: Tab;
    /** Screens reachable without a session. */
    public?: boolean;
    /** Form screens keep the bottom of the screen for their save button. */
    form?: boolean;
    /** Where the back arrow goes when there is no history (opened directly). */
    parent?: string;
  }
}

export function createAppRouter(): Router {
  const router = createRouter({
    history: createWebHashHistory(),
    routes: [
      { path: '/enroll', component: Enroll, meta: { title: 'title.enroll', public: true } },
      { path: '/', component: Home, meta: { title: 'app.title', tab: 'home' } },
      { path: '/hazards', component: HazardList, meta: { title: 'title.hazards', tab: 'hazards' } },
      {
        path: '/hazards/new',
        component: HazardNew,
        meta: { title: 'title.hazard_new', tab: 'hazards', form: true, parent: '/hazards' },
      },
      {
        path: '/hazards/:id',
        component: HazardDetail,
        meta: { title: 'title.hazard_detail', tab: 'hazards', parent: '/hazards' },
      },
      {
        path: '/hazards/:id/rectify',
        component: HazardRectify,
        meta: { title: 'title.rectify', tab: 'hazards', form: true, parent: '/hazards' },
      },
      { path: '/points', component: PointList, meta: { title: 'title.points', tab: 'points' } },
      {
        path: '/points/:code/check',
        component: PointCheck,
        meta: { title: 'title.check', tab: 'points', form: true, parent: '/points' },
      },
      { path: '/tasks', component: TaskList, meta: { title: 'title.tasks', tab: 'home', parent: '/' } },
      {
        path: '/tasks/:id',
        component: TaskDetail,
        meta: { title: 'title.task_detail', tab: 'home', parent: '/tasks' },
      },
      {
        path: '/tasks/:id/check/:target',
        component: TaskCheck,
        meta: { title: 'title.task_check', tab: 'home', form: true, parent: '/tasks' },
      },
      { path: '/records', component: RecordList, meta: { title: 'title.records', tab: 'home', parent: '/' } },
      ...(Object.entries(RECORD_FORMS) as [RecordForm, string][]).map(([kind, event]) => ({
        path: `/records/new/${kind}`,
        component: RecordNew,
        meta: { title: `keys.event_kind.${event}`, tab: 'home' as Tab, form: true, parent: '/records' },
      })),
      { path: '/sync', component: SyncView, meta: { title: 'title.sync', tab: 'sync' } },
      { path: '/settings', component: Settings, meta: { title: 'title.settings', tab: 'settings' } },
      { path: '/:rest(.*)*', redirect: '/' },
    ],
  });

  router.beforeEach(async (to: RouteLocationNormalized) => {
    if (to.meta.public) return true;
    try {
      return (await loadSession()) ? true : { path: '/enroll' };
    } catch (error) {
      void showError(error);
      return { path: '/enroll' };
    }
  });

  return router;
}
