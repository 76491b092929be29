/**
 * The UserLicenseMapping informer's projection (Manager.informer's `transform`) and its counterpart for status
 * writers. The cache keeps what some reader of it uses: spec, metadata, the records the mapping controller plans
 * from (applied, operation, intent, propagation, licenseState, teamsUserId, the last-sync fields, observedGeneration)
 * and each condition's type, status, reason, times and generation. It drops what only the mapping controller's
 * report writes and nobody reads back: status.teams, eligibility, licenseQueuePosition, pendingActions,
 * extensionNote, and the messages of the Ready, SyncNeeded and Failed conditions (the Ready message names the user
 * and the number: a string of its own per mapping). Why: a fleet's 100,000 mappings are the bulk of the daemon's
 * heap (bench/fleet.ts, issue 14).
 *
 * The catch: the mapping controller writes status as a merge patch against the object it read, and the dropped
 * fields are among those it writes. In their place the projection keeps two 32-bit digests (symbol-keyed: JSON,
 * structuredClone and merge patches do not see them), and {@link mappingForStatusWrite} rebuilds the object a
 * write is diffed against from the summary about to be written: where the summary's values hash to what the
 * apiserver held, they are put back (nothing to write); where they do not, a placeholder no value equals stands
 * in, so the patch carries the new value, or the null that removes it. Fields a summary does not name are left
 * out of both sides and so untouched. A 32-bit collision (about 1 in 4 billion changed writes) leaves a
 * display field or message stale until its next change.
 *
 * Values that repeat across mappings are held once, frozen (shared-values.ts): the finalizers, the tenantRef, every
 * cached condition and each conditions list. A condition without its message differs between mappings only by its times, and a
 * fleet's mappings become Ready some thirty a second: ~290 bytes a mapping otherwise (bench/mapping-cache.ts).
 */
import type { UserLicenseMappingStatus } from '../../pkg/apis/teamssync/v1alpha1/index.ts';
import type { StatusSummary } from '../../pkg/runtime/index.ts';
import type { CachedMapping } from './resources.ts';
import { SharedValues } from './shared-values.ts';

/** Status fields only the mapping controller's report writes (every full summary names all of them) and no reader of the cache uses. */
export const WriteOnlyMappingFields = ['teams', 'eligibility', 'licenseQueuePosition', 'pendingActions', 'extensionNote'] as const;

/** The conditions whose messages the cache drops: those `summarizeConditions` always writes together (house rule R5). */
export const SummarizedConditionTypes: readonly string[] = ['Ready', 'SyncNeeded', 'Failed'];

const FieldsDigest = Symbol('writeOnlyFieldsDigest');
const MessagesDigest = Symbol('conditionMessagesDigest');

/** What the projection adds to a status: the digests of what it dropped. */
interface Digests {
  readonly [FieldsDigest]?: number;
  readonly [MessagesDigest]?: number;
}

type Status = UserLicenseMappingStatus & Digests;
type Condition = NonNullable<UserLicenseMappingStatus['conditions']>[number];

/** The process's shared lists (a table of at most a few thousand, started again when full). */
const sharedLists = new SharedValues();

/** Stands in for a dropped value that changes: equal to no JSON value, so a merge patch always sets or removes the field. */
const Replaced = '\u0000replaced by a status write';

/**
 * The mappings informer's projection (see the module comment). Every caller of `manager.informer(UserLicenseMappingResource)`
 * passes this one function (the manager checks). The object given is not changed.
 */
export function projectMappingForCache(mapping: CachedMapping): CachedMapping {
  const finalizers = mapping.metadata.finalizers;
  const metadata = finalizers === undefined ? mapping.metadata : { ...mapping.metadata, finalizers: sharedLists.share([...finalizers]) };
  const spec = sharedTenantRef(mapping.spec);
  const status = mapping.status;
  if (status === undefined) return { ...mapping, metadata, spec };
  const kept: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(status)) if (!(WriteOnlyMappingFields as readonly string[]).includes(key)) kept[key] = value;
  const conditions =
    status.conditions === undefined
      ? undefined
      : sharedLists.share(status.conditions.map((c) => sharedLists.share(SummarizedConditionTypes.includes(c.type) ? withoutMessage(c) : { ...c })));
  const projected = {
    ...(kept as UserLicenseMappingStatus),
    ...(conditions === undefined ? {} : { conditions }),
    [FieldsDigest]: fieldsDigest((field) => status[field]),
    [MessagesDigest]: messagesDigest(status.conditions ?? [], (c) => c.message),
  };
  return { ...mapping, metadata, spec, status: projected };
}

/** The spec with its tenantRef held once, frozen (a tenant's mappings all name it); as it is when bad input leaves none. */
function sharedTenantRef(spec: CachedMapping['spec']): CachedMapping['spec'] {
  const tenantRef: unknown = (spec as Partial<CachedMapping['spec']> | undefined)?.tenantRef;
  if (typeof tenantRef !== 'object' || tenantRef === null) return spec;
  return { ...spec, tenantRef: sharedLists.share({ ...(tenantRef as CachedMapping['spec']['tenantRef']) }) };
}

/** True when `mapping` is a projection (some of its status is held only as a digest). */
export function isProjectedMapping(mapping: CachedMapping): boolean {
  return (mapping.status as Status | undefined)?.[FieldsDigest] !== undefined;
}

/**
 * The object a status write of `summary` must be diffed against, for a mapping from the projected cache: the
 * projection with the dropped fields and messages the summary names put back (when the summary's values are those
 * the apiserver holds) or replaced by a placeholder (when they change). A whole object is returned as it is.
 * Throws when the summary names some of the summarised conditions and not others (never, with summarizeConditions):
 * the write would replace the conditions list and lose the messages it does not name.
 */
export function mappingForStatusWrite<M extends CachedMapping>(mapping: M, summary: StatusSummary<UserLicenseMappingStatus>): M {
  const status = mapping.status as Status | undefined;
  if (status?.[FieldsDigest] === undefined) return mapping;
  const restored: Record<string, unknown> = { ...status };
  const named = WriteOnlyMappingFields.filter((field) => field in summary.fields);
  if (named.length > 0) {
    const unchanged = named.length === WriteOnlyMappingFields.length && fieldsDigest((field) => summary.fields[field]) === status[FieldsDigest];
    for (const field of named) restored[field] = unchanged ? summary.fields[field] : Replaced;
  }
  const messages = new Map(summary.conditions.map((c) => [c.type, c.message]));
  const dropped = (status.conditions ?? []).filter((c) => SummarizedConditionTypes.includes(c.type));
  const covered = dropped.filter((c) => messages.has(c.type)).length;
  if (covered > 0 && covered < dropped.length) {
    throw new Error(
      `a status write names ${covered} of the ${dropped.length} summarised conditions of ${mapping.metadata.name}: the others' messages are not cached`,
    );
  }
  if (covered > 0) {
    const unchanged = messagesDigest(status.conditions ?? [], (c) => messages.get(c.type)) === status[MessagesDigest];
    restored['conditions'] = status.conditions?.map((c) =>
      SummarizedConditionTypes.includes(c.type) ? { ...c, message: unchanged ? (messages.get(c.type) ?? '') : Replaced } : c,
    );
  }
  return { ...mapping, status: restored };
}

/** The condition as the cache holds it: the message is '' (the type requires a string; no reader of the cache reads it). */
function withoutMessage(c: Condition): Condition {
  return { ...c, message: '' };
}

type FieldValue = (field: (typeof WriteOnlyMappingFields)[number]) => unknown;

function fieldsDigest(valueOf: FieldValue): number {
  return hash(canonical(WriteOnlyMappingFields.map((field) => valueOf(field) ?? null)));
}

/** Over the summarised conditions of `conditions`, in their order, each message as `messageOf` gives it. */
function messagesDigest(conditions: readonly Condition[], messageOf: (c: Condition) => string | undefined): number {
  return hash(canonical(conditions.filter((c) => SummarizedConditionTypes.includes(c.type)).map((c) => [c.type, messageOf(c) ?? null])));
}

/** JSON with object keys sorted (the apiserver's key order is not the report's); undefined members count as absent. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonical(v ?? null)).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** FNV-1a, 32 bits: a small integer V8 stores in the object's own slot. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}
