/** The console's screens, in hash mode so the server serves one page at `/`. */
import { createRouter, createWebHashHistory, type RouteRecordRaw } from 'vue-router';

export const routes: RouteRecordRaw[] = [
  { path: '/', redirect: '/inbox' },
  { path: '/inbox', name: 'inbox', component: () => import('./views/Inbox.vue') },
  { path: '/hazards', name: 'hazards', component: () => import('./views/HazardList.vue') },
  {
    path: '/hazards/:id',
    name: 'hazard',
    component: () => import('./views/HazardDetail.vue'),
    props: true,
  },
  { path: '/grids/:code?', name: 'grids', component: () => import('./views/Grids.vue') },
  {
    path: '/assessment/:code?',
    name: 'assessment',
    component: () => import('./views/Assessment.vue'),
  },
  { path: '/map', name: 'map', component: () => import('./views/MapView.vue') },
  { path: '/points', name: 'points', component: () => import('./views/Points.vue') },
  { path: '/records', name: 'records', component: () => import('./views/Records.vue') },
  {
    path: '/tasks/:id',
    name: 'task',
    component: () => import('./views/TaskDetail.vue'),
    props: true,
  },
  { path: '/admin/import', name: 'admin-import', component: () => import('./views/AdminImport.vue') },
  { path: '/admin/users', name: 'admin-users', component: () => import('./views/AdminUsers.vue') },
  {
    path: '/admin/devices',
    name: 'admin-devices',
    component: () => import('./views/AdminDevices.vue'),
  },
];

export function createConsoleRouter() {
  return createRouter({ history: createWebHashHistory(), routes });
}
