/** The grid tree in the caller's scope, loaded once, as a tree for selects. */
import { computed, ref } from 'vue';
import { api, type GridItem } from '../api';

export interface GridTreeNode {
  value: string;
  label: string;
  level: GridItem['level'];
  children: GridTreeNode[];
}

const grids = ref<GridItem[]>([]);
let loading: Promise<void> | null = null;

export function useGrids() {
  if (!loading) {
    loading = api.grids().then((g) => {
      grids.value = g;
    });
    loading.catch(() => {
      loading = null;
    });
  }
  const byCode = computed(() => new Map(grids.value.map((g) => [g.code, g])));
  const tree = computed<GridTreeNode[]>(() => {
    const nodes = new Map<string, GridTreeNode>();
    for (const g of grids.value)
      nodes.set(g.code, { value: g.code, label: g.name, level: g.level, children: [] });
    const roots: GridTreeNode[] = [];
    for (const g of grids.value) {
      const n = nodes.get(g.code)!;
      const p = g.parent ? nodes.get(g.parent) : undefined;
      if (p) p.children.push(n);
      else roots.push(n);
    }
    return roots;
  });
  return {
    grids,
    tree,
    ready: () => loading ?? Promise.resolve(),
    name: (code: string) => byCode.value.get(code)?.name ?? code,
    reload() {
      loading = null;
      return useGrids().ready();
    },
  };
}
