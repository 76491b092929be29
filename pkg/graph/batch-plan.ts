import type { BatchItem, BatchItemResult } from './batch.ts';
import { ValidationError } from './errors.ts';

/**
 * Splits items into `$batch` chunks of at most `max`, keeping every dependency group (items linked by
 * `dependsOn`) in one chunk and in order. Dependencies that already succeeded in an earlier round are dropped from
 * `dependsOn` (Graph only resolves ids within one batch). Pure, for unit tests.
 */
export function planChunks(items: readonly BatchItem[], done: ReadonlyMap<string, BatchItemResult>, max: number): BatchItem[][] {
  const pendingIds = new Set(items.map((i) => i.id));
  const trimmed = items.map((item) => trimDependencies(item, pendingIds, done));
  const groups = dependencyGroups(trimmed);
  const chunks: BatchItem[][] = [];
  let current: BatchItem[] = [];
  for (const group of groups) {
    if (group.length > max) throw new ValidationError(`A $batch dependency group has ${group.length} requests; Graph allows ${max}`);
    if (current.length + group.length > max) {
      chunks.push(current);
      current = [];
    }
    current.push(...group);
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

function trimDependencies(item: BatchItem, pendingIds: ReadonlySet<string>, done: ReadonlyMap<string, BatchItemResult>): BatchItem {
  if (item.dependsOn === undefined) return item;
  const unknown = item.dependsOn.filter((d) => !pendingIds.has(d) && !done.has(d));
  if (unknown.length > 0) throw new ValidationError(`Batch item ${item.id} depends on unknown item(s) ${unknown.join(', ')}`);
  return { ...item, dependsOn: item.dependsOn.filter((d) => pendingIds.has(d)) };
}

/** Groups items connected through `dependsOn` (union-find), each group in input order, groups in first-seen order. */
function dependencyGroups(items: readonly BatchItem[]): BatchItem[][] {
  const parent = new Map(items.map((i) => [i.id, i.id]));
  const find = (id: string): string => {
    let root = id;
    while (parent.get(root) !== root) root = parent.get(root) ?? root;
    parent.set(id, root);
    return root;
  };
  for (const item of items) for (const dep of item.dependsOn ?? []) parent.set(find(item.id), find(dep));
  const groups = new Map<string, BatchItem[]>();
  for (const item of items) {
    const root = find(item.id);
    const group = groups.get(root) ?? [];
    group.push(item);
    groups.set(root, group);
  }
  return [...groups.values()];
}
