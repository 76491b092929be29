import { assertFeatureAvailable } from '../clouds.ts';
import { NotFoundError } from '../errors.ts';
import { odataString, type ApiContext } from './context.ts';
import type { PolicyIdentifierDetail } from './teams-types.ts';

const PERMISSION = 'TeamsPolicyUserAssign.ReadWrite.All';
const ASSIGNMENT_TYPE = '#microsoft.graph.teamsAdministration.teamsPolicyUserAssignment';

/** A policy to assign: by name (resolved with `getPolicyId`, cached) or by id. */
export type PolicyRef = { readonly policyType: string } & ({ readonly name: string } | { readonly policyId: string });

/**
 * Teams policy assignment (https://learn.microsoft.com/graph/api/teamsadministration-teamspolicyuserassignment-assign):
 * `getPolicyId`, `assign`, `unassign`. Global cloud only.
 *
 * Gotchas: policy types use PowerShell casing (`OnlineVoiceRoutingPolicy`, `TenantDialPlan`, ...). Assignments are
 * eventually consistent; read back through `UserConfigurationsApi`. Both writes are idempotent, so they are retried
 * like GETs.
 */
export class PoliciesApi {
  readonly #ctx: ApiContext;
  readonly #ids = new Map<string, string>();

  constructor(ctx: ApiContext) {
    this.#ctx = ctx;
  }

  /** Resolves a policy name to its id (`Tag:` prefix optional). Cached per tenant client. */
  async getPolicyId(policyType: string, name: string, options: { signal?: AbortSignal } = {}): Promise<string> {
    assertFeatureAvailable(this.#ctx.cloud, 'teamsPolicyAssignment');
    const key = `${policyType}\u0000${name}`;
    const cached = this.#ids.get(key);
    if (cached !== undefined) return cached;
    const res = await this.#ctx.http.send<{ value?: PolicyIdentifierDetail[] }>({
      method: 'GET',
      path: `admin/teams/policy/getPolicyId(type=${odataString(policyType)},name=${odataString(name)})`,
      operation: `resolve ${policyType} "${name}"`,
      permission: PERMISSION,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    const id = res.body?.value?.[0]?.policyId;
    if (id === undefined) throw new NotFoundError(`No ${policyType} named "${name}" exists in tenant ${this.#ctx.tenantId}`, { tenantId: this.#ctx.tenantId });
    this.#ids.set(key, id);
    return id;
  }

  /** Assigns a policy to a user directly. */
  async assignPolicy(userId: string, policy: PolicyRef, options: { signal?: AbortSignal } = {}): Promise<void> {
    const policyId = 'policyId' in policy ? policy.policyId : await this.getPolicyId(policy.policyType, policy.name, options);
    await this.#post(
      'assign',
      { '@odata.type': ASSIGNMENT_TYPE, userId, policyType: policy.policyType, policyId },
      `assign ${policy.policyType}`,
      options.signal,
    );
  }

  /** Removes the user's direct assignment of a policy type (group-inherited policies then apply). */
  async unassignPolicy(userId: string, policyType: string, options: { signal?: AbortSignal } = {}): Promise<void> {
    await this.#post('unassign', { '@odata.type': ASSIGNMENT_TYPE, userId, policyType }, `unassign ${policyType}`, options.signal);
  }

  async #post(action: 'assign' | 'unassign', item: Record<string, string>, operation: string, signal: AbortSignal | undefined): Promise<void> {
    assertFeatureAvailable(this.#ctx.cloud, 'teamsPolicyAssignment');
    await this.#ctx.http.send({
      method: 'POST',
      path: `admin/teams/policy/userAssignments/${action}`,
      body: { value: [item] },
      operation,
      permission: PERMISSION,
      idempotent: true,
      ...(signal === undefined ? {} : { signal }),
    });
  }
}
