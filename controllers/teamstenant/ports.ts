/**
 * What the TeamsTenant reconciler needs from Microsoft 365, as one port: the reads that keep the
 * tenant's shared snapshots current (licence SKUs, the directory, the Teams voice state in bulk)
 * and the one write it makes, an e-mail notice. The real port goes through pkg/graph (which builds
 * every URL); the reconciler's table tests use a fake.
 */
import type { DirectoryRefresh } from '../shared/directory-snapshot.ts';
import type { TeamsRefresh } from '../shared/teams-snapshot.ts';
import type { TenantContext } from '../shared/tenant-context.ts';
import type { SendMailRequest } from './mail.ts';

/** The tenant controller's view of Microsoft 365. Every method throws pkg/graph errors. */
export interface TenantGraphPort {
  /** Re-reads the licence SKUs into the directory snapshot's plan catalogue. */
  readCatalog(signal?: AbortSignal): Promise<void>;
  /** One `/users/delta` round into the directory snapshot (a full read the first time). */
  readDirectory(signal?: AbortSignal): Promise<DirectoryRefresh>;
  /** Every teamsUserConfiguration and numberAssignment into the Teams snapshot (the drift check). */
  readTeams(signal?: AbortSignal): Promise<TeamsRefresh>;
  /** `POST /users/{sender}/sendMail`; not retried after an ambiguous failure (see pkg/graph's MailApi). */
  sendMail(sender: string, mail: SendMailRequest, signal?: AbortSignal): Promise<void>;
}

/** The port over a tenant's Graph client and snapshots. */
export function tenantGraphPort(context: Pick<TenantContext, 'client' | 'directory' | 'teams'>): TenantGraphPort {
  const { client, directory, teams } = context;
  return {
    readCatalog: (signal) => directory.refreshCatalog(client, signal),
    readDirectory: (signal) => directory.refresh(client, signal),
    readTeams: (signal) => teams.refresh(client, signal),
    sendMail: (sender, mail, signal) =>
      client.mail.sendMail(sender, mail.message, { saveToSentItems: mail.saveToSentItems, ...(signal === undefined ? {} : { signal }) }),
  };
}
