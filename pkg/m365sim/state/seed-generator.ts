/** Deterministic tenant generator for benches, demos and scale tests (same options → same tenant). */
import { directoryNumberOf, mailboxContacts, type ContactMailboxOptions } from './contact-seed-generator.ts';
import { stableGuid } from './ids.ts';
import type { AppSeed, NumberSeed, TenantSeed, UserSeed } from './seed.ts';

/** Application permissions the controller needs (https://learn.microsoft.com/graph/permissions-reference); the generated app gets all of them. */
export const CONTROLLER_APP_PERMISSIONS: readonly string[] = [
  'User.Read.All',
  'LicenseAssignment.Read.All',
  'TeamsTelephoneNumber.ReadWrite.All',
  'TeamsPolicyUserAssign.ReadWrite.All',
  'TeamsUserConfiguration.Read.All',
  'Presence.Read.All',
  'Presence.ReadWrite.All',
  'Contacts.Read',
  'Mail.Send',
];

/** Delegated permissions of the manual-sync sign-in. */
const CONTROLLER_DELEGATED_PERMISSIONS = ['User.Read', 'User.Read.All', 'Directory.Read.All', 'Presence.Read.All', 'TeamsUserConfiguration.Read.All'];

export interface GenerateTenantOptions {
  users: number;
  tenantId?: string;
  domain?: string;
  /** PRNG seed; default 1. */
  seed?: number;
  /** Share of users with Teams Phone and no Calling Plan (default 0.6). */
  teamsPhoneShare?: number;
  /** Share with a Calling Plan (default 0.1). */
  callingPlanShare?: number;
  /** Share of disabled accounts (default 0.02). */
  disabledShare?: number;
  /** Direct Routing numbers already assigned to the first N Teams Phone users (default 0). */
  preassignedNumbers?: number;
  /** Contacts per user for the first 10 users (default 0). */
  contactsPerUser?: number;
  /**
   * Outlook contacts at scale (ContactSync): users 1..N get M contacts each in folders, with duplicates and mixed
   * phone spellings; every user then also has a directory business phone (duplicates refer to it). Overrides
   * `contactsPerUser` for those users.
   */
  contactMailboxes?: ContactMailboxOptions;
  /** Apps; default one app with a secret and CONTROLLER_APP_PERMISSIONS. */
  apps?: AppSeed[];
}

const GIVEN = ['Alex', 'Blair', 'Casey', 'Dana', 'Eli', 'Farah', 'Gus', 'Hana', 'Ivo', 'Jun', 'Kai', 'Lena', 'Milo', 'Nora', 'Omar', 'Pia'];
const FAMILY = ['Nguyen', 'Smith', 'Garcia', 'Okafor', 'Ivanova', 'Kim', 'Rossi', 'Dubois', 'Silva', 'Khan', 'Meyer', 'Tanaka'];

function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

/** The default app of a generated tenant (id and secret are derived from the tenant id). */
function defaultApp(tenantId: string): AppSeed {
  return {
    appId: stableGuid(tenantId, 'controller-app'),
    displayName: 'Teams Sync Controller',
    secrets: [`sim-secret-${tenantId.slice(0, 8)}`],
    applicationPermissions: [...CONTROLLER_APP_PERMISSIONS],
    delegatedPermissions: [...CONTROLLER_DELEGATED_PERMISSIONS],
  };
}

function licensesFor(r: number, o: Required<Pick<GenerateTenantOptions, 'teamsPhoneShare' | 'callingPlanShare'>>): string[] {
  if (r < o.teamsPhoneShare * 0.8) return ['ENTERPRISEPACK', 'MCOEV'];
  if (r < o.teamsPhoneShare) return ['SPE_E5'];
  if (r < o.teamsPhoneShare + o.callingPlanShare) return ['ENTERPRISEPACK', 'MCOTEAMS_ESSENTIALS'];
  return ['ENTERPRISEPACK'];
}

/** Generates a tenant: user 0 is a Global Administrator, the rest get a mix of licences. */
export function generateTenantSeed(opts: GenerateTenantOptions): TenantSeed {
  const tenantId = opts.tenantId ?? stableGuid('tenant', String(opts.seed ?? 1), String(opts.users));
  const domain = opts.domain ?? `sim${tenantId.slice(0, 6)}.onmicrosoft.com`;
  const random = prng(opts.seed ?? 1);
  const shares = { teamsPhoneShare: opts.teamsPhoneShare ?? 0.6, callingPlanShare: opts.callingPlanShare ?? 0.1 };
  const users: UserSeed[] = [];
  const numbers: NumberSeed[] = [];
  let preassigned = 0;
  for (let i = 0; i < opts.users; i++) {
    const given = GIVEN[i % GIVEN.length] ?? 'User';
    const family = FAMILY[Math.floor(i / GIVEN.length) % FAMILY.length] ?? 'Sim';
    const licenses = i === 0 ? ['SPE_E5'] : licensesFor(random(), shares);
    const disabled = i !== 0 && random() < (opts.disabledShare ?? 0.02);
    const user: UserSeed = {
      id: stableGuid(tenantId, 'user', String(i)),
      userPrincipalName: i === 0 ? `admin@${domain}` : `user${i}@${domain}`,
      displayName: i === 0 ? 'Tenant Admin' : `${given} ${family} ${i}`,
      givenName: given,
      surname: family,
      licenses,
      accountEnabled: !disabled,
      usageLocation: 'US',
      ...(i === 0 ? { directoryRoles: ['Global Administrator'] } : {}),
      ...(i < 10 && (opts.contactsPerUser ?? 0) > 0 ? { contacts: contacts(i, opts.contactsPerUser ?? 0) } : {}),
    };
    if (opts.contactMailboxes !== undefined) user.businessPhones = [directoryNumberOf(i)];
    users.push(user);
    const phone = licenses.includes('MCOEV') || licenses.includes('SPE_E5');
    if (phone && !disabled && preassigned < (opts.preassignedNumbers ?? 0)) {
      numbers.push({ telephoneNumber: `+1425555${String(1000 + preassigned).padStart(4, '0')}`, numberType: 'directRouting', assignedTo: user.id });
      user.enterpriseVoiceEnabled = true;
      preassigned++;
    }
  }
  const cm = opts.contactMailboxes;
  if (cm !== undefined) {
    for (let m = 0; m < Math.min(cm.mailboxes, users.length - 1); m++) {
      const owner = users[m + 1];
      if (owner) owner.contacts = mailboxContacts(m, users, cm);
    }
  }
  return {
    tenantId,
    displayName: `Simulated tenant ${tenantId.slice(0, 8)}`,
    domains: [domain],
    apps: opts.apps ?? [defaultApp(tenantId)],
    users,
    numbers,
    policies: [
      { policyType: 'OnlineVoiceRoutingPolicy', name: 'PBX-VRP' },
      { policyType: 'TenantDialPlan', name: 'PBX-DialPlan' },
      { policyType: 'TeamsCallingPolicy', name: 'AllowCalling' },
    ],
  };
}

function contacts(userIndex: number, n: number): NonNullable<UserSeed['contacts']> {
  return Array.from({ length: n }, (_, j) => ({
    displayName: `Contact ${userIndex}-${j}`,
    givenName: 'Contact',
    surname: `${userIndex}-${j}`,
    companyName: 'Fabrikam',
    businessPhones: [`+1 425 555 ${String(2000 + j).padStart(4, '0')}`],
    emailAddresses: [{ address: `c${userIndex}-${j}@fabrikam.example` }],
  }));
}
