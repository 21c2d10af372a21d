/**
 * The hazard list's filters, kept in the address (`#/hazards?status=...`)
 * so going back from a hazard, reloading or sharing the link shows the same
 * list; the export takes exactly these.
 */
import { reactive, watch } from 'vue';
import { useRoute, useRouter, type LocationQuery } from 'vue-router';
import type { HazardFilter, HazardSort } from '../api';
import type { HazardLevel, HazardStatus, Sector } from '../../shared/generated/types';

export interface FilterState {
  grid: string;
  sector: Sector | '';
  level: HazardLevel | '';
  status: HazardStatus[];
  overdue: boolean;
  listed: '' | 'true' | 'false';
  q: string;
  range: [string, string] | null;
  sort: HazardSort;
  page: number;
  perPage: number;
}

function one(q: LocationQuery, k: string): string {
  const v = q[k];
  return (Array.isArray(v) ? v[0] : v) ?? '';
}

function fromQuery(q: LocationQuery): FilterState {
  const from = one(q, 'from');
  const to = one(q, 'to');
  return {
    grid: one(q, 'grid'),
    sector: one(q, 'sector') as Sector | '',
    level: one(q, 'level') as HazardLevel | '',
    status: one(q, 'status').split(',').filter(Boolean) as HazardStatus[],
    overdue: one(q, 'overdue') === 'true',
    listed: one(q, 'listed') as FilterState['listed'],
    q: one(q, 'q'),
    range: from && to ? [from, to] : null,
    sort: (one(q, 'sort') || 'reported_desc') as HazardSort,
    page: Number(one(q, 'page')) || 1,
    perPage: Number(one(q, 'per_page')) || 20,
  };
}

/** The API's filter for a state (empty values left out). */
export function toApiFilter(s: FilterState): HazardFilter {
  return {
    grid: s.grid || undefined,
    sector: s.sector || undefined,
    level: s.level || undefined,
    status: s.status.length ? s.status : undefined,
    overdue: s.overdue || undefined,
    listed: s.listed === '' ? undefined : s.listed === 'true',
    q: s.q.trim() || undefined,
    from: s.range?.[0],
    to: s.range?.[1],
    sort: s.sort === 'reported_desc' ? undefined : s.sort,
  };
}

export function useFilters() {
  const route = useRoute();
  const router = useRouter();
  const state = reactive(fromQuery(route.query));

  watch(
    state,
    (s) => {
      const f = toApiFilter(s);
      const query: Record<string, string> = {};
      for (const [k, v] of Object.entries(f)) {
        if (v !== undefined) query[k] = Array.isArray(v) ? v.join(',') : String(v);
      }
      if (s.page > 1) query.page = String(s.page);
      if (s.perPage !== 20) query.per_page = String(s.perPage);
      router.replace({ path: route.path, query });
    },
    { deep: true },
  );

  // A link or the back button may change the address under a shown list.
  watch(
    () => route.query,
    (q) => {
      const next = fromQuery(q);
      if (JSON.stringify(toApiFilter(next)) !== JSON.stringify(toApiFilter(state)) || next.page !== state.page) {
        Object.assign(state, next);
      }
    },
  );

  function reset() {
    Object.assign(state, fromQuery({}));
  }

  return { state, reset, apiFilter: () => toApiFilter(state) };
}
