/**
 * An end-to-end environment for ContactSync: the daemon as it ships (pkg/envtest/daemon.ts: the Deployment's command
 * and the install's ServiceAccount and RBAC), the real kube-apiserver and the Microsoft 365 simulator with a small
 * tenant: four people in the directory, Outlook contacts in two mailboxes (duplicates of directory people and of each
 * other), a user without a mailbox licence. The PBX side is plain HTTP requests to the daemon's presence port.
 *
 * Deviations from the shipped Deployment, on purpose (as the security suite): the daemon watches only this namespace
 * and elects its leader with a Lease in it, so files sharing the control plane never compete for one Lease.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import path from 'node:path';
import Database from 'better-sqlite3';
import { parse, stringify } from 'yaml';
import type { ContactSyncStatus } from '../../../pkg/apis/teamssync/v1alpha1/index.ts';
import { startDaemon, type RunningDaemon } from '../../../pkg/envtest/daemon.ts';
import { apiRequest } from '../../../pkg/envtest/https-json.ts';
import { startSimulator, type RunningSimulator, type TenantSeed } from '../../../pkg/m365sim/index.ts';
import { apiserverEndpoint, kubeconfigPath, kubectl } from '../../harness/kube.ts';
import { trustCa } from '../../harness/m365.ts';

const API = 'teamssync.io/v1alpha1';
export const TENANT_ID = randomUUID();
export const APP_ID = randomUUID();
const APP_SECRET = `contacts-e2e-${randomBytes(8).toString('hex')}`;
export const DIRECTORY_TOKEN = `directory-${randomBytes(12).toString('hex')}`;
const DOMAIN = 'contoso.example';
export const upn = (local: string): string => `${local}@${DOMAIN}`;

/**
 * The tenant. Directory: Alex (business), Megan (mobile), Nora (business, no mailbox), Ada (admin, no phone: not
 * published). Alex's mailbox: Megan again (same number, written nationally), a supplier in "Suppliers" and the same
 * supplier in "Vendors". Ben's mailbox: Alex again (same e-mail address, no phone).
 */
function seed(): TenantSeed {
  return {
    tenantId: TENANT_ID,
    displayName: 'Contoso',
    domains: [DOMAIN],
    users: [
      { id: randomUUID(), userPrincipalName: upn('ada'), displayName: 'Ada Admin', licenses: ['ENTERPRISEPACK'] },
      {
        id: randomUUID(),
        userPrincipalName: upn('alex'),
        displayName: 'Alex Wilber',
        businessPhones: ['+1 425 555 0101'],
        licenses: ['ENTERPRISEPACK'],
        contacts: [
          { displayName: 'Megan on mobile', mobilePhone: '(425) 555-0102' },
          { displayName: 'Fabrikam Supplies', businessPhones: ['+44 20 7946 0018'], folder: 'Suppliers' },
          { displayName: 'Fabrikam Supplies Ltd', businessPhones: ['+442079460018'], companyName: 'Fabrikam', folder: 'Vendors' },
        ],
      },
      { id: randomUUID(), userPrincipalName: upn('megan'), displayName: 'Megan Bowen', mobilePhone: '+1 425 555 0102', licenses: ['ENTERPRISEPACK'] },
      { id: randomUUID(), userPrincipalName: upn('nora'), displayName: 'Nora Nomail', businessPhones: ['+1 425 555 0103'], mailbox: false },
      {
        id: randomUUID(),
        userPrincipalName: upn('ben'),
        displayName: 'Ben Walters',
        licenses: ['ENTERPRISEPACK'],
        contacts: [{ displayName: 'Alex (personal)', emailAddresses: [{ address: 'ALEX@contoso.example' }], jobTitle: 'Buyer' }],
      },
    ],
    apps: [{ appId: APP_ID, displayName: 'Teams Sync Controller', secrets: [APP_SECRET], applicationPermissions: ['User.Read.All', 'Contacts.Read'] }],
  };
}

/** A directory endpoint answer. */
export interface DirectoryAnswer {
  readonly status: number;
  readonly etag: string | undefined;
  readonly body: Record<string, unknown>;
}

/** The shipped leader-election Role and RoleBinding (config/rbac), moved into `namespace`. */
function leaderElectionRbac(namespace: string): string {
  const rbacDir = path.resolve(import.meta.dirname, '../../../config/rbac');
  return ['leader_election_role.yaml', 'leader_election_role_binding.yaml']
    .map((file) => {
      const object = parse(readFileSync(path.join(rbacDir, file), 'utf8')) as { metadata: { namespace?: string } };
      object.metadata.namespace = namespace;
      return stringify(object);
    })
    .join('---\n');
}

/** Polls `probe` every 200 ms until it returns something other than undefined/false; fails after `timeoutMs`. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${String(timeoutMs)} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Starts the simulator and the daemon in a fresh namespace with the tenant objects. Call `close` when done. */
export async function startContactSyncEnv() {
  const kubectlBinary = process.env['TSC_KUBECTL'];
  if (kubectlBinary === undefined) throw new Error('run through test/run.ts');
  const sim: RunningSimulator = await startSimulator({ seed: [seed()], tokenLifetimeSeconds: 3600 });
  trustCa(sim.caPem);
  const admin = apiserverEndpoint();
  const namespace = `contacts-${randomBytes(3).toString('hex')}`;
  const created = await apiRequest(admin, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  if (created.status !== 201) throw new Error(`creating namespace ${namespace}: ${String(created.status)}`);
  const rbac = await kubectl(['apply', '-f', '-'], { namespace, stdin: leaderElectionRbac(namespace) });
  if (rbac.code !== 0) throw new Error(`leader-election RBAC: ${rbac.stderr}`);
  const echo = process.env['CONTACTS_E2E_LOG'] === undefined ? undefined : (line: string) => process.stderr.write(`[daemon] ${line}\n`);
  const daemon: RunningDaemon = await startDaemon({
    controlPlane: { ...admin, kubectl: kubectlBinary, kubeconfigPath: kubeconfigPath() },
    graph: { authorityHost: sim.loginUrl, baseUrl: sim.graphUrl, caBundle: sim.caFile },
    flags: { namespace, 'leader-election-namespace': namespace },
    ...(echo === undefined ? {} : { onLine: echo }),
  }).catch(async (error: unknown) => {
    await sim.stop();
    throw error;
  });

  const apply = async (objects: readonly object[]): Promise<void> => {
    const res = await kubectl(['apply', '-f', '-'], { namespace, stdin: objects.map((o) => stringify(o)).join('---\n') });
    if (res.code !== 0) throw new Error(`kubectl apply: ${res.stderr}`);
  };
  await apply([
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'graph' }, stringData: { clientSecret: APP_SECRET } },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'pbx', labels: { 'teamssync.io/secret-purpose': 'pbx-token' } },
      stringData: { token: DIRECTORY_TOKEN },
    },
    {
      apiVersion: API,
      kind: 'TeamsTenant',
      metadata: { name: 'contoso' },
      spec: { tenantId: TENANT_ID, credentials: { clientId: APP_ID, clientSecret: { name: 'graph', key: 'clientSecret' } }, integrationLicenses: 10 },
    },
  ]);

  const env = {
    sim,
    daemon,
    namespace,
    apply,
    /** Creates a ContactSync of tenant contoso with the directory token. */
    async createContactSync(name: string, spec: Record<string, unknown>): Promise<void> {
      await apply([
        {
          apiVersion: API,
          kind: 'ContactSync',
          metadata: { name },
          spec: { tenantRef: { name: 'contoso' }, pbxDirectory: { tokenSecretRef: { name: 'pbx', key: 'token' } }, ...spec },
        },
      ]);
    },
    /** The object as the apiserver has it, or undefined once it is gone. */
    async object(name: string): Promise<{ metadata: { uid: string; finalizers?: string[] }; status?: ContactSyncStatus } | undefined> {
      const res = await kubectl(['get', 'contactsync', name, '-o', 'json'], { namespace });
      if (res.code !== 0) {
        if (/NotFound/.test(res.stderr)) return undefined;
        throw new Error(res.stderr);
      }
      return JSON.parse(res.stdout) as { metadata: { uid: string }; status?: ContactSyncStatus };
    },
    async status(name: string): Promise<ContactSyncStatus> {
      return (await env.object(name))?.status ?? {};
    },
    /** `status/reason` of a condition. */
    async condition(name: string, type: string): Promise<string> {
      const c = (await env.status(name)).conditions?.find((x) => x.type === type);
      return `${c?.status ?? '-'}/${c?.reason ?? '-'}`;
    },
    /** Asks for a pass now (the reconcile-requested-at annotation), as an admin would. */
    async requestSync(name: string): Promise<void> {
      const res = await kubectl(['annotate', '--overwrite', 'contactsync', name, `teamssync.io/reconcile-requested-at=${randomUUID()}`], { namespace });
      if (res.code !== 0) throw new Error(res.stderr);
    },
    /** GET on the directory endpoint (plain HTTP on loopback here; the daemon serves HTTPS when given certificates). */
    directory(name: string, query = '', headers: Record<string, string> = { authorization: `Bearer ${DIRECTORY_TOKEN}` }): Promise<DirectoryAnswer> {
      const url = new URL(`${daemon.presenceUrl}/contacts/${namespace}/${name}${query}`);
      return new Promise((resolve, reject) => {
        const req = request(url, { method: 'GET', headers }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const etag = res.headers.etag;
            resolve({ status: res.statusCode ?? 0, etag, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) });
          });
        });
        req.on('error', reject);
        req.end();
      });
    },
    /** Rows the daemon's state database holds for a ContactSync uid (entries, records, links), read-only. */
    storedRows(uid: string): number {
      const file = daemon.stateDbPath;
      if (file === undefined) throw new Error('the daemon has no --state-db');
      const db = new Database(file, { readonly: true, fileMustExist: true });
      try {
        return ['contact_entries', 'contact_records', 'contact_links', 'contact_syncs']
          .map((table) => db.prepare<[string], number>(`SELECT count(*) FROM ${table} WHERE sync = ?`).pluck().get(uid) ?? 0)
          .reduce((a, b) => a + b, 0);
      } finally {
        db.close();
      }
    },
    async close(): Promise<void> {
      await daemon.stop();
      await sim.stop();
      await apiRequest(admin, 'DELETE', `/api/v1/namespaces/${namespace}`).catch(() => undefined);
    },
  };
  return env;
}

/** The environment {@link startContactSyncEnv} returns. */
export type ContactSyncEnv = Awaited<ReturnType<typeof startContactSyncEnv>>;
