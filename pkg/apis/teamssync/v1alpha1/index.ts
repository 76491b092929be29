/**
 * `teamssync.io/v1alpha1`: the one source of truth for the API. CRD YAML (crds/), API docs
 * (docs/api/) are generated from these schemas by tools/generate.ts; TS types and runtime
 * validation come from them directly.
 */
export * from './group.ts';
export * from './conditions.ts';
export * from './common.ts';
export * from './duration.ts';
export * from './validate.ts';
export * from './teams-tenant.ts';
export * from './teams-tenant-status.ts';
export * from './user-license-mapping.ts';
export * from './user-license-mapping-status.ts';
export * from './presence-sync.ts';
export * from './presence-sync-status.ts';
export * from './teams-sync.ts';
export * from './teams-sync-status.ts';
export * from './contact-sync.ts';
export * from './contact-sync-status.ts';
export * from './kinds.ts';
export * from './secret-purpose.ts';
