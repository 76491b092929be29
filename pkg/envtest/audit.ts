/**
 * The apiserver's audit log, for tests that must know which requests a user made (the RBAC proof of the
 * deployed suite): a policy that records chosen users at Metadata level and nothing else, and a reader.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { stringify } from 'yaml';

/** Which requests the control plane records. */
export interface AuditOptions {
  /** Users whose requests are recorded (e.g. `system:serviceaccount:ns:name`); all users when neither this nor userGroups is given. */
  readonly users?: readonly string[];
  /** Groups whose members' requests are recorded (e.g. `system:serviceaccounts`). */
  readonly userGroups?: readonly string[];
}

/** Every ServiceAccount is in this group: the audit option the deployed suite uses. */
export const SERVICE_ACCOUNTS_GROUP = 'system:serviceaccounts';

/** One `audit.k8s.io/v1` Event, the fields tests read. */
export interface AuditEvent {
  readonly auditID: string;
  readonly stage: string;
  readonly verb: string;
  readonly requestURI: string;
  readonly user: { readonly username: string; readonly extra?: Readonly<Record<string, readonly string[]>> };
  readonly objectRef?: {
    readonly apiGroup?: string;
    readonly resource?: string;
    readonly subresource?: string;
    readonly namespace?: string;
    readonly name?: string;
  };
  readonly responseStatus?: { readonly code?: number };
  /** e.g. `authorization.k8s.io/decision` (allow | forbid) and `authorization.k8s.io/reason`. */
  readonly annotations?: Readonly<Record<string, string>>;
}

/** Writes the audit policy; Metadata level records verb, resource and response code but no bodies (no Secret values). */
export async function writeAuditPolicy(file: string, options: AuditOptions): Promise<void> {
  const rule = {
    level: 'Metadata',
    ...(options.users === undefined ? {} : { users: [...options.users] }),
    ...(options.userGroups === undefined ? {} : { userGroups: [...options.userGroups] }),
  };
  const policy = {
    apiVersion: 'audit.k8s.io/v1',
    kind: 'Policy',
    // RequestReceived adds nothing a test reads; ResponseStarted is kept so open watches are seen.
    omitStages: ['RequestReceived'],
    rules: [rule, { level: 'None' }],
  };
  await writeFile(file, stringify(policy));
}

/** The kube-apiserver flags for a JSON audit log written synchronously (blocking mode: logged before the response ends). */
export function auditFlags(policyFile: string, logFile: string): string[] {
  return [`--audit-policy-file=${policyFile}`, `--audit-log-path=${logFile}`, '--audit-log-format=json', '--audit-log-mode=blocking'];
}

/** Which events {@link readAuditLog} keeps. */
export interface AuditFilter {
  readonly username?: string;
  /** One token's requests only: `JTI=<jti>` for ServiceAccount tokens (see `tokenCredentialId`). */
  readonly credentialId?: string;
}

/** Where the apiserver records which credential authenticated a request. */
const CREDENTIAL_ID = 'authentication.kubernetes.io/credential-id';

/** Reads the events of the audit log that match `filter`. */
export async function readAuditLog(file: string, filter: AuditFilter = {}): Promise<AuditEvent[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  const events: AuditEvent[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const event = JSON.parse(line) as AuditEvent;
    if (filter.username !== undefined && event.user.username !== filter.username) continue;
    if (filter.credentialId !== undefined && !(event.user.extra?.[CREDENTIAL_ID] ?? []).includes(filter.credentialId)) continue;
    events.push(event);
  }
  return events;
}
