/**
 * The data the fake native side starts with: a township (青山镇) with two
 * villages, their monitoring points, hazards in several states (one overdue,
 * one whose late rectification was superseded), one record the server
 * rejected, two tasks (one overdue) and two points on 24-hour flood duty.
 * Times are relative to now, so "overdue" stays overdue.
 */
const DAY = 86_400_000;

function svgPhoto(color, label) {
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="320" height="240">` +
    `<rect width="320" height="240" fill="${color}"/>` +
    `<circle cx="${60 + label * 40}" cy="120" r="50" fill="rgba(255,255,255,0.5)"/></svg>`;
  return `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
}

function hash(n) {
  return n.toString(16).padStart(2, '0').repeat(32);
}

export function makeSeed(now = Date.now()) {
  const device = 'dev-7f3a';
  const iso = (ms) => new Date(ms).toISOString();
  const date = (ms) => iso(ms).slice(0, 10);
  const user = '13800001234';
  const office = '镇安办刘敏';
  let eventNo = 0;
  const ev = (author, at, body) => ({
    id: `0190e5a0-0000-7000-8000-${String(++eventNo).padStart(12, '0')}`,
    hlc: { wall_ms: at, counter: 0, node: device },
    author,
    device,
    body,
  });
  const ok = { state: 'accepted', reason: null, superseded: null };
  const loc = (lat, lon, acc) => ({ lat, lon, accuracy_m: acc, fixed_at: iso(now - 20 * DAY), source: 'gps' });

  const photos = {
    [hash(1)]: svgPhoto('#8d6e63', 1),
    [hash(2)]: svgPhoto('#78909c', 2),
    [hash(3)]: svgPhoto('#a1887f', 3),
    [hash(4)]: svgPhoto('#66bb6a', 4),
    [hash(5)]: svgPhoto('#ffa726', 1),
  };

  const grids = [
    { code: 'QS', name: '青山镇', parent: null, level: 'town', responsible: '赵书记' },
    { code: 'QS-WJ', name: '王家村', parent: 'QS', level: 'village', responsible: '王建国' },
    { code: 'QS-WJ-ZC', name: '王家村砖厂', parent: 'QS-WJ', level: 'unit', responsible: '王二' },
    { code: 'QS-LJ', name: '李家村', parent: 'QS', level: 'village', responsible: '李德明' },
    { code: 'QS-LJ-XX', name: '李家村小学', parent: 'QS-LJ', level: 'unit', responsible: '陈校长' },
  ];

  const baseState = {
    place: null,
    after_photos: [],
    confirmation: null,
    listed: null,
    rectified: null,
    verified: null,
    closed: null,
    rejected: null,
    reopened: 0,
    reported_from: device,
    superseded: [],
  };

  // 1. Confirmed, deadline passed: overdue.
  const h1Reported = now - 30 * DAY;
  const h1 = {
    id: 'H-0001',
    reported: ev(user, h1Reported, {
      type: 'hazard_reported',
      data: {
        hazard: 'H-0001', grid: 'QS-WJ-ZC', sector: 'construction', level: 'general',
        description: '砖厂窑顶作业平台无防护栏，存在高空坠落风险', place: '砖厂二号窑',
        location: loc(30.65412, 104.21871, 6), photos: [hash(1), hash(2)],
      },
    }),
  };
  const h1Confirm = ev(office, h1Reported + DAY, {
    type: 'hazard_confirmed',
    data: {
      hazard: 'H-0001', level: 'general', sector: null, owner: '王家村砖厂 王二',
      deadline: date(now - 5 * DAY), measures: '加装防护栏，作业人员系安全带', funds_yuan: null,
      contingency_plan: null, note: null,
    },
  });

  // 2. Just reported, road traffic.
  const h2At = now - 2 * DAY;
  const h2 = ev(user, h2At, {
    type: 'hazard_reported',
    data: {
      hazard: 'H-0002', grid: 'QS-LJ', sector: 'road_traffic', level: 'general',
      description: '村道口农用车非法载人，早晚接送学生', place: '李家村小学路口',
      location: loc(30.66102, 104.23315, 12), photos: [hash(3)],
    },
  });

  // 3. Verified, then a late rectification arrived: superseded.
  const h3At = now - 40 * DAY;
  const h3Events = [
    ev(user, h3At, {
      type: 'hazard_reported',
      data: {
        hazard: 'H-0003', grid: 'QS-WJ', sector: 'electrical', level: 'general',
        description: '村活动室私拉乱接电线，线路老化', place: '王家村活动室',
        location: loc(30.65801, 104.22003, 9), photos: [hash(5)],
      },
    }),
    ev(office, h3At + 2 * DAY, {
      type: 'hazard_confirmed',
      data: { hazard: 'H-0003', level: 'general', sector: null, owner: '王家村委会', deadline: date(h3At + 10 * DAY), measures: '更换线路', funds_yuan: 800, contingency_plan: null, note: null },
    }),
    ev(user, h3At + 6 * DAY, {
      type: 'rectification_submitted',
      data: { hazard: 'H-0003', note: '已更换全部老化线路', photos: [hash(4)], location: null },
    }),
    ev(office, h3At + 8 * DAY, { type: 'rectification_verified', data: { hazard: 'H-0003', note: '整改到位' } }),
    ev('13900005678', h3At + 9 * DAY, {
      type: 'rectification_submitted',
      data: { hazard: 'H-0003', note: '补充整改照片', photos: [], location: null },
    }),
  ];

  // 4. Major, listed, rectifying with a future deadline.
  const h4At = now - 10 * DAY;
  const h4Events = [
    ev(user, h4At, {
      type: 'hazard_reported',
      data: {
        hazard: 'H-0004', grid: 'QS-LJ', sector: 'gas', level: 'major',
        description: '餐馆液化石油气钢瓶与灶具同室存放，软管老化', place: '李家村场镇餐馆',
        location: loc(30.66231, 104.2341, 15), photos: [],
      },
    }),
    ev(office, h4At + DAY, {
      type: 'hazard_confirmed',
      data: { hazard: 'H-0004', level: 'major', sector: null, owner: '餐馆业主 张某', deadline: date(now + 20 * DAY), measures: '钢瓶间分隔、更换软管、加装报警器', funds_yuan: 3000, contingency_plan: '整改期间停用后厨燃气', note: null },
    }),
    ev(office, h4At + DAY + 3600_000, { type: 'hazard_listed', data: { hazard: 'H-0004', note: '镇挂牌督办' } }),
  ];

  // 5. Rejected by the server: the grid is not in the user's scope.
  const h5At = now - DAY;
  const h5 = ev(user, h5At, {
    type: 'hazard_reported',
    data: {
      hazard: 'H-0005', grid: 'QS-WJ', sector: 'water_transport', level: 'general',
      description: '河边洗衣台无护栏、无救生圈', place: '清水河二组河段',
      location: null, photos: [],
    },
  });
  const rejectReason = '该网格已划归清水村管理，不在您的负责范围内，请联系镇安办调整后重新上报';

  const hazards = [
    {
      state: {
        ...baseState, id: 'H-0001', grid: 'QS-WJ-ZC', sector: 'construction', level: 'general', status: 'confirmed',
        description: h1.reported.body.data.description, place: '砖厂二号窑', location: h1.reported.body.data.location,
        reported_by: user, reported_at: iso(h1Reported), photos: [hash(1), hash(2)],
        confirmation: { owner: '王家村砖厂 王二', deadline: date(now - 5 * DAY), measures: '加装防护栏，作业人员系安全带', funds_yuan: null, contingency_plan: null, by: office, at: iso(h1Reported + DAY) },
        last: h1Confirm.hlc, events: 2,
      },
      sync: ok,
      trail: [{ event: h1.reported, sync: ok }, { event: h1Confirm, sync: ok }],
    },
    {
      state: {
        ...baseState, id: 'H-0002', grid: 'QS-LJ', sector: 'road_traffic', level: 'general', status: 'reported',
        description: h2.body.data.description, place: '李家村小学路口', location: h2.body.data.location,
        reported_by: user, reported_at: iso(h2At), photos: [hash(3)], last: h2.hlc, events: 1,
      },
      sync: ok,
      trail: [{ event: h2, sync: ok }],
    },
    {
      state: {
        ...baseState, id: 'H-0003', grid: 'QS-WJ', sector: 'electrical', level: 'general', status: 'verified',
        description: '村活动室私拉乱接电线，线路老化', place: '王家村活动室', location: h3Events[0].body.data.location,
        reported_by: user, reported_at: iso(h3At), photos: [hash(5)], after_photos: [hash(4)],
        confirmation: { owner: '王家村委会', deadline: date(h3At + 10 * DAY), measures: '更换线路', funds_yuan: 800, contingency_plan: null, by: office, at: iso(h3At + 2 * DAY) },
        rectified: { by: user, at: iso(h3At + 6 * DAY), note: '已更换全部老化线路' },
        verified: { by: office, at: iso(h3At + 8 * DAY), note: '整改到位' },
        superseded: [{ event: h3Events[4].id, kind: 'rectification_submitted', reason: 'decided' }],
        last: h3Events[4].hlc, events: 5,
      },
      sync: ok,
      trail: h3Events.map((event, i) => ({
        event,
        sync: i === 4 ? { state: 'accepted', reason: null, superseded: 'decided' } : ok,
      })),
    },
    {
      state: {
        ...baseState, id: 'H-0004', grid: 'QS-LJ', sector: 'gas', level: 'major', status: 'rectifying',
        description: h4Events[0].body.data.description, place: '李家村场镇餐馆', location: h4Events[0].body.data.location,
        reported_by: user, reported_at: iso(h4At), photos: [],
        confirmation: { owner: '餐馆业主 张某', deadline: date(now + 20 * DAY), measures: '钢瓶间分隔、更换软管、加装报警器', funds_yuan: 3000, contingency_plan: '整改期间停用后厨燃气', by: office, at: iso(h4At + DAY) },
        listed: { by: office, at: iso(h4At + DAY + 3600_000), note: '镇挂牌督办' },
        last: h4Events[2].hlc, events: 3,
      },
      sync: ok,
      trail: h4Events.map((event) => ({ event, sync: ok })),
    },
    {
      state: {
        ...baseState, id: 'H-0005', grid: 'QS-WJ', sector: 'water_transport', level: 'general', status: 'reported',
        description: h5.body.data.description, place: '清水河二组河段', location: null,
        reported_by: user, reported_at: iso(h5At), photos: [], last: h5.hlc, events: 1,
      },
      sync: { state: 'rejected', reason: rejectReason, superseded: null },
      trail: [{ event: h5, sync: { state: 'rejected', reason: rejectReason, superseded: null } }],
    },
  ];

  const points = [
    {
      point: { code: 'P-HP-01', name: '后山滑坡体', kind: 'landslide', grid: 'QS-WJ', lat: 30.6601, lon: 104.2155, monitor: '王建国' },
      last_check: { check: 'C-01', verdict: 'normal', at: iso(now - 3 * DAY), by: user },
      check_due: true,
      next_check_at: iso(now - 2 * DAY),
      duty: { duty: 'D-01', interval_hours: 24, since: iso(now - 10 * DAY) },
    },
    {
      point: { code: 'P-SK-01', name: '青山水库', kind: 'reservoir', grid: 'QS-LJ', lat: 30.6702, lon: 104.2402, monitor: '李德明' },
      last_check: { check: 'C-02', verdict: 'abnormal', at: iso(now - DAY), by: '13900005678' },
      check_due: true,
    },
    {
      point: { code: 'P-TB-02', name: '王家塘坝', kind: 'pond_dam', grid: 'QS-WJ', lat: 30.6555, lon: 104.2201, monitor: '王建国' },
      last_check: { check: 'C-03', verdict: 'normal', at: iso(now - 6 * 3600_000), by: user },
      check_due: false,
      next_check_at: iso(now + 18 * 3600_000),
      duty: { duty: 'D-01', interval_hours: 24, since: iso(now - 10 * DAY) },
    },
    {
      point: { code: 'P-HD-01', name: '清水河河堤(二组段)', kind: 'embankment', grid: 'QS-WJ', lat: 30.6512, lon: 104.2233, monitor: '王建国' },
      last_check: null,
      check_due: true,
    },
    {
      point: { code: 'P-SS-01', name: '青山湾深水区', kind: 'deep_water', grid: 'QS-LJ', lat: 30.6689, lon: 104.2388, monitor: '李德明' },
      last_check: { check: 'C-04', verdict: 'normal', at: iso(now - 2 * DAY), by: user },
      check_due: false,
    },
  ];

  const outbox = [
    { seq: 1, event_id: h2.id, kind: 'hazard_reported', summary: '上报隐患：村道口农用车非法载人', state: 'accepted', reason: null, urgent: false, photos: [{ hash: hash(3), size: 182_000, uploaded: 182_000 }] },
    { seq: 2, event_id: h5.id, kind: 'hazard_reported', summary: '上报隐患：河边洗衣台无护栏、无救生圈', state: 'rejected', reason: rejectReason, urgent: false, photos: [] },
  ];

  const target = (kind, code, coveredAt, by, failed = [], hazards = []) => ({
    target: { kind, code },
    covered_at: coveredAt,
    covered_by: coveredAt ? by : null,
    checks: coveredAt ? 1 : 0,
    failed,
    hazards,
  });
  const tasks = [
    {
      task: '0190e5a0-0000-7000-8000-00000000aa01',
      kind: 'quarterly_check',
      sector: null,
      title: '第四季度安全生产大检查',
      grid: 'QS',
      due: date(now + 10 * DAY),
      items: ['fire_equipment', 'emergency_exits'],
      note: '重点查看消防器材和安全出口',
      issued_at: iso(now - 5 * DAY),
      issued_by: office,
      done_at: null,
      targets: [
        target('grid', 'QS-WJ', iso(now - DAY), '13900005678'),
        target('grid', 'QS-LJ', null, null),
      ],
      status: 'open',
      targets_total: 2,
      targets_covered: 1,
    },
    {
      task: '0190e5a0-0000-7000-8000-00000000aa02',
      kind: 'special_campaign',
      sector: 'construction',
      title: '建筑施工安全专项整治',
      grid: 'QS',
      due: date(now - 2 * DAY),
      items: ['qualification', 'gantry_crane', 'fall_protection'],
      note: null,
      issued_at: iso(now - 20 * DAY),
      issued_by: office,
      done_at: null,
      targets: [
        target('grid', 'QS-WJ-ZC', iso(now - 8 * DAY), user, ['fall_protection'], ['H-0001']),
        target('point', 'P-HP-01', null, null),
      ],
      status: 'overdue',
      targets_total: 2,
      targets_covered: 1,
    },
  ];

  return {
    tasks,
    account: { user, role: 'inspector', grids: ['QS-WJ', 'QS-LJ'], server: 'https://aq.qingshan.example.cn', device_id: device },
    password: 'anquan2025',
    grids,
    points,
    hazards,
    outbox,
    photos,
    lastSync: iso(now - 2 * 3600_000),
  };
}

/** Words of the seed's user data that may appear in Latin letters on a zh-CN screen. */
export function seedLatinWords(seed) {
  // Only values a person sees: the server address and the device id.
  const text = [seed.account.server, seed.account.device_id, seed.account.user].join(' ');
  return [...new Set(text.match(/[A-Za-z]{4,}/g) ?? [])];
}
