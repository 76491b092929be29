import { TerminalError } from '../errors.ts';
import { collect, items } from '../paging.ts';
import type { ApiContext } from './context.ts';
import type { DirectoryRole } from './directory-types.ts';

/** Role template id of Global Administrator (the same in every tenant). */
const GLOBAL_ADMINISTRATOR_TEMPLATE_ID = '62e90394-69f5-4237-9190-012177145e10';

/**
 * Directory roles of the signed-in user (https://learn.microsoft.com/graph/api/user-list-memberof): `GET /me/memberOf/microsoft.graph.directoryRole`.
 * Only active assignments count (PIM-eligible roles that are not activated do not).
 *
 * Gotchas: needs a delegated token (`/me`); calling it with an app-only client is a programming error (Terminal).
 */
export class DirectoryRolesApi {
  readonly #ctx: ApiContext;
  readonly #delegated: boolean;

  constructor(ctx: ApiContext, delegated: boolean) {
    this.#ctx = ctx;
    this.#delegated = delegated;
  }

  /** The directory roles the signed-in user holds. */
  async listMyDirectoryRoles(options: { signal?: AbortSignal } = {}): Promise<DirectoryRole[]> {
    if (!this.#delegated) throw new TerminalError("Checking the signed-in user's roles needs a delegated sign-in, not app-only credentials");
    return collect(
      items<DirectoryRole>(this.#ctx.http, {
        method: 'GET',
        path: 'me/memberOf/microsoft.graph.directoryRole',
        query: { $select: 'id,displayName,roleTemplateId' },
        operation: "read the signed-in user's directory roles",
        permission: 'User.Read',
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      }),
    );
  }

  /** True when the signed-in user is an active Global Administrator. */
  async isGlobalAdministrator(options: { signal?: AbortSignal } = {}): Promise<boolean> {
    const roles = await this.listMyDirectoryRoles(options);
    return roles.some((r) => r.roleTemplateId?.toLowerCase() === GLOBAL_ADMINISTRATOR_TEMPLATE_ID);
  }
}
