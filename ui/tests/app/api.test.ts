import { afterEach, describe, expect, it } from 'vitest';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { api, ApiError } from '../../app/api';

afterEach(() => clearMocks());

describe('native commands (app/api.ts)', () => {
  it('calls each command by its snake_case name with one argument object', async () => {
    const calls: [string, unknown][] = [];
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
      return cmd === 'add_photo' ? { hash: 'h', thumb: 'data:', bytes: 3 } : null;
    });
    const location = { lat: 30.1, lon: 104.2, accuracy_m: 5, fixed_at: null, source: 'gps' as const };
    await api.session();
    await api.enroll('https://s', 'u', 'p');
    await api.signOut(false);
    await api.grids();
    await api.points();
    await api.hazards();
    await api.hazard('H-1');
    await api.addPhoto(new Uint8Array([1, 2, 3]));
    await api.photoThumb('h');
    await api.addHazard({ grid: 'G', sector: 'fire', level: 'major', description: 'd', place: null, location, photos: ['h'] });
    await api.rectify({ hazard: 'H-1', note: 'n', photos: ['h'] });
    await api.addCheck({ point: 'P', verdict: 'danger', readings: { piping: true }, note: null, location: null, photos: [] });
    await api.suggestVerdict('P', { piping: true });
    await api.sync();
    await api.syncStatus();
    await api.outbox();
    expect(calls).toEqual([
      ['session', {}],
      ['enroll', { server: 'https://s', username: 'u', password: 'p' }],
      ['sign_out', { force: false }],
      ['grids', {}],
      ['points', {}],
      ['hazards', {}],
      ['hazard', { id: 'H-1' }],
      ['add_photo', new Uint8Array([1, 2, 3])],
      ['photo_thumb', { hash: 'h' }],
      ['add_hazard', { grid: 'G', sector: 'fire', level: 'major', description: 'd', place: null, location, photos: ['h'] }],
      ['rectify', { hazard: 'H-1', note: 'n', photos: ['h'] }],
      ['add_check', { point: 'P', verdict: 'danger', readings: { piping: true }, note: null, location: null, photos: [] }],
      ['suggest_verdict', { point: 'P', readings: { piping: true } }],
      ['sync', {}],
      ['sync_status', {}],
      ['outbox', {}],
    ]);
  });

  it('turns a string rejection into an ApiError a screen can show', async () => {
    mockIPC(() => {
      throw 'unsynced: 3 条记录未上传';
    });
    const error = await api.signOut(false).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).message).toBe('unsynced: 3 条记录未上传');
    expect((error as ApiError).unsynced).toBe(true);
    expect((error as ApiError).command).toBe('sign_out');
  });
});
