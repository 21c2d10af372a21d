/**
 * Domain lists the screens offer as choices, in the order of the township
 * documents. Typed as records over the generated unions, so a sector or level
 * added on the Rust side is a type error here until it is placed.
 */
import type {
  BannedDish,
  GridNode,
  HazardLevel,
  HazardStatus,
  PromiseKind,
  Sector,
  Verdict,
} from '../shared/generated/types';

const SECTOR_ORDER: Record<Sector, null> = {
  road_traffic: null,
  fire: null,
  construction: null,
  hazardous_chemicals: null,
  fireworks: null,
  non_coal_mines: null,
  special_equipment: null,
  occupational_health: null,
  food_safety: null,
  geological_water: null,
  water_transport: null,
  gas: null,
  forest_fire: null,
  electrical: null,
  crowded_places: null,
  other: null,
};
export const SECTORS = Object.keys(SECTOR_ORDER) as Sector[];

const LEVEL_ORDER: Record<HazardLevel, null> = { general: null, major: null };
export const LEVELS = Object.keys(LEVEL_ORDER) as HazardLevel[];

const STATUS_ORDER: Record<HazardStatus, null> = {
  reported: null,
  confirmed: null,
  rectifying: null,
  rectified: null,
  verified: null,
  closed: null,
  rejected: null,
};
export const STATUSES = Object.keys(STATUS_ORDER) as HazardStatus[];

const VERDICT_ORDER: Record<Verdict, null> = { normal: null, abnormal: null, danger: null };
export const VERDICTS = Object.keys(VERDICT_ORDER) as Verdict[];

const BANNED_DISH_ORDER: Record<BannedDish, null> = { green_beans: null, wild_mushrooms: null, medicinal_dishes: null };
/** 禁用菜品 a rural banquet must not serve, from the core's key table. */
export const BANNED_DISHES = Object.keys(BANNED_DISH_ORDER) as BannedDish[];

const PROMISE_KIND_ORDER: Record<PromiseKind, null> = {
  work_safety_target: null,
  construction_safety: null,
  farm_vehicle_no_passengers: null,
  banquet_food_safety: null,
};
export const PROMISE_KINDS = Object.keys(PROMISE_KIND_ORDER) as PromiseKind[];

/** The township records the phone files, by the word in their address. */
export const RECORD_FORMS = {
  meeting: 'meeting_recorded',
  banquet: 'banquet_filed',
  promise: 'promise_signed',
  accident: 'accident_reported',
} as const;
export type RecordForm = keyof typeof RECORD_FORMS;

/** Grids in tree order, each with the names from the top of the list down to it. */
export function gridPaths(nodes: GridNode[]): { code: string; path: string; depth: number }[] {
  const byCode = new Map(nodes.map((n) => [n.code, n]));
  const children = new Map<string | null, GridNode[]>();
  for (const n of nodes) {
    const parent = n.parent && byCode.has(n.parent) ? n.parent : null;
    children.set(parent, [...(children.get(parent) ?? []), n]);
  }
  const out: { code: string; path: string; depth: number }[] = [];
  const walk = (parent: string | null, prefix: string, depth: number) => {
    for (const n of children.get(parent) ?? []) {
      const path = prefix ? `${prefix} / ${n.name}` : n.name;
      out.push({ code: n.code, path, depth });
      walk(n.code, path, depth + 1);
    }
  };
  walk(null, '', 0);
  return out;
}
