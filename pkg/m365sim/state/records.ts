/**
 * In-memory records behind the simulated endpoints. Property names match the Graph v1.0 schema where the record
 * is serialised as-is; anything simulator-internal is named so it cannot be mistaken for a Graph property.
 */
import type { KeyObject } from 'node:crypto';
import type { FederatedCredentialSeed } from './seed.ts';

export interface AssignedPlan {
  assignedDateTime: string;
  capabilityStatus: string;
  service: string;
  servicePlanId: string;
}

export interface AssignedLicense {
  disabledPlans: string[];
  skuId: string;
}

/** A directory user (microsoft.graph.user subset). */
export interface UserRecord {
  id: string;
  userPrincipalName: string;
  displayName: string;
  givenName: string | null;
  surname: string | null;
  mail: string | null;
  jobTitle: string | null;
  mobilePhone: string | null;
  businessPhones: string[];
  officeLocation: string | null;
  preferredLanguage: string | null;
  accountEnabled: boolean;
  usageLocation: string | null;
  createdDateTime: string;
  assignedLicenses: AssignedLicense[];
  assignedPlans: AssignedPlan[];
  /** Simulator-internal: directory role template ids held by the user. */
  simRoles: string[];
  /** Simulator-internal: false when the user has no Exchange Online mailbox. */
  simMailbox: boolean;
}

export interface AppCertificate {
  thumbprintSha1: string;
  thumbprintSha256: string;
  publicKey: KeyObject;
}

/** An app registration + its service principal in one tenant. */
export interface AppRecord {
  appId: string;
  displayName: string;
  secrets: Set<string>;
  certificates: AppCertificate[];
  federatedCredentials: FederatedCredentialSeed[];
  applicationPermissions: Set<string>;
  delegatedPermissions: Set<string>;
  disabled: boolean;
  publicClient: boolean;
  /** Whole admin consent withdrawn: new tokens are refused (AADSTS65001). */
  consentRevoked: boolean;
  /** Tokens with an issue sequence below this are rejected by Graph with 401 (revocation, consent change). */
  tokensValidFromSeq: number;
}

/** microsoft.graph.teamsAdministration.numberAssignment */
export interface NumberRecord {
  id: string;
  telephoneNumber: string;
  operatorId: string;
  numberType: string;
  activationState: string;
  capabilities: string[];
  assignmentStatus: string;
  assignmentTargetId: string | null;
  assignmentCategory: string | null;
  locationId: string | null;
  civicAddressId: string | null;
  networkSiteId: string | null;
  portInStatus: string | null;
  isoCountryCode: string | null;
  city: string | null;
  numberSource: string;
  supportedCustomerActions: string[];
  reverseNumberLookupOptions: string[];
}

export interface PolicyRecord {
  policyType: string;
  name: string;
  policyId: string;
}

/** Teams-side per-user settings that are not derived from other records. */
export interface TeamsSettingsRecord {
  userId: string;
  enterpriseVoice: boolean;
  /** Direct assignments keyed by policyType. */
  policies: Record<string, { policyId: string; displayName: string }>;
  createdDateTime: string;
  modifiedDateTime: string;
}

/** A telephone-number long-running operation and what it will do when it completes. */
export interface OperationRecord {
  id: string;
  createdAtMs: number;
  dueAtMs: number;
  kind: 'assignNumber' | 'unassignNumber';
  telephoneNumber: string;
  numberType: string;
  assignmentTargetId: string | null;
  assignmentCategory: string;
  locationId: string | null;
  settled: boolean;
  status: 'notStarted' | 'running' | 'succeeded' | 'failed';
  statusDetail: string | null;
  resourceId: string | null;
}

/** One entry of the users change log that /users/delta replays. */
export interface UserChange {
  seq: number;
  userId: string;
  visibleAtMs: number;
  removed?: 'changed' | 'deleted';
}
