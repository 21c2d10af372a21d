/**
 * The console's one door to the server: every request goes through here.
 *
 * The console signs in with a session cookie (HttpOnly, so scripts never see
 * the token); state-changing requests carry the CSRF token the server gave
 * at sign-in in `X-Gridsafe-CSRF`. Errors arrive as `{error: {code,
 * message, fields}}` and are thrown as ApiError.
 */
import type {
  ErrorDetail,
  EventBody,
  DeductionKind,
  FieldError,
  GridAssessment,
  GridLevel,
  HazardLevel,
  HazardState,
  HazardStatus,
  LastCheck,
  Location,
  PointKind,
  Role,
  Sector,
  Superseded,
  Verdict,
} from '../shared/generated/types';

export class ApiError extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
    public fields: FieldError[] = [],
    /** For `superseded`: the key of the reason, in the `superseded` label table. */
    public reason: string | null = null,
    /** For `too_many_attempts`: seconds until the next try. */
    public retryAfterSecs: number | null = null,
  ) {
    super(message);
  }
}

let csrf: string | null = null;
const DEVICE_KEY = 'gridsafe.console.device';

async function request<T>(
  method: string,
  path: string,
  body?: unknown,
  raw?: { bytes: Blob | ArrayBuffer; type: string },
): Promise<T> {
  const headers: Record<string, string> = {};
  if (method !== 'GET' && csrf) headers['X-Gridsafe-CSRF'] = csrf;
  let payload: BodyInit | undefined;
  if (raw) {
    headers['Content-Type'] = raw.type;
    payload = raw.bytes;
  } else if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  const resp = await fetch(path, { method, headers, body: payload, credentials: 'same-origin' });
  if (resp.status === 204) return undefined as T;
  const text = await resp.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!resp.ok) {
    const err = (json as { error?: Partial<ErrorDetail> })?.error;
    throw new ApiError(
      resp.status,
      err?.code ?? 'error',
      err?.message ?? resp.statusText,
      err?.fields ?? [],
      err?.reason ?? null,
      err?.retry_after_secs ?? null,
    );
  }
  return json as T;
}

function query(params: Record<string, unknown>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0)) continue;
    q.set(k, Array.isArray(v) ? v.join(',') : String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

// ---- types of the console's answers ----

export interface Session {
  user: string;
  role: Role;
  grids: string[];
  device_id: string;
  csrf: string | null;
}

export interface GridItem {
  code: string;
  name: string;
  level: GridLevel;
  parent: string | null;
  responsible: string | null;
}

export interface HazardItem extends HazardState {
  overdue: boolean;
}

export interface HazardPage {
  total: number;
  /** False when a free-text, overdue or listed filter matched more than the count's bound. */
  total_exact: boolean;
  page: number;
  per_page: number;
  items: HazardItem[];
}

export type HazardSort = 'reported_desc' | 'reported_asc' | 'deadline_asc' | 'deadline_desc';

export interface HazardFilter {
  grid?: string;
  sector?: Sector | '';
  level?: HazardLevel | '';
  status?: HazardStatus[];
  overdue?: boolean;
  listed?: boolean;
  q?: string;
  from?: string;
  to?: string;
  sort?: HazardSort;
}

export interface TrailStep {
  cursor: number;
  id: string;
  kind: string;
  label: string;
  author: string;
  device: string;
  at: string;
  received_at: string;
  location: Location | null;
  superseded: Superseded | null;
  body: EventBody;
}

export interface PhotoRef {
  sha256: string;
  stage: 'found' | 'after';
  url: string;
  thumb_url: string;
}

export interface HazardDetail {
  state: HazardState;
  overdue: boolean;
  events: TrailStep[];
  photos: PhotoRef[];
}

export interface GridSummary {
  grid: string;
  name: string;
  level: GridLevel;
  hazards_total: number;
  by_status: Partial<Record<HazardStatus, number>>;
  by_level: Partial<Record<HazardLevel, number>>;
  by_sector: Partial<Record<Sector, number>>;
  overdue: number;
  rectified_rate: number | null;
  major_open: number;
  checks_total: number;
  checks_by_verdict: Partial<Record<Verdict, number>>;
  danger_open: number;
  /** Checks the points missed in the period up to now, and of them those due in the flood season. */
  missed_point_checks: number;
  missed_flood_checks: number;
  children: GridSummary[];
  from?: string;
  to?: string;
  /** With `byMonth`: the grid's hazards month by month over the period. */
  months?: MonthFigures[];
}

export interface MonthFigures {
  /** `2026-06`. */
  month: string;
  hazards_total: number;
  by_status: Partial<Record<HazardStatus, number>>;
}

export interface PointItem {
  code: string;
  name: string;
  kind: PointKind;
  grid: string;
  lat: number | null;
  lon: number | null;
  monitor: string | null;
  last_check: LastCheck | null;
  danger_open: boolean;
  check_overdue: boolean;
  check_due_at: string | null;
  missed_checks: number;
  missed_flood_checks: number;
}

export interface InboxItem {
  cursor: number;
  kind: string;
  priority: number;
  grid: string;
  grid_name: string;
  author: string;
  at: string;
  hazard: string | null;
  point: string | null;
  verdict: Verdict | null;
  level: HazardLevel | null;
  sector: Sector | null;
  text: string | null;
}

export interface Inbox {
  mark: number;
  latest: number;
  unread: number;
  items: InboxItem[];
}

export interface ConsoleConfig {
  tiles_url: string | null;
  tiles_attribution: string | null;
  tiles_subdomains: string[];
  flood_season: boolean;
  check_interval_hours: number;
}

export interface UserItem {
  name: string;
  role: Role;
  grids: string[];
}

export interface DeviceItem {
  id: string;
  user: string;
  name: string | null;
  created_at: string;
  last_seen: string | null;
  last_sync: string | null;
  last_seq: number;
  revoked_at: string | null;
}

/** What is wrong with one row of an import file (the server's `RowProblem`). */
export type RowProblem =
  | { code: 'empty_file' | 'no_name' | 'half_coordinate' | 'no_rows' }
  | { code: 'missing_column'; column: string; zh: string }
  | { code: 'bad_code'; column: string; value: string; reason: string }
  | { code: 'duplicate'; value: string; first_row: number }
  | { code: 'bad_level' | 'bad_kind'; value: string }
  | { code: 'unknown_grid'; grid: string }
  | { code: 'bad_coordinate'; column: string; value: string; min: number; max: number }
  | { code: 'tree'; grid: string; problem: string; message: string };

export interface ImportPreview {
  kind: 'grids' | 'points';
  rows: number;
  items: Record<string, unknown>[];
  errors: { row: number; message: string; problem: RowProblem }[];
  committed: boolean;
}

export interface AssessmentAnswer {
  period: string;
  from: string;
  to: string;
  as_of: string;
  rubric_saved: boolean;
  grid: GridAssessment;
  children: GridAssessment[];
  unrecorded: DeductionKind[];
}

export interface RubricAnswer {
  toml: string;
  saved: boolean;
}

export interface DutyReminder {
  period: string | null;
  due: string | null;
}

export interface TaskItem {
  task: string;
  kind: string;
  sector: string | null;
  title: string;
  grid: string;
  due: string;
  items: string[];
  targets: { target: { kind: 'grid' | 'point'; code: string }; covered_at: string | null; failed: string[]; hazards: string[] }[];
  status: 'open' | 'done' | 'overdue';
  targets_total: number;
  targets_covered: number;
  days_overdue: number;
}

/** One check a phone did against a task's target, as the task's trail holds it. */
export interface TaskCheckEvent {
  cursor: number;
  event: string;
  kind: string;
  author: string;
  at: string;
  received_at: string;
  body: { type: string; data: Record<string, unknown> };
}

/** A task with each target's coverage, the checks done and their photos. */
export interface TaskDetail extends TaskItem {
  note: string | null;
  issued_at: string;
  issued_by: string;
  done_at: string | null;
  targets: {
    target: { kind: 'grid' | 'point'; code: string };
    covered_at: string | null;
    covered_by: string | null;
    checks: number;
    failed: string[];
    hazards: string[];
  }[];
  events: TaskCheckEvent[];
  photos: PhotoRef[];
}

export interface NewTask {
  kind: string;
  sector?: string | null;
  title: string;
  grid: string;
  targets: { kind: 'grid' | 'point'; code: string }[];
  due: string;
  items: string[];
}

export interface RecordItem {
  id: string;
  grid: string;
  kind: string;
  author: string;
  at: string;
  body: { type: string; data: Record<string, unknown> };
  photos: { url: string; thumb_url: string }[];
  /** An accident's social impact as the office last judged it. */
  impact?: { bad_social_impact: boolean; by: string; at: string; note: string | null };
}

export interface CoverageRow {
  grid: string;
  name: string;
  quarterly_check: boolean;
  meetings: number;
  points: number;
  point_checks: number;
  missed_point_checks: number;
  complete: boolean;
}

// ---- calls ----

export const api = {
  async signIn(username: string, password: string): Promise<Session> {
    const device_id = localStorage.getItem(DEVICE_KEY);
    const s = await request<Session>('POST', '/api/v1/auth/session', {
      username,
      password,
      device_id,
    });
    csrf = s.csrf;
    localStorage.setItem(DEVICE_KEY, s.device_id);
    return s;
  },
  async session(): Promise<Session | null> {
    try {
      const s = await request<Session>('GET', '/api/v1/auth/session');
      csrf = s.csrf;
      return s;
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) return null;
      throw e;
    }
  },
  async signOut(): Promise<void> {
    await request<void>('DELETE', '/api/v1/auth/session');
    csrf = null;
  },
  config: () => request<ConsoleConfig>('GET', '/api/v1/console/config'),
  grids: () => request<GridItem[]>('GET', '/api/v1/grids'),
  hazards: (f: HazardFilter, page: number, perPage: number) =>
    request<HazardPage>('GET', `/api/v1/hazards${query({ ...f, page, per_page: perPage })}`),
  exportUrl: (f: HazardFilter, format: 'xlsx' | 'csv' | 'geojson') =>
    `/api/v1/hazards/export${query({ ...f, format })}`,
  hazard: (id: string) => request<HazardDetail>('GET', `/api/v1/hazards/${encodeURIComponent(id)}`),
  action: (id: string, body: EventBody) =>
    request<HazardDetail>('POST', `/api/v1/hazards/${encodeURIComponent(id)}/actions`, body),
  summary: (code: string, from: string, to: string, depth = 1, byMonth = false) =>
    request<GridSummary>(
      'GET',
      `/api/v1/grids/${encodeURIComponent(code)}/summary${query({ from, to, depth, by_month: byMonth || undefined })}`,
    ),
  assessment: (grid: string, period: string) =>
    request<AssessmentAnswer>('GET', `/api/v1/assessment${query({ grid, period })}`),
  previewRubric: (grid: string, period: string, toml: string) =>
    request<AssessmentAnswer>('POST', `/api/v1/assessment/preview${query({ grid, period })}`, undefined, {
      bytes: new Blob([toml]),
      type: 'application/toml',
    }),
  rubric: () => request<RubricAnswer>('GET', '/api/v1/assessment/rubric'),
  saveRubric: (toml: string) =>
    request<RubricAnswer>('PUT', '/api/v1/assessment/rubric', undefined, {
      bytes: new Blob([toml]),
      type: 'application/toml',
    }),
  dutyReportUrl: (grid: string, period: string, format: 'docx' | 'xlsx') =>
    `/api/v1/reports/duty${query({ grid, period, format })}`,
  // `on`: the day to ask about (default: today on the server).
  dutyReminder: (on?: string) => request<DutyReminder>('GET', `/api/v1/reports/duty/reminder${query({ on })}`),
  judgeImpact: (accident: string, body: { bad_social_impact: boolean; note?: string }) =>
    request<RecordItem>('POST', `/api/v1/records/accidents/${accident}/impact`, body),
  points: (grid?: string) => request<PointItem[]>('GET', `/api/v1/points${query({ grid })}`),
  inbox: () => request<Inbox>('GET', '/api/v1/inbox'),
  ack: (body: { cursors?: number[]; up_to?: number }) =>
    request<Inbox>('POST', '/api/v1/inbox/ack', body),
  users: () => request<UserItem[]>('GET', '/api/v1/users'),
  addUser: (u: { name: string; role: Role; grids: string[]; password: string }) =>
    request<UserItem>('POST', '/api/v1/users', u),
  changeUser: (name: string, c: { role?: Role; grids?: string[]; password?: string }) =>
    request<UserItem>('PATCH', `/api/v1/users/${encodeURIComponent(name)}`, c),
  tasks: (grid?: string) => request<TaskItem[]>('GET', `/api/v1/tasks${query({ grid })}`),
  task: (id: string) => request<TaskDetail>('GET', `/api/v1/tasks/${encodeURIComponent(id)}`),
  createTask: (t: NewTask) => request<TaskItem>('POST', '/api/v1/tasks', t),
  records: (kind: string, grid?: string) =>
    request<RecordItem[]>('GET', `/api/v1/records/${kind}${query({ grid })}`),
  switchDuty: (d: { grid: string; points: string[]; on: boolean; interval_hours?: number }) =>
    request<unknown>('POST', '/api/v1/duty', d),
  coverage: (grid: string | undefined, quarter: string) =>
    request<{ rows: CoverageRow[] }>('GET', `/api/v1/coverage${query({ grid, quarter })}`),
  devices: () => request<DeviceItem[]>('GET', '/api/v1/devices'),
  revokeDevice: (id: string) =>
    request<DeviceItem>('POST', `/api/v1/devices/${encodeURIComponent(id)}/revoke`),
  importFile: (kind: 'grids' | 'points', file: File, commit: boolean) =>
    request<ImportPreview>(
      'POST',
      `/api/v1/import/${kind}${query({ filename: file.name, commit })}`,
      undefined,
      { bytes: file, type: 'application/octet-stream' },
    ),
};
