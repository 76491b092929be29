import type { GraphRequestSpec } from '../client.ts';
import { deltaRound, type DeltaPage, type DeltaTokenStore } from '../delta.ts';
import { collect, items } from '../paging.ts';
import { seg, type ApiContext } from './context.ts';
import type { SubscribedSku, User } from './directory-types.ts';
import { isEligibleForDirectRouting, teamsPhonePlanIdsIn, type LicensePlanCatalog, planCatalogFrom } from './license-plans.ts';

/** Properties read for provisioning decisions (assignedPlans/assignedLicenses are not returned by default). */
const USER_SELECT = 'id,userPrincipalName,displayName,mail,accountEnabled,assignedPlans,assignedLicenses,usageLocation';

const USER_READ = 'User.Read.All';

/**
 * Users and licences (https://learn.microsoft.com/graph/api/user-list): eligible-user discovery, single reads, delta, subscribed SKUs.
 *
 * Gotchas: discovery is an advanced query (`ConsistencyLevel: eventual`, `$count=true`): recently changed users may
 * lag; use delta or a re-read for freshness.
 */
export class UsersApi {
  readonly #ctx: ApiContext;

  constructor(ctx: ApiContext) {
    this.#ctx = ctx;
  }

  /**
   * Users with an enabled Teams Phone (MCOEV family) plan, no enabled Calling Plan, account enabled, not a resource
   * account. One server-side query per Teams Phone plan the tenant actually subscribes to (usually one), 999 per page;
   * calling plans and disabled accounts are filtered client-side as https://learn.microsoft.com/graph/api/user-list recommends.
   */
  async *listEligibleUsers(options: { catalog?: LicensePlanCatalog; signal?: AbortSignal } = {}): AsyncGenerator<User> {
    const catalog = options.catalog ?? (await this.licensePlanCatalog());
    const seen = new Set<string>();
    for (const planId of teamsPhonePlanIdsIn(catalog)) {
      const spec = this.#usersWithPlan(planId, options.signal);
      for await (const user of items<User>(this.#ctx.http, spec)) {
        if (seen.has(user.id) || !isEligibleForDirectRouting(user, catalog)) continue;
        seen.add(user.id);
        yield user;
      }
    }
  }

  /** One user by id or UPN. 404 → `NotFound` (or `ReplicationPending` when `justWritten`). */
  async getUser(idOrUpn: string, options: { select?: string; justWritten?: boolean; signal?: AbortSignal } = {}): Promise<User> {
    const res = await this.#ctx.http.send<User>({
      method: 'GET',
      path: `users/${seg(idOrUpn)}`,
      query: { $select: options.select ?? USER_SELECT },
      operation: 'read a user',
      permission: USER_READ,
      notFound: options.justWritten === true ? 'ReplicationPending' : 'NotFound',
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    return res.body as User;
  }

  /**
   * One `/users/delta` round (https://learn.microsoft.com/graph/api/user-delta) with the link kept in `store` under `key`; falls back to a full
   * read when the stored token expired (pages then carry `mode: 'resync'`).
   */
  usersDelta(store: DeltaTokenStore, key: string, options: { select?: string; signal?: AbortSignal } = {}): AsyncGenerator<DeltaPage<User>> {
    const initial: GraphRequestSpec = {
      method: 'GET',
      path: 'users/delta',
      query: { $select: options.select ?? USER_SELECT },
      operation: 'read user changes',
      permission: USER_READ,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    };
    return deltaRound<User>(this.#ctx.http, { key, store, initial });
  }

  /** The tenant's subscribed SKUs with their service plans (`LicenseAssignment.Read.All`). */
  async listSubscribedSkus(options: { signal?: AbortSignal } = {}): Promise<SubscribedSku[]> {
    return collect(
      items<SubscribedSku>(this.#ctx.http, {
        method: 'GET',
        path: 'subscribedSkus',
        query: { $select: 'id,skuId,skuPartNumber,servicePlans,capabilityStatus,consumedUnits,prepaidUnits,appliesTo' },
        operation: 'list subscribed SKUs',
        permission: 'LicenseAssignment.Read.All',
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      }),
    );
  }

  /** Teams Phone and Calling Plan service-plan ids: the static table plus what `/subscribedSkus` reports. */
  async licensePlanCatalog(): Promise<LicensePlanCatalog> {
    return planCatalogFrom(await this.listSubscribedSkus());
  }

  #usersWithPlan(planId: string, signal: AbortSignal | undefined): GraphRequestSpec {
    return {
      method: 'GET',
      path: 'users',
      query: {
        $filter: `assignedPlans/any(a:a/servicePlanId eq ${planId} and a/capabilityStatus eq 'Enabled')`,
        $select: USER_SELECT,
        $count: 'true',
        $top: 999,
      },
      headers: { ConsistencyLevel: 'eventual' },
      operation: 'list users with Teams Phone',
      permission: USER_READ,
      ...(signal === undefined ? {} : { signal }),
    };
  }
}
