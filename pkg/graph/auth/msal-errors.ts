import type { AnyGraphError } from '../errors.ts';
import { TransientError } from '../errors.ts';
import { toGraphError } from '../to-graph-error.ts';
import { classifyOAuthFailure, type AuthContext } from './aadsts.ts';
import type { MsalNetworkModule } from './msal-network.ts';

/** msal error codes that hide the server's answer (discovery failed, or no response at all). */
const OPAQUE = new Set(['endpoints_resolution_error', 'openid_config_error', 'network_error', 'post_request_failed', 'get_request_failed']);

/**
 * Classifies an msal-node failure. When msal hides the server's answer (a failed OpenID discovery becomes
 * `endpoints_resolution_error`), the answer recorded by our network module is used instead: an AADSTS90002 body
 * means "tenant not found", a network error means "try again later".
 */
export function classifyMsalError(e: unknown, auth: AuthContext, network: MsalNetworkModule): AnyGraphError {
  const code = typeof e === 'object' && e !== null ? (e as { errorCode?: unknown }).errorCode : undefined;
  const recorded = network.lastFailure;
  network.lastFailure = undefined;
  if (typeof code !== 'string' || !OPAQUE.has(code) || recorded === undefined) return toGraphError(e, auth);
  if (recorded.failure !== undefined) return classifyOAuthFailure(recorded.failure, auth, e);
  const net = toGraphError(recorded.networkError, auth);
  return net.kind === 'Terminal'
    ? net
    : new TransientError(`Could not reach Entra ID for tenant ${auth.tenantId}; retrying`, { tenantId: auth.tenantId, cause: e });
}
