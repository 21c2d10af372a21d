/**
 * The phone app's only door to the native side: one typed function per Tauri
 * command. Views and composables import from here and never call `invoke`
 * themselves, so the command names and argument shapes live in one place.
 *
 * Tauri 2 maps a camelCase key of the argument object to the command's
 * snake_case parameter; every key used here is a single word, so both
 * spellings agree. The native side rejects with a string a person can read;
 * it is wrapped in ApiError so callers can `catch (e)` and show `e.message`.
 */
import { invoke, type InvokeArgs } from '@tauri-apps/api/core';
import type {
  BannedDish,
  Event,
  EventBody,
  EventKind,
  FieldError,
  GridCode,
  GridNode,
  HazardId,
  HazardLevel,
  HazardState,
  ItemOutcome,
  LastCheck,
  Location,
  MonitoringPoint,
  PhotoHash,
  PointCode,
  PointDuty,
  PromiseKind,
  ReadingValue,
  Role,
  Sector,
  Superseded,
  TaskState,
  TaskStatus,
  Verdict,
} from '../shared/generated/types';

export type Session = {
  user: string;
  role: Role;
  grids: GridCode[];
  server: string;
  device_id: string;
};
export type SyncState = 'pending' | 'sent' | 'accepted' | 'rejected';
export type RecordSync = { state: SyncState; reason: string | null; superseded: Superseded | null };
export type HazardView = { state: HazardState; sync: RecordSync };
export type TrailEntry = { event: Event; sync: RecordSync };
export type HazardDetail = { view: HazardView; trail: TrailEntry[] };
/** `duty`: the flood-season duty the office put the point under (24-hour duty). */
export type PointView = {
  point: MonitoringPoint;
  last_check: LastCheck | null;
  check_due: boolean;
  /** When the next check falls due (null: never checked, due now). */
  next_check_at?: string | null;
  duty?: PointDuty | null;
};
/** A photo kept on the device; `thumb` is a data: URL of the 320 px thumbnail. */
export type PhotoRef = { hash: PhotoHash; thumb: string; bytes: number };
/** `problem` is set when the file of a photo still to send is gone or damaged. */
export type PhotoProblem = 'missing' | 'damaged';
export type OutboxPhoto = { hash: PhotoHash; size: number; uploaded: number; problem: PhotoProblem | null };
export type DamagedPhoto = { hash: PhotoHash; problem: PhotoProblem };
export type OutboxItem = {
  seq: number;
  event_id: string;
  kind: EventKind;
  summary: string;
  state: SyncState;
  reason: string | null;
  urgent: boolean;
  photos: OutboxPhoto[];
};
export type SyncStatus = {
  pending_events: number;
  pending_blobs: number;
  rejected: number;
  last_sync: string | null;
  last_error: string | null;
  damaged_photos: DamagedPhoto[];
};
export type SyncReport = {
  pushed: number;
  accepted: number;
  rejected: number;
  blobs_uploaded: number;
  pulled: number;
};
export type LocationFix = Location;
export type Readings = Record<string, ReadingValue>;

export type NewHazard = {
  grid: GridCode;
  sector: Sector;
  level: HazardLevel;
  description: string;
  place: string | null;
  location: LocationFix | null;
  photos: PhotoHash[];
};
export type NewRectification = { hazard: HazardId; note: string; photos: PhotoHash[] };
export type NewCheck = {
  point: PointCode;
  verdict: Verdict;
  readings: Readings;
  note: string | null;
  location: LocationFix | null;
  photos: PhotoHash[];
};

/** Prefix of the sign-out refusal while records or photos still wait to be sent. */
export const UNSYNCED_PREFIX = 'unsynced:';
/** Prefix of a refusal naming fields: the core's field errors follow as JSON. */
export const INVALID_PREFIX = 'invalid:';

export class ApiError extends Error {
  constructor(
    readonly command: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** Sign-out was refused because data has not reached the server yet. */
  get unsynced(): boolean {
    return this.message.startsWith(UNSYNCED_PREFIX);
  }

  /** The fields the core refused and why; empty for any other error. */
  get fields(): FieldError[] {
    if (!this.message.startsWith(INVALID_PREFIX)) return [];
    try {
      const parsed: unknown = JSON.parse(this.message.slice(INVALID_PREFIX.length));
      return Array.isArray(parsed) ? (parsed as FieldError[]) : [];
    } catch {
      return [];
    }
  }
}

/** The text to show a person for anything a call threw. */
export function errorText(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'string') return error;
  return JSON.stringify(error);
}

async function call<T>(command: string, args?: InvokeArgs): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (error) {
    throw new ApiError(command, errorText(error));
  }
}

/** Where one of this phone's events stands with the server. */
export type EventSync = { seq: number; kind: EventKind; sync: SyncState };
/** Where a task or record stands: `from_server` when only the server's copy is here. */
export type RecordSyncKey = 'pending' | 'sent' | 'rejected' | 'accepted' | 'from_server';

/** A task of my grids, folded on the phone (see crates/device/src/township.rs). */
export type TaskView = TaskState & {
  status: TaskStatus;
  targets_total: number;
  targets_covered: number;
  sync?: RecordSyncKey;
  events?: EventSync[];
};

/** A meeting, banquet, promise or accident on the phone (the `records` command). */
export type RecordView = {
  id: string;
  kind: EventKind;
  grid: GridCode;
  day: string;
  title: string;
  photos: number;
  sync: RecordSyncKey;
  events: EventSync[];
  body: EventBody;
};

/** A check against one target of a task; a failed item may become one hazard. */
export type NewTaskCheck = {
  task: string;
  target: string;
  results: ItemOutcome[];
  hazard: { description: string; level: HazardLevel; sector: Sector | null } | null;
  note: string | null;
  location: LocationFix | null;
  photos: PhotoHash[];
};
export type TaskCheckSaved = { task: string; hazard: string | null };

export interface NewMeeting {
  grid: GridCode;
  held_on: string;
  topic: string;
  attendees: string[];
  minutes: string | null;
  photos: PhotoHash[];
}

export type NewBanquet = {
  grid: GridCode;
  host: string;
  held_on: string;
  tables: number;
  cook: string | null;
  samples_kept: boolean;
  banned_dishes_absent: BannedDish[];
  photos: PhotoHash[];
};

export type NewPromise = {
  grid: GridCode;
  kind: PromiseKind;
  party: string;
  signed_on: string | null;
  note: string | null;
  photos: PhotoHash[];
};

export type NewAccident = {
  grid: GridCode;
  sector: Sector;
  occurred_at: string;
  place: string;
  deaths: number;
  injuries: number;
  description: string;
  location: LocationFix | null;
  photos: PhotoHash[];
};

export const api = {
  session: () => call<Session | null>('session'),
  enroll: (server: string, username: string, password: string) =>
    call<Session>('enroll', { server, username, password }),
  /** Refused with an `unsynced:` error while data waits, unless `force`. */
  signOut: (force: boolean) => call<void>('sign_out', { force }),
  grids: () => call<GridNode[]>('grids'),
  points: () => call<PointView[]>('points'),
  hazards: () => call<HazardView[]>('hazards'),
  hazard: (id: HazardId) => call<HazardDetail>('hazard', { id }),
  /** The raw image goes as the request body; the native side resizes, hashes and keeps it. */
  addPhoto: (bytes: Uint8Array) => call<PhotoRef>('add_photo', bytes),
  /** The thumbnail of a stored photo, or null when this device does not hold it. */
  photoThumb: (hash: PhotoHash) => call<string | null>('photo_thumb', { hash }),
  addHazard: (input: NewHazard) => call<HazardId>('add_hazard', { ...input }),
  rectify: (input: NewRectification) => call<string>('rectify', { ...input }),
  addCheck: (input: NewCheck) => call<string>('add_check', { ...input }),
  suggestVerdict: (point: PointCode, readings: Readings) =>
    call<Verdict>('suggest_verdict', { point, readings }),
  sync: () => call<SyncReport>('sync'),
  syncStatus: () => call<SyncStatus>('sync_status'),
  outbox: () => call<OutboxItem[]>('outbox'),
  tasks: () => call<TaskView[]>('tasks'),
  /** null until the task has been pulled to this phone. */
  task: (id: string) => call<TaskView | null>('task', { id }),
  records: () => call<RecordView[]>('records'),
  addTaskCheck: (check: NewTaskCheck) => call<TaskCheckSaved>('add_task_check', { check }),
  addMeeting: (meeting: NewMeeting) => call<string>('add_meeting', { meeting }),
  addBanquet: (banquet: NewBanquet) => call<string>('add_banquet', { banquet }),
  addPromise: (promise: NewPromise) => call<string>('add_promise', { promise }),
  addAccident: (accident: NewAccident) => call<string>('add_accident', { accident }),
};

export type Api = typeof api;
