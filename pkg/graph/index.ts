/**
 * pkg/graph: the only way controllers talk to Microsoft 365 (house rule R3). Controllers import from here and never
 * build URLs or touch msal-node / the Graph SDK directly.
 */
export { GraphTenantClient, createTenantClient, type TenantClientOptions } from './tenant-client.ts';
export { GraphClientFactory, type GraphClientFactoryOptions, type TenantClientRequest } from './factory.ts';
export {
  CLOUDS,
  resolveEndpoints,
  isFeatureAvailable,
  assertFeatureAvailable,
  isCloudName,
  type CloudName,
  type CloudFeature,
  type CloudEndpoints,
  type EndpointOverrides,
  type ResolvedEndpoints,
} from './clouds.ts';
export type {
  TenantCredentials,
  ClientSecretCredentials,
  CertificateCredentials,
  FederatedAssertionCredentials,
  DelegatedRefreshTokenCredentials,
  AccessTokenCredentials,
  AccessToken,
  TokenProvider,
} from './auth/credentials.ts';
export { deviceCodeLogin, type DeviceCodeLoginOptions, type DeviceCodeLoginResult } from './auth/device-code.ts';
export { sha256Thumbprint } from './auth/app-token-provider.ts';
export { AADSTS_RULES, consentMessage } from './auth/aadsts.ts';
export * from './errors.ts';
export { toGraphError } from './to-graph-error.ts';
export { Redacted, redact } from './redacted.ts';
export { sanitize } from './sanitize.ts';
export { graphMetrics, type GraphMetrics } from './metrics.ts';
export { TenantLimiter, DEFAULT_LIMITS, type LimitSpec, type TenantLimits } from './limiter.ts';
export type { EndpointClass, LimitClass } from './endpoint-class.ts';
export { DEFAULT_RETRY, type RetryPolicy } from './middleware/retry-decision.ts';
export type { WriteGuard } from './middleware/transport.ts';
export { createHttpsAgent, trustCaProcessWide, readCaBundle } from './tls.ts';
export { collect } from './paging.ts';
export { MemoryDeltaTokenStore, type DeltaTokenStore, type DeltaPage, type RemovedItem } from './delta.ts';
export { MAX_BATCH_SIZE, type BatchItem, type BatchItemResult } from './batch.ts';
export { DEFAULT_POLL, type PollPolicy } from './long-running.ts';
export type { GraphLogger } from './logger.ts';
export { UsersApi, USER_SELECT } from './api/users.ts';
export { NumbersApi, type AssignNumberInput, type UpdateNumberInput, type NumberWriteOptions, type NumberOperationResult } from './api/numbers.ts';
export { PoliciesApi, type PolicyRef } from './api/policies.ts';
export { UserConfigurationsApi } from './api/user-configurations.ts';
export { PresenceApi, MAX_PRESENCE_IDS, type SetPresenceInput } from './api/presence.ts';
export { MailApi } from './api/mail.ts';
export { DirectoryRolesApi, GLOBAL_ADMINISTRATOR_TEMPLATE_ID } from './api/directory-roles.ts';
export { ContactsApi, type ContactFolder } from './api/contacts.ts';
export {
  TEAMS_PHONE_PLAN_IDS,
  CALLING_PLAN_IDS,
  RESOURCE_ACCOUNT_PLAN_ID,
  planCatalogFrom,
  isEligibleForDirectRouting,
  type LicensePlanCatalog,
} from './api/license-plans.ts';
export type * from './api/directory-types.ts';
export type * from './api/teams-types.ts';
export type * from './api/outlook-types.ts';
