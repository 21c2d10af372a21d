/**
 * The device's sync state as the user sees it: what waits, what the server
 * sent back, and whether there is a network. Shared by every screen. A sync
 * runs when the network comes back and after each saved record; a failure
 * there is not an interruption, it shows in the state line instead.
 */
import { computed, ref } from 'vue';
import { api, errorText, type SyncReport, type SyncStatus } from '../api';

const status = ref<SyncStatus | null>(null);
const online = ref(typeof navigator === 'undefined' ? true : navigator.onLine);
const syncing = ref(false);
const runError = ref<string | null>(null);
let running: Promise<SyncReport> | null = null;
let listening = false;

export type SyncHeadline =
  | { kind: 'rejected'; count: number }
  | { kind: 'offline'; count: number }
  | { kind: 'pending'; count: number }
  | { kind: 'synced' }
  | { kind: 'unknown' };

/** One line for the home screen: what the user has to act on comes first. */
export function headline(s: SyncStatus | null, isOnline: boolean): SyncHeadline {
  if (!s) return { kind: 'unknown' };
  const waiting = s.pending_events + s.pending_blobs;
  if (s.rejected > 0) return { kind: 'rejected', count: s.rejected };
  if (!isOnline) return { kind: 'offline', count: waiting };
  if (waiting > 0) return { kind: 'pending', count: waiting };
  return { kind: 'synced' };
}

async function refresh(): Promise<void> {
  status.value = await api.syncStatus();
}

/** Sends and fetches now; rejects with a readable message when it cannot. */
function run(): Promise<SyncReport> {
  running ??= (async () => {
    syncing.value = true;
    try {
      const report = await api.sync();
      runError.value = null;
      return report;
    } catch (error) {
      runError.value = errorText(error);
      throw error;
    } finally {
      syncing.value = false;
      running = null;
      await refresh().catch(() => undefined);
    }
  })();
  return running;
}

/** A sync nobody waits for (after a save, when the network returns). */
function runInBackground(): void {
  if (!online.value) {
    void refresh().catch((error) => (runError.value = errorText(error)));
    return;
  }
  run().catch(() => undefined); // kept in runError and shown in the state line
}

function listen(): void {
  if (listening || typeof window === 'undefined') return;
  listening = true;
  window.addEventListener('online', () => {
    online.value = true;
    runInBackground();
  });
  window.addEventListener('offline', () => {
    online.value = false;
  });
}

export function useSync() {
  listen();
  const state = computed(() => headline(status.value, online.value));
  const lastError = computed(() => runError.value ?? status.value?.last_error ?? null);
  return { status, online, syncing, state, lastError, refresh, run, runInBackground };
}
