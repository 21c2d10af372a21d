/**
 * A stand-in for the Rust side of the phone app, run inside the page before
 * the app loads. It answers the same Tauri commands as the real one, from an
 * in-memory store seeded by seed.mjs: records are kept with an outbox, `sync`
 * fails while the browser is offline and otherwise sends urgent records first,
 * and sign-out is refused while anything has not reached the server.
 *
 * `installFakeNative` is serialised with Function#toString and evaluated in
 * the page, so it must not use anything from outside its own body.
 */
export function installFakeNative(seed, forms) {
  const store = {
    session: null,
    hazards: new Map(seed.hazards.map((h) => [h.state.id, h])),
    points: seed.points,
    tasks: seed.tasks ?? [],
    records: [],
    outbox: seed.outbox,
    photos: new Map(Object.entries(seed.photos).map(([hash, thumb]) => [hash, { thumb, bytes: 180_000 }])),
    lastSync: seed.lastSync,
    lastError: null,
    counter: 0,
    calls: [],
  };
  const accepted = () => ({ state: 'accepted', reason: null, superseded: null });
  const pending = () => ({ state: 'pending', reason: null, superseded: null });
  const nowIso = () => new Date().toISOString();
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  function newId(prefix) {
    store.counter += 1;
    return `${prefix}-${Date.now().toString(16)}-${store.counter}`;
  }

  function event(body) {
    return {
      id: newId('ev'),
      hlc: { wall_ms: Date.now(), counter: store.counter, node: seed.account.device_id },
      author: store.session.user,
      device: seed.account.device_id,
      body,
    };
  }

  function queue(ev, summary, urgent, photoHashes) {
    const seq = store.outbox.reduce((m, o) => Math.max(m, o.seq), 0) + 1;
    store.outbox.push({
      seq,
      event_id: ev.id,
      kind: ev.body.type,
      summary,
      state: 'pending',
      reason: null,
      urgent,
      photos: photoHashes.map((hash) => ({ hash, size: store.photos.get(hash)?.bytes ?? 0, uploaded: 0, problem: null })),
    });
  }

  function requireSession() {
    if (!store.session) throw '未登录：请先登录';
  }

  function checkLocation(location) {
    if (location && Math.abs(location.lat) < 1e-6 && Math.abs(location.lon) < 1e-6) {
      throw '位置无效：0,0 不是有效的定位';
    }
  }

  function checkPhotos(hashes) {
    for (const h of hashes) if (!store.photos.has(h)) throw `照片不存在：${h.slice(0, 8)}`;
  }

  async function sha256Hex(bytes) {
    const digest = await crypto.subtle.digest('SHA-256', bytes);
    return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
  }

  function toDataUrl(bytes) {
    let binary = '';
    for (let i = 0; i < bytes.length; i += 0x8000) {
      binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    }
    const png = bytes[0] === 0x89 && bytes[1] === 0x50;
    return `data:${png ? 'image/png' : 'image/jpeg'};base64,${btoa(binary)}`;
  }

  function unsynced() {
    const events = store.outbox.filter((o) => o.state === 'pending' || o.state === 'sent').length;
    const rejected = store.outbox.filter((o) => o.state === 'rejected').length;
    const blobs = store.outbox.flatMap((o) => o.photos).filter((p) => p.uploaded < p.size).length;
    return { events, rejected, blobs };
  }

  function syncStateOf(eventId) {
    const item = store.outbox.find((o) => o.event_id === eventId);
    return item ? { state: item.state, reason: item.reason, superseded: null } : null;
  }

  function refreshHazardSync(h) {
    for (const entry of h.trail) {
      const s = syncStateOf(entry.event.id);
      if (s) entry.sync = { ...s, superseded: entry.sync.superseded };
    }
    const first = h.trail[0];
    h.sync = first ? { ...first.sync } : accepted();
    const worst = h.trail.find((e) => e.sync.state === 'rejected') ?? h.trail.find((e) => e.sync.state === 'pending');
    if (worst) h.sync = { ...worst.sync };
  }

  function suggest(pointCode, readings) {
    const point = store.points.find((p) => p.point.code === pointCode);
    if (!point) throw `未知巡查点：${pointCode}`;
    const fields = forms[point.point.kind] ?? [];
    const r = readings ?? {};
    // The same signals the paper forms call dangerous.
    if (r.piping === true) return 'danger';
    if (typeof r.water_level_m === 'number' && typeof r.flood_limit_level_m === 'number' && r.water_level_m > r.flood_limit_level_m) return 'danger';
    if (typeof r.crack_width_mm === 'number' && r.crack_width_mm >= 50) return 'danger';
    const alarms = fields.filter((f) => f.type.type === 'flag' && f.alarm_when !== null && r[f.key] === f.alarm_when);
    if (alarms.length >= 3) return 'danger';
    if (alarms.length > 0) return 'abnormal';
    if (typeof r.crack_width_mm === 'number' && r.crack_width_mm >= 10) return 'abnormal';
    return 'normal';
  }

  function localToday() {
    const d = new Date();
    return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
  }

  /** A township record, refused field by field as the core refuses it. */
  function fileRecord(type, idKey, input, day, summary, urgent, rules) {
    requireSession();
    const fields = rules.filter(([, reason]) => reason).map(([field, reason]) => ({ field, reason }));
    if (fields.length) throw `invalid:${JSON.stringify(fields)}`;
    if (!seed.grids.some((g) => g.code === input.grid)) throw `未知网格：${input.grid}`;
    checkPhotos(input.photos);
    const id = newId(idKey.slice(0, 1).toUpperCase());
    const ev = event({ type, data: { [idKey]: id, ...input } });
    store.records.push({ id, kind: type, grid: input.grid, day, title: summary, photos: input.photos.length, sync: 'pending', events: [], body: ev.body, event: ev.id });
    queue(ev, summary, urgent, input.photos);
    return id;
  }

  const commands = {
    session: () => store.session,
    enroll: ({ server, username, password }) => {
      if (!navigator.onLine) throw '无法连接服务器：本机没有网络，首次登录需要联网';
      if (!server || !username) throw '请填写服务器地址和账号';
      if (username !== seed.account.user || password !== seed.password) throw '账号或密码错误';
      store.session = { ...seed.account, server };
      return store.session;
    },
    sign_out: ({ force }) => {
      const u = unsynced();
      if (!force && (u.events || u.blobs || u.rejected)) {
        throw `unsynced: 本机还有 ${u.events} 条记录、${u.blobs} 张照片未上传，${u.rejected} 条被退回未处理`;
      }
      store.session = null;
      if (force) store.outbox = [];
      return null;
    },
    grids: () => (requireSession(), seed.grids),
    points: () => (requireSession(), store.points),
    tasks: () => (requireSession(), store.tasks),
    task: ({ id }) => (requireSession(), store.tasks.find((x) => x.task === id) ?? null),
    records: () => {
      requireSession();
      for (const r of store.records) r.sync = syncStateOf(r.event)?.state ?? 'from_server';
      return [...store.records].reverse();
    },
    add_task_check: ({ check }) => {
      requireSession();
      const task = store.tasks.find((x) => x.task === check.task);
      if (!task) throw `本机没有任务 ${check.task}`;
      const target = task.targets.find((x) => x.target.code === check.target);
      if (!target) throw `${check.target} 不是该任务的检查对象`;
      const missing = task.items.filter((i) => !check.results.some((r) => r.item === i));
      if (missing.length) throw `缺少检查项：${missing.join(',')}`;
      checkLocation(check.location);
      checkPhotos(check.photos);
      const grid = target.target.kind === 'grid' ? target.target.code : store.points.find((p) => p.point.code === target.target.code)?.point.grid;
      let hazard = null;
      if (check.hazard) {
        const failed = check.results.find((r) => r.result === 'fail');
        hazard = commands.add_hazard({
          grid,
          sector: check.hazard.sector ?? task.sector ?? (failed ? 'fire' : 'other'),
          level: check.hazard.level,
          description: check.hazard.description,
          place: null,
          location: check.location,
          photos: check.photos,
        });
        target.hazards = [...target.hazards, hazard];
      }
      const ev = event({ type: 'task_check_recorded', data: { ...check, target: target.target, grid, hazards: hazard ? [hazard] : [] } });
      target.covered_at ??= nowIso();
      target.covered_by ??= store.session.user;
      target.checks += 1;
      for (const r of check.results) if (r.result === 'fail' && !target.failed.includes(r.item)) target.failed.push(r.item);
      task.targets_covered = task.targets.filter((x) => x.covered_at).length;
      if (task.targets_covered === task.targets_total) {
        task.status = 'done';
        task.done_at = nowIso();
      }
      queue(ev, `${task.title} · ${target.target.code}`, false, check.photos);
      return { task: task.task, hazard };
    },
    add_meeting: ({ meeting }) =>
      fileRecord('meeting_recorded', 'meeting', meeting, meeting.held_on, meeting.topic, false, [
        ['topic', !meeting.topic?.trim() && { code: 'required' }],
        ['held_on', meeting.held_on > localToday() && { code: 'in_future' }],
      ]),
    add_banquet: ({ banquet }) =>
      fileRecord('banquet_filed', 'banquet', banquet, banquet.held_on, `${banquet.host} · ${banquet.tables}桌`, false, [
        ['host', !banquet.host?.trim() && { code: 'required' }],
        ['tables', (banquet.tables < 1 || banquet.tables > 1000) && { code: 'out_of_range', min: 1, max: 1000 }],
      ]),
    add_promise: ({ promise }) =>
      fileRecord('promise_signed', 'promise', { ...promise, signed_on: promise.signed_on ?? localToday() }, promise.signed_on ?? localToday(), promise.party, false, [
        ['party', !promise.party?.trim() && { code: 'required' }],
        ['signed_on', (promise.signed_on ?? '') > localToday() && { code: 'in_future' }],
      ]),
    add_accident: ({ accident }) =>
      fileRecord('accident_reported', 'accident', accident, accident.occurred_at.slice(0, 10), accident.description, true, [
        ['description', !accident.description?.trim() && { code: 'required' }],
        ['occurred_at', Date.parse(accident.occurred_at) > Date.now() + 300_000 && { code: 'in_future' }],
      ]),
    hazards: () => {
      requireSession();
      return [...store.hazards.values()].map((h) => (refreshHazardSync(h), { state: h.state, sync: h.sync }));
    },
    hazard: ({ id }) => {
      requireSession();
      const h = store.hazards.get(id);
      if (!h) throw `找不到隐患 ${id}`;
      refreshHazardSync(h);
      return { view: { state: h.state, sync: h.sync }, trail: h.trail };
    },
    add_photo: async (bytes) => {
      requireSession();
      if (!(bytes instanceof Uint8Array) || bytes.length === 0) throw '照片为空';
      const hash = await sha256Hex(bytes);
      const thumb = toDataUrl(bytes);
      store.photos.set(hash, { thumb, bytes: bytes.length });
      return { hash, thumb, bytes: bytes.length };
    },
    photo_thumb: ({ hash }) => store.photos.get(hash)?.thumb ?? null,
    add_hazard: ({ grid, sector, level, description, place, location, photos }) => {
      requireSession();
      if (!seed.grids.some((g) => g.code === grid)) throw `未知网格：${grid}`;
      if (!description?.trim()) throw '隐患描述不能为空';
      checkLocation(location);
      checkPhotos(photos);
      const id = newId('H');
      const ev = event({ type: 'hazard_reported', data: { hazard: id, grid, sector, level, description, place, location, photos } });
      const state = {
        id, grid, sector, level, status: 'reported', description, place, location,
        reported_by: store.session.user, reported_from: seed.account.device_id, reported_at: nowIso(),
        photos, after_photos: [], confirmation: null, listed: null, rectified: null, verified: null,
        closed: null, rejected: null, reopened: 0, last: ev.hlc, events: 1, superseded: [],
      };
      store.hazards.set(id, { state, sync: pending(), trail: [{ event: ev, sync: pending() }] });
      queue(ev, `上报隐患：${description.slice(0, 20)}`, level === 'major', photos);
      return id;
    },
    rectify: ({ hazard, note, photos }) => {
      requireSession();
      const h = store.hazards.get(hazard);
      if (!h) throw `找不到隐患 ${hazard}`;
      if (!note?.trim()) throw '整改情况不能为空';
      checkPhotos(photos);
      const ev = event({ type: 'rectification_submitted', data: { hazard, note, photos, location: null } });
      const decided = ['verified', 'closed', 'rejected'].includes(h.state.status);
      if (decided) {
        h.state.superseded.push({ event: ev.id, kind: 'rectification_submitted', reason: 'decided' });
      } else {
        h.state.status = 'rectified';
        h.state.after_photos = [...h.state.after_photos, ...photos];
        h.state.rectified = { by: store.session.user, at: nowIso(), note };
      }
      h.state.events += 1;
      h.state.last = ev.hlc;
      h.trail.push({ event: ev, sync: { ...pending(), superseded: decided ? 'decided' : null } });
      queue(ev, `提交整改：${h.state.description.slice(0, 16)}`, false, photos);
      return ev.id;
    },
    add_check: ({ point, verdict, readings, note, location, photos }) => {
      requireSession();
      const p = store.points.find((x) => x.point.code === point);
      if (!p) throw `未知巡查点：${point}`;
      if (!['normal', 'abnormal', 'danger'].includes(verdict)) throw '巡查结论无效';
      checkLocation(location);
      checkPhotos(photos);
      const check = newId('C');
      const ev = event({ type: 'check_logged', data: { check, point, grid: p.point.grid, verdict, readings, note, location, photos } });
      p.last_check = { check, verdict, at: nowIso(), by: store.session.user };
      p.check_due = false;
      p.next_check_at = new Date(Date.now() + (p.duty ? p.duty.interval_hours : 7 * 24) * 3600_000).toISOString();
      store.lastCheck = ev;
      queue(ev, `巡查记录：${p.point.name}`, verdict === 'danger', photos);
      return check;
    },
    suggest_verdict: ({ point, readings }) => suggest(point, readings),
    sync: async () => {
      requireSession();
      await sleep(400);
      if (!navigator.onLine) {
        store.lastError = '网络不可用：记录已保存在本机，有信号后会自动上传';
        throw store.lastError;
      }
      const waiting = store.outbox
        .filter((o) => o.state === 'pending' || o.state === 'sent')
        .sort((a, b) => Number(b.urgent) - Number(a.urgent) || a.seq - b.seq);
      store.pushOrder = waiting.map((o) => o.event_id);
      let blobs = 0;
      for (const item of waiting) item.state = 'accepted';
      // Photos go after the records, in a few steps so progress can be seen.
      for (let step = 1; step <= 3; step += 1) {
        await sleep(150);
        for (const item of waiting) {
          for (const p of item.photos) p.uploaded = Math.round((p.size * step) / 3);
        }
      }
      blobs = waiting.reduce((n, o) => n + o.photos.length, 0);
      store.lastSync = nowIso();
      store.lastError = null;
      return { pushed: waiting.length, accepted: waiting.length, rejected: 0, blobs_uploaded: blobs, pulled: 0 };
    },
    sync_status: () => {
      const u = unsynced();
      return { pending_events: u.events, pending_blobs: u.blobs, rejected: u.rejected, last_sync: store.lastSync, last_error: store.lastError, damaged_photos: store.outbox.flatMap((o) => o.photos).filter((p) => p.problem && p.uploaded < p.size).map(({ hash, problem }) => ({ hash, problem })) };
    },
    outbox: () => store.outbox.map((o) => ({ ...o, photos: o.photos.map((p) => ({ ...p })) })),
  };

  window.__gridsafeFake = store;
  window.__TAURI_INTERNALS__ = {
    async invoke(cmd, args) {
      store.calls.push({ cmd, args: args instanceof Uint8Array ? `<${args.length} bytes>` : args });
      const handler = commands[cmd];
      if (!handler) throw `unknown command ${cmd}`;
      // Answers are copied, as they would be after crossing the IPC boundary.
      const answer = await handler(args ?? {});
      return answer === undefined ? null : JSON.parse(JSON.stringify(answer));
    },
    transformCallback() {
      return 0;
    },
  };
}
