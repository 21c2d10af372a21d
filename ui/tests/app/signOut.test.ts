import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { api, ApiError, type Session } from '../../app/api';
import { resetSessionCache, useSession, type ConfirmStep } from '../../app/composables/useSession';
import Settings from '../../app/views/Settings.vue';
import { mountAt, settle } from './setup';

const SESSION: Session = { user: '13800001234', role: 'inspector', grids: ['QS-WJ'], server: 'https://x', device_id: 'dev-1' };

function refuseWhileUnsynced() {
  return vi.spyOn(api, 'signOut').mockImplementation(async (force: boolean) => {
    if (!force) throw new ApiError('sign_out', 'unsynced: 2 条记录未上传');
  });
}

beforeEach(() => {
  resetSessionCache();
  useSession().session.value = SESSION;
});
afterEach(() => {
  // The body is left alone: Vant keeps one dialog element for the whole run.
  vi.restoreAllMocks();
});

describe('sign-out (useSession().signOut)', () => {
  it('signs out at once when nothing waits', async () => {
    const signOut = vi.spyOn(api, 'signOut').mockResolvedValue(undefined);
    const confirm = vi.fn<ConfirmStep>();
    expect(await useSession().signOut(confirm)).toBe(true);
    expect(confirm).not.toHaveBeenCalled();
    expect(signOut.mock.calls).toEqual([[false]]);
    expect(useSession().session.value).toBeNull();
  });

  it('forces only after two confirmations, passing on what waits', async () => {
    const signOut = refuseWhileUnsynced();
    const confirm = vi.fn<ConfirmStep>().mockResolvedValue(true);
    expect(await useSession().signOut(confirm)).toBe(true);
    expect(confirm.mock.calls).toEqual([
      [1, '2 条记录未上传'],
      [2, '2 条记录未上传'],
    ]);
    expect(signOut.mock.calls).toEqual([[false], [true]]);
  });

  it.each([
    ['the first', [false]],
    ['the second', [true, false]],
  ])('keeps the session when %s question is declined', async (_, answers) => {
    const signOut = refuseWhileUnsynced();
    const confirm = vi.fn<ConfirmStep>();
    for (const a of answers) confirm.mockResolvedValueOnce(a);
    expect(await useSession().signOut(confirm)).toBe(false);
    expect(signOut.mock.calls).toEqual([[false]]);
    expect(useSession().session.value).toEqual(SESSION);
  });

  it('passes any other error on, without forcing', async () => {
    const signOut = vi.spyOn(api, 'signOut').mockRejectedValue(new ApiError('sign_out', '磁盘已满'));
    await expect(useSession().signOut(vi.fn())).rejects.toThrow('磁盘已满');
    expect(signOut).toHaveBeenCalledTimes(1);
  });
});

describe('settings screen sign-out', () => {
  async function tapConfirm(which: 'confirm' | 'cancel') {
    await settle();
    const button = [...document.querySelectorAll<HTMLButtonElement>(`.van-dialog__${which}`)].at(-1);
    expect(button, `a dialog with a ${which} button`).toBeTruthy();
    button!.click();
    await settle();
  }

  it('asks twice through dialogs before forcing, then goes to enrolment', async () => {
    const signOut = refuseWhileUnsynced();
    const { wrapper, router } = await mountAt(Settings, '/settings', '/settings');
    await wrapper.find('[data-testid="sign-out"]').trigger('click');
    await settle();
    expect(document.querySelector('.signout-dialog-1')?.textContent).toContain('2 条记录未上传');
    await tapConfirm('confirm');
    expect(document.querySelector('.signout-dialog-2')).not.toBeNull();
    expect(signOut.mock.calls).toEqual([[false]]);
    await tapConfirm('confirm');
    await settle();
    expect(signOut.mock.calls).toEqual([[false], [true]]);
    expect(router.currentRoute.value.path).toBe('/enroll');
    wrapper.unmount();
  });

  it('stays signed in when the second question is declined', async () => {
    const signOut = refuseWhileUnsynced();
    const { wrapper, router } = await mountAt(Settings, '/settings', '/settings');
    await wrapper.find('[data-testid="sign-out"]').trigger('click');
    await tapConfirm('confirm');
    await tapConfirm('cancel');
    expect(signOut.mock.calls).toEqual([[false]]);
    expect(router.currentRoute.value.path).toBe('/settings');
    expect(useSession().session.value).toEqual(SESSION);
    wrapper.unmount();
  });
});
