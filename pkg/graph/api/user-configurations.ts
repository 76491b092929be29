import { assertFeatureAvailable } from '../clouds.ts';
import { items } from '../paging.ts';
import { seg, type ApiContext } from './context.ts';
import type { TeamsUserConfiguration } from './teams-types.ts';

const PERMISSION = 'TeamsUserConfiguration.Read.All';

/**
 * Teams user configuration
 * (https://learn.microsoft.com/graph/api/teamsadministration-teamsadminroot-list-userconfigurations): the read-back of
 * Enterprise Voice, numbers and effective policies.
 * Treated as Global only (its cloud matrix is unconfirmed).
 */
export class UserConfigurationsApi {
  readonly #ctx: ApiContext;

  constructor(ctx: ApiContext) {
    this.#ctx = ctx;
  }

  /** One user's configuration. Use `justWritten` right after provisioning: a 404 then means "not replicated yet". */
  async getUserConfiguration(userId: string, options: { justWritten?: boolean; signal?: AbortSignal } = {}): Promise<TeamsUserConfiguration> {
    assertFeatureAvailable(this.#ctx.cloud, 'teamsUserConfiguration');
    const res = await this.#ctx.http.send<TeamsUserConfiguration>({
      method: 'GET',
      path: `admin/teams/userConfigurations/${seg(userId)}`,
      operation: 'read a Teams user configuration',
      permission: PERMISSION,
      notFound: options.justWritten === true ? 'ReplicationPending' : 'NotFound',
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    return res.body as TeamsUserConfiguration;
  }

  /** All configurations, optionally filtered. */
  listUserConfigurations(filter?: string, options: { signal?: AbortSignal } = {}): AsyncGenerator<TeamsUserConfiguration> {
    assertFeatureAvailable(this.#ctx.cloud, 'teamsUserConfiguration');
    return items<TeamsUserConfiguration>(this.#ctx.http, {
      method: 'GET',
      path: 'admin/teams/userConfigurations',
      query: { $filter: filter },
      operation: 'list Teams user configurations',
      permission: PERMISSION,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
  }
}
