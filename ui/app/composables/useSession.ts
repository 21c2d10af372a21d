/**
 * Who is signed in on this device and the grids they answer for. Loaded once
 * and shared by every screen; the server address and account are remembered
 * (never the password) so re-enrolling after a sign-out is quick.
 */
import { computed, ref } from 'vue';
import type { GridNode } from '../../shared/generated/types';
import { api, ApiError, type Session } from '../api';

const REMEMBER_KEY = 'gridsafe.enroll';

const session = ref<Session | null>(null);
const grids = ref<GridNode[]>([]);
let loading: Promise<Session | null> | null = null;

export type Remembered = { server: string; username: string };

export function rememberedLogin(): Remembered {
  try {
    const raw = JSON.parse(localStorage.getItem(REMEMBER_KEY) ?? '{}') as Partial<Remembered>;
    return { server: raw.server ?? '', username: raw.username ?? '' };
  } catch {
    return { server: '', username: '' };
  }
}

function remember(value: Remembered): void {
  try {
    localStorage.setItem(REMEMBER_KEY, JSON.stringify(value));
  } catch {
    // Storage full or disabled: the form is simply not pre-filled next time.
  }
}

async function loadGrids(): Promise<void> {
  grids.value = session.value ? await api.grids() : [];
}

/** The session, asked of the native side once; later calls reuse the answer. */
export function loadSession(): Promise<Session | null> {
  loading ??= (async () => {
    try {
      session.value = await api.session();
      await loadGrids();
      return session.value;
    } catch (error) {
      loading = null; // let the next screen ask again
      throw error;
    }
  })();
  return loading;
}

/** Asked before each step of a forced sign-out; false stops it. */
export type ConfirmStep = (step: 1 | 2, detail: string) => Promise<boolean>;

export function useSession() {
  const gridName = (code: string) => grids.value.find((g) => g.code === code)?.name ?? code;
  const myGrids = computed(() =>
    (session.value?.grids ?? []).map(
      (code) => grids.value.find((g) => g.code === code) ?? { code, name: code },
    ),
  );

  async function enroll(server: string, username: string, password: string): Promise<Session> {
    const next = await api.enroll(server.trim(), username.trim(), password);
    remember({ server: server.trim(), username: username.trim() });
    session.value = next;
    loading = Promise.resolve(next);
    await loadGrids();
    return next;
  }

  /**
   * Signs out. While records wait to be sent the native side refuses; the
   * user must then confirm twice, because forcing throws that data away.
   * Resolves true when signed out, false when the user kept the session.
   */
  async function signOut(confirm: ConfirmStep): Promise<boolean> {
    try {
      await api.signOut(false);
    } catch (error) {
      if (!(error instanceof ApiError) || !error.unsynced) throw error;
      const detail = error.message.slice('unsynced:'.length).trim();
      if (!(await confirm(1, detail))) return false;
      if (!(await confirm(2, detail))) return false;
      await api.signOut(true);
    }
    session.value = null;
    grids.value = [];
    loading = Promise.resolve(null);
    return true;
  }

  return { session, grids, myGrids, gridName, enroll, signOut };
}

/** Forgets the cached session (tests start from a clean device). */
export function resetSessionCache(): void {
  session.value = null;
  grids.value = [];
  loading = null;
}
