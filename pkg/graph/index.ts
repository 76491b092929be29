/**
 * pkg/graph: the only way controllers talk to Microsoft 365 (house rule R3). Controllers import from here and never
 * build URLs or touch msal-node / the Graph SDK directly.
 */
export { GraphTenantClient, createTenantClient, type TenantClientOptions } from './tenant-client.ts';
export { GraphClientFactory, type TenantClientRequest } from './factory.ts';
export { resolveEndpoints, type EndpointOverrides } from './clouds.ts';
export type { TenantCredentials } from './auth/credentials.ts';
export { deviceCodeLogin } from './auth/device-code.ts';
export * from './errors.ts';
export { mailboxProblemHint, mailboxProblemOf } from './mailbox-errors.ts';
export { Redacted, redact } from './redacted.ts';
export { sanitize } from './sanitize.ts';
export { createHttpsAgent, parseConnectTo, trustCaProcessWide, readCaBundle } from './tls.ts';
export { collect } from './paging.ts';
export { MemoryDeltaTokenStore, type DeltaTokenStore, type DeltaPage } from './delta.ts';
export { type PollPolicy } from './long-running.ts';
export type { GraphLogger } from './logger.ts';
export { type NumberOperationResult } from './api/numbers.ts';
export type * from './api/directory-types.ts';
export type * from './api/teams-types.ts';
export type * from './api/outlook-types.ts';
