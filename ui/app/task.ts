/** Names for the targets of a task: a grid by its name, a point by its name. */
import type { TaskTarget } from '../shared/generated/types';
import type { PointView } from './api';

export function targetName(target: TaskTarget, gridName: (code: string) => string, points: readonly PointView[]): string {
  if (target.kind === 'grid') return gridName(target.code);
  return points.find((p) => p.point.code === target.code)?.point.name ?? target.code;
}
