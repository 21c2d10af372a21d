// Generated from crates/core by `scripts/generate`; do not edit.

export type EventId = string;

export type HazardId = string;

export type CheckId = string;

export type AccidentId = string;

export type TaskId = string;

export type MeetingId = string;

export type BanquetId = string;

export type PromiseId = string;

export type DutyId = string;

export type DeviceId = string;

export type GridCode = string;

export type PointCode = string;

export type Username = string;

export type PhotoHash = string;

export type Lang = "zh-CN" | "en";

export type Sector = "road_traffic" | "fire" | "construction" | "hazardous_chemicals" | "fireworks" | "non_coal_mines" | "special_equipment" | "occupational_health" | "food_safety" | "geological_water" | "water_transport" | "gas" | "forest_fire" | "electrical" | "crowded_places" | "other";

export type HazardLevel = "general" | "major";

export type HazardStatus = "reported" | "confirmed" | "rectifying" | "rectified" | "verified" | "closed" | "rejected";

export type PointKind = "landslide" | "reservoir" | "pond_dam" | "embankment" | "deep_water";

export type Verdict = "normal" | "abnormal" | "danger";

export type Role = "inspector" | "volunteer" | "office" | "admin";

export type GridLevel = "county" | "town" | "village" | "unit";

export type TaskKind = "quarterly_check" | "special_campaign" | "holiday_check" | "flood_season_check";

export type TaskStatus = "open" | "done" | "overdue";

export type ChecklistItem = "qualification" | "gantry_crane" | "fall_protection" | "protective_measures" | "emergency_exits" | "fire_equipment" | "electrical_wiring" | "no_passengers" | "hazardous_goods_storage" | "warning_signs" | "duty_roster" | "evacuation_card" | "safety_training" | "responsibility_letter";

export type ItemResult = "pass" | "fail";

export type BannedDish = "green_beans" | "wild_mushrooms" | "medicinal_dishes";

export type PromiseKind = "farm_vehicle_no_passengers" | "banquet_food_safety" | "construction_safety" | "work_safety_target";

export type EventKind = "hazard_reported" | "hazard_confirmed" | "rectification_started" | "rectification_submitted" | "rectification_verified" | "rectification_sent_back" | "hazard_rejected" | "hazard_reopened" | "hazard_listed" | "hazard_closed" | "check_logged" | "accident_reported" | "accident_impact_judged" | "task_created" | "task_check_recorded" | "meeting_recorded" | "banquet_filed" | "promise_signed" | "duty_started" | "duty_ended";

export type Superseded = "decided" | "not_rectified" | "not_verified" | "still_open" | "not_major" | "already_listed" | "already_rectified" | "already_reported" | "before_report";

export type Hlc = { 
/**
 * Milliseconds since the Unix epoch, never behind any stamp seen before.
 */
wall_ms: number, 
/**
 * Breaks ties within one millisecond.
 */
counter: number, 
/**
 * The device that made the stamp; breaks the last ties.
 */
node: DeviceId, };

export type Location = { lat: number, lon: number, 
/**
 * Horizontal accuracy in metres, when the receiver reports one.
 */
accuracy_m: number | null, 
/**
 * When the fix was taken (may be well before the record was saved).
 */
fixed_at: string | null, source: LocationSource, };

export type LocationSource = "gps" | "network" | "exif" | "manual";

export type ReadingValue = boolean | number;

export type Event = { id: EventId, hlc: Hlc, author: Username, device: DeviceId, body: EventBody, };

export type EventBody = { "type": "hazard_reported", "data": HazardReported } | { "type": "hazard_confirmed", "data": HazardConfirmed } | { "type": "rectification_started", "data": RectificationStarted } | { "type": "rectification_submitted", "data": RectificationSubmitted } | { "type": "rectification_verified", "data": RectificationVerified } | { "type": "rectification_sent_back", "data": RectificationSentBack } | { "type": "hazard_rejected", "data": HazardRejected } | { "type": "hazard_reopened", "data": HazardReopened } | { "type": "hazard_listed", "data": HazardListed } | { "type": "hazard_closed", "data": HazardClosed } | { "type": "check_logged", "data": CheckLogged } | { "type": "accident_reported", "data": AccidentReported } | { "type": "accident_impact_judged", "data": AccidentImpactJudged } | { "type": "task_created", "data": TaskCreated } | { "type": "task_check_recorded", "data": TaskCheckRecorded } | { "type": "meeting_recorded", "data": MeetingRecorded } | { "type": "banquet_filed", "data": BanquetFiled } | { "type": "promise_signed", "data": PromiseSigned } | { "type": "duty_started", "data": DutyStarted } | { "type": "duty_ended", "data": DutyEnded };

export type HazardReported = { hazard: HazardId, grid: GridCode, sector: Sector, 
/**
 * The finder's first judgement; the office confirms or changes it.
 */
level: HazardLevel, description: string, 
/**
 * A place name as people say it (e.g. "二组王家院子"), besides the fix.
 */
place: string | null, location: Location | null, photos: Array<PhotoHash>, };

export type HazardConfirmed = { hazard: HazardId, level: HazardLevel, 
/**
 * A corrected sector, when the finder chose the wrong one.
 */
sector: Sector | null, 
/**
 * 责任: the unit or person responsible for the rectification.
 */
owner: string, 
/**
 * 时限: the rectification deadline (required for a major hazard).
 */
deadline: string | null, 
/**
 * 措施: the rectification measures.
 */
measures: string | null, 
/**
 * 资金: funds set aside, in yuan.
 */
funds_yuan: number | null, 
/**
 * 预案: the contingency plan while the hazard stands.
 */
contingency_plan: string | null, note: string | null, };

export type RectificationStarted = { hazard: HazardId, note: string | null, };

export type RectificationSubmitted = { hazard: HazardId, note: string, photos: Array<PhotoHash>, location: Location | null, };

export type RectificationVerified = { hazard: HazardId, note: string | null, };

export type RectificationSentBack = { hazard: HazardId, reason: string, };

export type HazardRejected = { hazard: HazardId, reason: string, duplicate_of: HazardId | null, };

export type HazardReopened = { hazard: HazardId, reason: string, 
/**
 * A new deadline for the renewed rectification.
 */
deadline: string | null, };

export type HazardListed = { hazard: HazardId, note: string | null, };

export type HazardClosed = { hazard: HazardId, note: string | null, };

export type CheckLogged = { check: CheckId, point: PointCode, 
/**
 * The point's grid, so scope and counters need no lookup.
 */
grid: GridCode, verdict: Verdict, readings: Record<string, number | boolean>, note: string | null, location: Location | null, photos: Array<PhotoHash>, };

export type AccidentReported = { accident: AccidentId, grid: GridCode, sector: Sector, occurred_at: string, place: string, deaths: number, injuries: number, description: string, location: Location | null, photos: Array<PhotoHash>, };

export type AccidentImpactJudged = { accident: AccidentId, bad_social_impact: boolean, note: string | null, };

export type TaskTarget = { "kind": "grid", "code": GridCode } | { "kind": "point", "code": PointCode };

export type TaskCreated = { task: TaskId, kind: TaskKind, 
/**
 * The campaign's sector (required for a special campaign).
 */
sector: Sector | null, title: string, 
/**
 * The grid the task is issued in; every target lies within it.
 */
grid: GridCode, targets: Array<TaskTarget>, due: string, items: Array<ChecklistItem>, note: string | null, };

export type ItemOutcome = { item: ChecklistItem, result: ItemResult, };

export type TaskCheckRecorded = { task: TaskId, target: TaskTarget, 
/**
 * The target's grid (the point's grid for a point), for scope.
 */
grid: GridCode, results: Array<ItemOutcome>, hazards: Array<HazardId>, note: string | null, location: Location | null, photos: Array<PhotoHash>, };

export type MeetingRecorded = { meeting: MeetingId, grid: GridCode, held_on: string, topic: string, attendees: Array<string>, minutes: string | null, 
/**
 * The minutes as photographed.
 */
photos: Array<PhotoHash>, };

export type BanquetFiled = { banquet: BanquetId, grid: GridCode, 
/**
 * 事主.
 */
host: string, held_on: string, tables: number, 
/**
 * 厨师.
 */
cook: string | null, 
/**
 * 留样: food samples kept for inspection.
 */
samples_kept: boolean, 
/**
 * The banned dishes checked and found absent from the menu.
 */
banned_dishes_absent: Array<BannedDish>, 
/**
 * The signed food-safety promise and other papers, photographed.
 */
photos: Array<PhotoHash>, };

export type PromiseSigned = { promise: PromiseId, grid: GridCode, kind: PromiseKind, 
/**
 * Who signed it (a driver, a host, a unit).
 */
party: string, signed_on: string, note: string | null, 
/**
 * The signed page.
 */
photos: Array<PhotoHash>, };

export type DutyStarted = { duty: DutyId, 
/**
 * The grid the points lie in.
 */
grid: GridCode, points: Array<PointCode>, 
/**
 * Hours a point on duty may go without a check (24 by default).
 */
interval_hours: number, note: string | null, };

export type DutyEnded = { duty: DutyId, grid: GridCode, points: Array<PointCode>, note: string | null, };

export type EntityRef = { "kind": "hazard", "id": HazardId } | { "kind": "check", "id": CheckId } | { "kind": "accident", "id": AccidentId } | { "kind": "task", "id": TaskId } | { "kind": "meeting", "id": MeetingId } | { "kind": "banquet", "id": BanquetId } | { "kind": "promise", "id": PromiseId } | { "kind": "duty", "id": DutyId };

export type TaskState = { task: TaskId, kind: TaskKind, sector: Sector | null, title: string, grid: GridCode, due: string, items: Array<ChecklistItem>, note: string | null, issued_at: string, issued_by: Username, targets: Array<TargetState>, 
/**
 * When the last target was covered, once all are.
 */
done_at: string | null, };

export type TargetState = { target: TaskTarget, 
/**
 * The first check against the target, in clock order.
 */
covered_at: string | null, covered_by: Username | null, checks: number, 
/**
 * Items found failing by any check of the target.
 */
failed: Array<ChecklistItem>, 
/**
 * Hazards reported from the target's checks.
 */
hazards: Array<HazardId>, };

export type QuarterCoverage = { 
/**
 * A quarterly-check task with a target in the grid was covered there in the quarter.
 */
quarterly_check: boolean, meetings: number, points: number, point_checks: number, missed_point_checks: number, };

export type PointDuty = { duty: DutyId, interval_hours: number, since: string, };

export type HazardState = { id: HazardId, grid: GridCode, sector: Sector, level: HazardLevel, status: HazardStatus, description: string, place: string | null, location: Location | null, reported_by: Username, reported_from: DeviceId, reported_at: string, 
/**
 * Photos of the hazard as found.
 */
photos: Array<PhotoHash>, 
/**
 * Photos of the fix, from every rectification that applied.
 */
after_photos: Array<PhotoHash>, confirmation: Confirmation | null, 
/**
 * 挂牌督办, once listed.
 */
listed: Step | null, rectified: Step | null, verified: Step | null, closed: Step | null, rejected: Step | null, 
/**
 * How often it was re-opened (回头看).
 */
reopened: number, 
/**
 * The stamp of the last event folded in (applied or superseded).
 */
last: Hlc, events: number, superseded: Array<SupersededEvent>, };

export type Confirmation = { owner: string, deadline: string | null, measures: string | null, funds_yuan: number | null, contingency_plan: string | null, by: Username, at: string, };

export type Step = { by: Username, at: string, note: string | null, };

export type SupersededEvent = { event: EventId, kind: EventKind, reason: Superseded, };

export type GridNode = { code: GridCode, name: string, parent: GridCode | null, level: GridLevel, 
/**
 * 责任人: the person answering for this grid.
 */
responsible: string | null, };

export type MonitoringPoint = { code: PointCode, name: string, kind: PointKind, grid: GridCode, lat: number | null, lon: number | null, 
/**
 * 监管责任人.
 */
monitor: string | null, };

export type LastCheck = { check: CheckId, verdict: Verdict, at: string, by: Username, };

export type Scope = { role: Role, grids: Array<GridCode>, };

export type FieldError = { field: string, reason: Reason, };

export type Reason = { "code": "required" } | { "code": "required_for_major" } | { "code": "too_long", max: number, } | { "code": "too_many", max: number, } | { "code": "repeated" } | { "code": "not_finite" } | { "code": "null_island" } | { "code": "outside_china" } | { "code": "out_of_range", min: number, max: number, } | { "code": "in_future" } | { "code": "unknown_grid" } | { "code": "unknown_point" } | { "code": "not_for_kind", kind: PointKind, } | { "code": "wrong_type", expected: string, } | { "code": "out_of_scope" } | { "code": "required_for_campaign" } | { "code": "not_within", grid: string, } | { "code": "empty" };

export type Warning = { "code": "poor_accuracy", field: string, accuracy_m: number, limit_m: number, };

export type LoginRequest = { username: string, password: string, 
/**
 * The device's id if it has one; the server issues one otherwise.
 */
device_id: DeviceId | null, 
/**
 * A name for the device as the office will see it ("王五的手机").
 */
device_name: string | null, };

export type LoginResponse = { token: string, user: Username, role: Role, grids: Array<GridCode>, device_id: DeviceId, expires_at: string, };

export type PushItem = { 
/**
 * The device's gapless outbox sequence, from 1.
 */
seq: number, event: Event, };

export type PushRequest = { device: DeviceId, events: Array<PushItem>, };

export type PushVerdict = { "verdict": "accepted", cursor: number, superseded?: Superseded | null, warnings?: Array<Warning>, } | { "verdict": "rejected", code: string, message: string, fields?: Array<FieldError>, };

export type PushResult = { seq: number, event: EventId, } & ({ "verdict": "accepted", cursor: number, superseded?: Superseded | null, warnings?: Array<Warning>, } | { "verdict": "rejected", code: string, message: string, fields?: Array<FieldError>, });

export type PushResponse = { 
/**
 * The highest sequence the server holds for this device.
 */
taken_through: number, results: Array<PushResult>, 
/**
 * Photos cited by this device's accepted events that the server lacks.
 */
missing_photos: Array<PhotoHash>, };

export type PulledEvent = { cursor: number, event: Event, };

export type PullPage = { events: Array<PulledEvent>, 
/**
 * The cursor to ask from next time.
 */
next: number, 
/**
 * More pages wait beyond this one.
 */
more: boolean, };

export type ErrorBody = { error: ErrorDetail, };

export type ErrorDetail = { 
/**
 * A stable code for programs (`sequence_gap`, `unauthorized`, ...).
 */
code: string, 
/**
 * What happened and what to do, for people.
 */
message: string, 
/**
 * For `sequence_gap`: the sequence the server expects next.
 */
expected_seq?: number | null, 
/**
 * For validation errors: each field and its reason.
 */
fields?: Array<FieldError>, 
/**
 * For `superseded`: why the action does not fit the hazard's state, as
 * a key of the `superseded` label table.
 */
reason?: string | null, 
/**
 * For `too_many_attempts`: seconds until the next try is allowed.
 */
retry_after_secs?: number | null, };

export type DeductionKind = "overdue_hazard" | "major_without_five" | "missed_quarterly_check" | "missed_quarterly_meeting" | "missed_flood_check" | "accident";

export type Grade = "excellent" | "good" | "pass" | "fail";

export type VetoRule = "road_single" | "road_repeat" | "other_single" | "other_repeat" | "bad_impact";

export type AccidentFact = { id: string, grid: string, sector: Sector, occurred_on: string, deaths: number, injuries: number, bad_social_impact: boolean, };

export type Deduction = { kind: DeductionKind, count: number, points_each: number, 
/**
 * Points off, after the cap.
 */
points: number, cap: number | null, capped: boolean, 
/**
 * The ids of the records behind it (a hazard id, `task/target`,
 * `village 2026-Q2`, `point 2026-07-03`, an accident id).
 */
records: Array<string>, };

export type Veto = { rule: VetoRule, accidents: Array<AccidentFact>, };

export type GridAssessment = { grid: string, name: string, level: GridLevel, score: number, grade: Grade, deductions: Array<Deduction>, veto: Veto | null, 
/**
 * Place among its siblings (1 = best), when ranked.
 */
rank: number | null, };
