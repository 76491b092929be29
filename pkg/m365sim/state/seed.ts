/**
 * The seed format: what a tenant looks like when the simulator starts (or when the control API adds one).
 * JSON-friendly on purpose, so `config/m365sim/demo-tenant.json` and test fixtures share it.
 */

/** An app registration plus its service principal in the tenant. */
export interface AppSeed {
  appId: string;
  displayName?: string;
  /** Client secret values (not ids). */
  secrets?: string[];
  /** PEM certificates whose keys may sign client assertions (matched by x5t / x5t#S256 thumbprint). */
  certificates?: string[];
  /** Workload-identity trust: a client_assertion whose iss/sub/aud match one entry is accepted. */
  federatedCredentials?: FederatedCredentialSeed[];
  /** Admin-consented application permissions (token `roles`), e.g. "User.Read.All". */
  applicationPermissions?: string[];
  /** Admin-consented delegated permissions (token `scp`), e.g. "User.Read". */
  delegatedPermissions?: string[];
  /** A disabled app (AADSTS7000112). */
  disabled?: boolean;
  /** Allows device code / refresh without a client credential (public client). Default true. */
  publicClient?: boolean;
}

/** A federated identity credential (https://learn.microsoft.com/entra/workload-id/workload-identity-federation). */
export interface FederatedCredentialSeed {
  issuer: string;
  subject: string;
  /** Default ["api://AzureADTokenExchange"]. */
  audiences?: string[];
  /** PEM public key to verify the assertion; without it (and for foreign issuers) only claims are checked. */
  publicKeyPem?: string;
}

/** A user and their Teams-side state. */
export interface UserSeed {
  id: string;
  userPrincipalName: string;
  displayName: string;
  givenName?: string;
  surname?: string;
  mail?: string;
  jobTitle?: string;
  mobilePhone?: string;
  businessPhones?: string[];
  officeLocation?: string;
  accountEnabled?: boolean;
  usageLocation?: string;
  /** SKU ids or part numbers from the catalogue (state/sku-catalog.ts). */
  licenses?: string[];
  /** Directory role template ids or display names, e.g. "Global Administrator". */
  directoryRoles?: string[];
  /** False for users without an Exchange Online mailbox (sendMail / contacts → 404). Default true. */
  mailbox?: boolean;
  presence?: { availability: string; activity: string };
  /** Teams-side voice state before the controller touches it. */
  enterpriseVoiceEnabled?: boolean;
  /** Direct policy assignments by name, e.g. { policyType: "OnlineVoiceRoutingPolicy", name: "8x8-VRP" }. */
  policies?: { policyType: string; name: string }[];
  contacts?: ContactSeed[];
}

/** An Outlook contact in the user's default Contacts folder (or a named child folder). */
export interface ContactSeed {
  displayName: string;
  givenName?: string;
  surname?: string;
  companyName?: string;
  jobTitle?: string;
  mobilePhone?: string;
  businessPhones?: string[];
  emailAddresses?: { address: string; name?: string }[];
  folder?: string;
}

/** A SKU the tenant subscribes to (must exist in the catalogue); `prepaidUnits` = enabled seats. */
export interface SkuSeed {
  sku: string;
  prepaidUnits?: number;
  capabilityStatus?: string;
}

/**
 * A telephone number known to Teams. Direct Routing numbers exist only while assigned
 * (https://learn.microsoft.com/graph/api/teamsadministration-telephonenumbermanagementroot-list-numberassignments).
 */
export interface NumberSeed {
  telephoneNumber: string;
  numberType: 'directRouting' | 'callingPlan' | 'operatorConnect';
  /** User id or UPN holding the number. */
  assignedTo?: string;
  assignmentCategory?: 'primary' | 'private' | 'alternate';
  isoCountryCode?: string;
  city?: string;
}

/** A Teams policy instance that getPolicyId can resolve. */
export interface PolicySeed {
  policyType: string;
  name: string;
  /** Default: a deterministic GUID from type+name. */
  policyId?: string;
}

/** One tenant. Every field but `tenantId` is optional. */
export interface TenantSeed {
  tenantId: string;
  displayName?: string;
  /** Verified domains; the first is the default (UPN suffix). */
  domains?: string[];
  apps?: AppSeed[];
  users?: UserSeed[];
  /** Default: every catalogue SKU used by a user, with enough seats. */
  skus?: SkuSeed[];
  numbers?: NumberSeed[];
  policies?: PolicySeed[];
}
