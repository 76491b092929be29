/**
 * Integration licence allocation: `spec.integrationLicenses` is how many mappings of a tenant may
 * hold a licence. Pure and deterministic, so every reconcile (and every replica) decides the same.
 *
 * Rules (docs/design/licenses.md):
 * 1. Stability: a mapping that holds a licence keeps it while it stays mapped. A licence is never
 *    moved from one mapping to another by the allocator.
 * 2. A licence is released only once Microsoft 365 no longer has the user's configuration
 *    (`releasePending` false). Until then the unmapped or deleted mapping still counts as used
 *    (the unassignment must be synced before the licence can be reassigned).
 * 3. Free licences go to waiting mappings oldest first (creationTimestamp, then namespace/name).
 *    A mapping whose Teams user is not eligible is not given a licence (it could not use it and
 *    would block others); it keeps one it already holds.
 * 4. Lowering the count below the number in use takes no licence away: applied configuration is
 *    never removed automatically. The tenant reports the over-allocation and no new licence is
 *    granted until enough are released (an admin decides who to unmap).
 */

/** What the allocator needs to know about one mapping. */
export interface LicenseClaim {
  readonly namespace: string;
  readonly name: string;
  /** RFC 3339, from metadata.creationTimestamp. */
  readonly creationTimestamp: string;
  /** Mapped to a Teams user and not being deleted (a suspended mapping still wants its licence). */
  readonly wantsLicense: boolean;
  /** status.licenseState was Holding (or Releasing) after the last reconcile. */
  readonly holdsLicense: boolean;
  /** Microsoft 365 still has configuration this mapping put there (unassignment not yet applied). */
  readonly releasePending: boolean;
  /** Teams user eligible (default true). Only gates new grants. */
  readonly eligible?: boolean;
}

/** The decision for one mapping. `Holding.newlyGranted` is true when this allocation granted it. */
export type LicenseDecision =
  | { readonly state: 'Holding'; readonly newlyGranted: boolean }
  | { readonly state: 'Waiting'; readonly position: number; readonly message: string }
  | { readonly state: 'Releasing' }
  | { readonly state: 'Ineligible' }
  | { readonly state: 'None' };

/** The outcome for the tenant (status.licenses) and every mapping. */
export interface LicenseAllocation {
  readonly total: number;
  /** Holding + Releasing. May exceed total after the count was lowered. */
  readonly used: number;
  readonly available: number;
  readonly waiting: number;
  /** used − total when positive, else 0. */
  readonly overAllocatedBy: number;
  /** Keyed by `namespace/name`. */
  readonly decisions: ReadonlyMap<string, LicenseDecision>;
}

/**
 * The decisions every mapping in that state shares (frozen): only a waiting mapping's decision is its own (position,
 * message). Why: a tenant's memoised allocation holds a decision per mapping, 100,000 in a provider's fleet.
 */
const HOLDING: LicenseDecision = Object.freeze({ state: 'Holding', newlyGranted: false });
const GRANTED: LicenseDecision = Object.freeze({ state: 'Holding', newlyGranted: true });
const RELEASING: LicenseDecision = Object.freeze({ state: 'Releasing' });
const INELIGIBLE: LicenseDecision = Object.freeze({ state: 'Ineligible' });
const NONE: LicenseDecision = Object.freeze({ state: 'None' });

/** The map key of a claim. */
function claimKey(c: { readonly namespace: string; readonly name: string }): string {
  return `${c.namespace}/${c.name}`;
}

/** Oldest first; ties broken by namespace/name so the order is total. */
function compareClaims(a: LicenseClaim, b: LicenseClaim): number {
  // An unparsable timestamp sorts last rather than poisoning the order with NaN.
  const ta = timeOrLast(a.creationTimestamp);
  const tb = timeOrLast(b.creationTimestamp);
  if (ta !== tb) return ta < tb ? -1 : 1;
  return claimKey(a) < claimKey(b) ? -1 : claimKey(a) > claimKey(b) ? 1 : 0;
}

/** Allocates `total` licences among `claims` (see the rules above). */
export function allocateLicenses(total: number, claims: readonly LicenseClaim[]): LicenseAllocation {
  const capacity = Math.max(0, Math.floor(total));
  const decisions = new Map<string, LicenseDecision>();
  const candidates: LicenseClaim[] = [];
  let used = 0;
  for (const c of claims) {
    const occupied = c.holdsLicense || c.releasePending;
    if (c.wantsLicense && occupied) {
      decisions.set(claimKey(c), HOLDING);
      used += 1;
    } else if (c.releasePending) {
      decisions.set(claimKey(c), RELEASING);
      used += 1;
    } else if (!c.wantsLicense) {
      decisions.set(claimKey(c), NONE);
    } else if (c.eligible === false) {
      decisions.set(claimKey(c), INELIGIBLE);
    } else {
      candidates.push(c);
    }
  }
  candidates.sort(compareClaims);
  const free = Math.max(0, capacity - used);
  const granted = candidates.slice(0, free);
  const waiting = candidates.slice(free);
  for (const c of granted) decisions.set(claimKey(c), GRANTED);
  used += granted.length;
  waiting.forEach((c, i) => {
    decisions.set(claimKey(c), { state: 'Waiting', position: i + 1, message: waitingMessage(capacity, used, waiting.length, i + 1) });
  });
  return {
    total: capacity,
    used,
    available: Math.max(0, capacity - used),
    waiting: waiting.length,
    overAllocatedBy: Math.max(0, used - capacity),
    decisions,
  };
}

/** "All 25 integration licences are in use; 3 mappings wait, this one is 2nd in line". */
export function waitingMessage(total: number, used: number, waiting: number, position: number): string {
  const head = used > total ? `${used} integration licences are in use but only ${total} are available` : allInUse(total);
  return `${head}; ${waiting} ${plural(waiting, 'mapping')} ${waiting === 1 ? 'waits' : 'wait'}, this one is ${ordinal(position)} in line`;
}

/** A tenant-level sentence about capacity, or undefined when nothing needs saying. */
export function capacityMessage(a: LicenseAllocation): string | undefined {
  if (a.overAllocatedBy > 0) {
    return `${a.used} integration licences are in use but spec.integrationLicenses is ${a.total}: no licence is granted until ${a.overAllocatedBy} ${a.overAllocatedBy === 1 ? 'is' : 'are'} released (unmap users or raise the count)`;
  }
  if (a.waiting > 0) {
    return `${allInUse(a.total)}; ${a.waiting} ${plural(a.waiting, 'mapping')} ${a.waiting === 1 ? 'waits' : 'wait'}: raise spec.integrationLicenses or unmap users`;
  }
  return undefined;
}

/** The API's `status.licenseState` for a decision (Ineligible mappings hold nothing: None). */
export function licenseStateOf(d: LicenseDecision): 'Holding' | 'Waiting' | 'Releasing' | 'None' {
  return d.state === 'Ineligible' ? 'None' : d.state;
}

/** English ordinal: 1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st… */
export function ordinal(n: number): string {
  const tens = n % 100;
  if (tens >= 11 && tens <= 13) return `${n}th`;
  const suffix = ({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[n % 10] ?? 'th';
  return `${n}${suffix}`;
}

function allInUse(total: number): string {
  if (total === 0) return 'The tenant has no integration licences';
  return total === 1 ? 'The only integration licence is in use' : `All ${total} integration licences are in use`;
}

function timeOrLast(timestamp: string): number {
  const t = Date.parse(timestamp);
  return Number.isNaN(t) ? Infinity : t;
}

function plural(n: number, word: string): string {
  return n === 1 ? word : `${word}s`;
}
