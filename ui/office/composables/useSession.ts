/** Who is signed in, shared by every screen. */
import { computed, ref } from 'vue';
import { api, type Session } from '../api';

const session = ref<Session | null>(null);
const checked = ref(false);

export function useSession() {
  return {
    session,
    checked,
    isAdmin: computed(() => session.value?.role === 'admin'),
    async restore() {
      try {
        session.value = await api.session();
      } finally {
        checked.value = true;
      }
    },
    async signIn(user: string, password: string) {
      session.value = await api.signIn(user, password);
    },
    async signOut() {
      try {
        await api.signOut();
      } finally {
        session.value = null;
      }
    },
  };
}
