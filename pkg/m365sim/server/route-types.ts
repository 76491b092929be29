/** Types shared by the Graph route table, the pipeline and the handlers. */
import type { AuthContext } from '../entra/access-token.ts';
import type { GraphResponse } from '../errors.ts';
import type { SimContext } from '../sim-context.ts';
import type { TenantState } from '../state/tenant-state.ts';
import type { ThrottleClass } from '../throttle.ts';

export type ApiVersion = 'v1.0' | 'beta';

/**
 * What the last segment of a route is in the v1.0 schema (checked by the contract test): an entity set or
 * singleton, an entity by key, a navigation property, a bound action/function, a type cast, or an OData system
 * resource ($batch, $count) that the CSDL does not describe.
 */
export interface SchemaTarget {
  kind: 'entitySet' | 'singleton' | 'key' | 'navigation' | 'action' | 'function' | 'cast' | 'system';
  /** Name as in the schema (e.g. "setPresence", "microsoft.graph.directoryRole", "$batch"). */
  name: string;
}

/** A parsed Graph request as handlers see it. */
export interface GraphRequest {
  ctx: SimContext;
  tenant: TenantState;
  auth: AuthContext;
  method: string;
  version: ApiVersion;
  /** Path after the version, normalised ("/users/abc/presence"). */
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  /** Lower-case header names. */
  headers: Record<string, string>;
  body: unknown;
  now: number;
  /** Absolute base for links, e.g. "https://127.0.0.1:4431/v1.0". */
  versionBase: string;
  inBatch: boolean;
  requestId: string;
  /** Runs another request through the whole pipeline (what `$batch` does with each of its items). */
  dispatch: (inner: PipelineRequest) => Promise<GraphResponse>;
}

/** A request entering the pipeline (top level or from $batch). */
export interface PipelineRequest {
  method: string;
  /** Path including the version, e.g. "/v1.0/users". */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  body: unknown;
  inBatch: boolean;
  requestId: string;
  /** The client's socket (remote port), for the request log; top-level requests only. */
  connection?: string;
}

export type Handler = (req: GraphRequest) => GraphResponse | Promise<GraphResponse>;

/** Accepted permissions (any one suffices); an empty list means the token type is not supported. */
export interface Permissions {
  application: readonly string[];
  delegated: readonly string[];
}

/** One Graph route. */
export interface RouteDef {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** "/users/{id}/presence"; a function segment is written "getPolicyId(type='{type}',name='{name}')". */
  pattern: string;
  versions: readonly ApiVersion[];
  schema: SchemaTarget;
  /** Qualified entity type of the returned object(s), for the property contract test. */
  returns?: string;
  throttle: ThrottleClass;
  /** Identity resource units before query adjustments (https://learn.microsoft.com/graph/throttling-limits); default 1. */
  identityCost?: number;
  /** 'none' = any valid token may call (e.g. $batch: inner requests are checked one by one). */
  permissions: Permissions | 'none';
  /** 403 error code when permissions are missing (default Authorization_RequestDenied). */
  deniedCode?: string;
  /** Delegated callers must also hold one of these directory roles (template ids). */
  delegatedRoles?: readonly string[];
  handler: Handler;
}

/** Both API versions: the routes the controller uses exist in v1.0 and beta alike. */
export const BOTH: readonly ApiVersion[] = ['v1.0', 'beta'];
