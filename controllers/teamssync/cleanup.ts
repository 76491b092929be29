/**
 * What happens after a run ends: its delegated token Secret is deleted (the token is never kept
 * once the run no longer needs it), and the tenant's history is trimmed to spec.syncHistoryLimit.
 * Both are idempotent: a crash between the final status write and these steps is repaired by the
 * next pass over the finished run.
 */
import type { TeamsSync, TeamsTenant } from './resources.ts';
import { isNotFound, type KubeClient, type KubeObject } from '../../pkg/runtime/index.ts';
import { tokenSecretRefusal } from './observe.ts';
import { runsToDelete, type RunSummary } from './retention.ts';
import { secretResource, teamsSyncResource } from './resources.ts';

/** Deletes the run's token Secret if it is one made for this run (see tokenSecretRefusal); true when it did. */
export async function deleteTokenSecret(client: KubeClient, run: TeamsSync): Promise<boolean> {
  const ref = run.spec.delegatedTokenSecretRef;
  if (ref === undefined) return false;
  const namespace = run.metadata.namespace ?? '';
  try {
    const secret = await client.get<KubeObject>(secretResource, namespace, ref.name);
    if (tokenSecretRefusal(secret, run) !== undefined) return false;
    await client.delete(secretResource, namespace, ref.name);
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

/** Deletes the tenant's finished runs beyond its history limit; returns the names deleted. */
export async function trimHistory(client: KubeClient, runs: readonly RunSummary[], tenant: TeamsTenant | undefined): Promise<string[]> {
  const limit = tenant?.spec.syncHistoryLimit;
  const doomed = runsToDelete(runs, () => limit);
  const deleted: string[] = [];
  for (const r of doomed) {
    try {
      await client.delete(teamsSyncResource, r.namespace, r.name);
      deleted.push(r.name);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
  return deleted;
}
