/**
 * What a PresenceSync's reconcile derives from inputs that rarely change, remembered per object: the validated spec
 * (per generation) and the user selection (per spec user list, tenant user list and mapping users). A PresenceSync of
 * 10,000 users is reconciled at least every 30 s and after each of its status writes; validating it (TypeBox clones
 * and defaults the whole object) and matching its users (lower-cased e-mails, maps, a sort) made about 60 MiB of
 * garbage per pass, measured with the sampling heap profiler on the daemon (bench/presence.ts), and the first cycle's
 * passes drove the daemon's peak RSS. Unchanged inputs now cost a few comparisons.
 */
import { validatePresenceSync, type PresenceSyncSpec } from '../../pkg/apis/teamssync/v1alpha1/index.ts';
import type { M365UserRef, PbxUserRef } from '../../pkg/presence/user-matching.ts';
import { selectPresenceUsers, type PresenceUserSelection } from './plan.ts';
import type { PresenceSync } from './resources.ts';

type Validated = ReturnType<typeof validatePresenceSync>;

interface ValidatedEntry {
  readonly uid: string;
  readonly generation: number;
  readonly result: Validated;
}

interface SelectionEntry {
  readonly users: PresenceSyncSpec['users'];
  readonly m365Users: readonly M365UserRef[];
  readonly mappingUsers: readonly PbxUserRef[];
  readonly selection: PresenceUserSelection;
}

/** Same PBX users, field by field (the reconciler builds a new list of mapping users every pass). */
function sameUsers(a: readonly PbxUserRef[], b: readonly PbxUserRef[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as PbxUserRef;
    const y = b[i] as PbxUserRef;
    if (x.email !== y.email || x.extension !== y.extension) return false;
  }
  return true;
}

/**
 * The memo, one per reconciler.
 *
 * When to use: in observe (`validate`) and before plan (`selectUsers`); `forget` when the object goes.
 * Gotchas: the spec is keyed by uid and `metadata.generation` (the apiserver bumps it on every spec change of a kind
 * with a status subresource); an object without a generation (a hand-made one in a test) is validated every time.
 * The selection is keyed by identity of the validated spec's `users` and the tenant's user list (TenantUserCache
 * hands out the same array until a refresh changes it), and by content of the mapping users.
 */
export class PresenceSyncMemo {
  readonly #validated = new Map<string, ValidatedEntry>();
  readonly #selections = new Map<string, SelectionEntry>();

  /** `validatePresenceSync(obj)`, or its result for the same uid and generation. */
  validate(key: string, obj: PresenceSync): Validated {
    const uid = obj.metadata.uid;
    const generation = obj.metadata.generation;
    if (uid === undefined || generation === undefined) return validatePresenceSync(obj);
    const hit = this.#validated.get(key);
    if (hit?.uid === uid && hit.generation === generation) return hit.result;
    const result = validatePresenceSync(obj);
    this.#validated.set(key, { uid, generation, result });
    return result;
  }

  /** `selectPresenceUsers(...)`, or the previous selection of `key` when its inputs are the same. */
  selectUsers(key: string, users: PresenceSyncSpec['users'], m365Users: readonly M365UserRef[], mappingUsers: readonly PbxUserRef[]): PresenceUserSelection {
    const hit = this.#selections.get(key);
    if (hit !== undefined && hit.users === users && hit.m365Users === m365Users && sameUsers(hit.mappingUsers, mappingUsers)) return hit.selection;
    const selection = selectPresenceUsers(users, m365Users, mappingUsers);
    this.#selections.set(key, { users, m365Users, mappingUsers, selection });
    return selection;
  }

  /** Drops what is remembered of `key` (the object was deleted or cannot run). */
  forget(key: string): void {
    this.#validated.delete(key);
    this.#selections.delete(key);
  }
}
