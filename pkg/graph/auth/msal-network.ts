import type { Agent } from 'node:https';
import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';
import { sendHttps } from '../transport.ts';
import type { OAuthFailure } from './aadsts.ts';

/**
 * msal-node's `system.networkClient`, sending through the tenant client's HTTPS agent so Entra ID calls trust the
 * same CA bundle as Graph calls (msal-node 7 has no `customAgentOptions`; its default client is global fetch).
 *
 * Gotchas: msal expects a parsed JSON body even for errors; a non-JSON body becomes `{}` and msal reports it as a
 * server error with the HTTP status, which `toGraphError` classifies.
 */
export class MsalNetworkModule implements INetworkModule {
  readonly #agent: Agent;
  /**
   * The last failed Entra response or network error. msal reports a failed OIDC discovery only as
   * `endpoints_resolution_error` and drops the body (e.g. AADSTS90002 "tenant not found"); this keeps it so the
   * token provider can classify the failure properly.
   */
  lastFailure: { readonly failure?: OAuthFailure; readonly networkError?: unknown } | undefined;

  constructor(agent: Agent) {
    this.#agent = agent;
  }

  sendGetRequestAsync<T>(url: string, options?: NetworkRequestOptions, timeout?: number): Promise<NetworkResponse<T>> {
    return this.#send<T>('GET', url, options, timeout);
  }

  sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    return this.#send<T>('POST', url, options);
  }

  async #send<T>(method: string, url: string, options: NetworkRequestOptions | undefined, timeout?: number): Promise<NetworkResponse<T>> {
    const headers = { ...options?.headers };
    const body = method === 'POST' ? (options?.body ?? '') : undefined;
    let res: Response;
    try {
      res = await sendHttps(this.#agent, url, {
        method,
        headers,
        ...(body === undefined ? {} : { body }),
        ...(timeout === undefined ? {} : { timeoutMs: timeout }),
      });
    } catch (e: unknown) {
      this.lastFailure = { networkError: e };
      throw e;
    }
    const text = await res.text();
    const responseHeaders: Record<string, string> = {};
    res.headers.forEach((value, name) => {
      responseHeaders[name] = value;
    });
    const parsed = parseJson(text);
    if (res.status >= 400) this.lastFailure = { failure: oauthFailureOf(res.status, parsed) };
    return { status: res.status, headers: responseHeaders, body: parsed as T };
  }
}

function oauthFailureOf(status: number, body: unknown): OAuthFailure {
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const codes = Array.isArray(b['error_codes']) ? b['error_codes'] : [];
  return {
    status,
    error: typeof b['error'] === 'string' ? b['error'] : `http_${status}`,
    description: typeof b['error_description'] === 'string' ? b['error_description'] : '',
    ...(typeof b['suberror'] === 'string' ? { subError: b['suberror'] } : {}),
    ...(typeof codes[0] === 'number' ? { errorNo: String(codes[0]) } : {}),
  };
}

function parseJson(text: string): unknown {
  if (text === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return {};
  }
}
