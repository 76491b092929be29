/**
 * Signing keys of external OpenID Connect issuers, fetched the way Entra ID validates a federated identity
 * credential's assertion (https://learn.microsoft.com/entra/workload-id/workload-identity-federation): `GET
 * {issuer}/.well-known/openid-configuration` over HTTPS, the
 * document's `issuer` must equal the assertion's `iss` exactly, then `GET {jwks_uri}`; the assertion is verified
 * with the JWKS key its header's `kid` names. Keys are cached per issuer and fetched again when an assertion names
 * a `kid` the cache lacks (key rotation). A Kubernetes apiserver is such an issuer: `--service-account-issuer`,
 * with discovery served at `/.well-known/openid-configuration` and `/openid/v1/jwks`.
 *
 * Entra trusts public CAs; a test cluster's apiserver is self-signed, so its CA is added with `trustCa`.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { request } from 'node:https';
import { rootCertificates } from 'node:tls';
import { isRecord } from './jwt.ts';

const FETCH_TIMEOUT_MS = 10_000;
const MAX_DOCUMENT_BYTES = 256 * 1024;

/** An issuer's keys by `kid`, or why they could not be fetched. */
type IssuerKeys = { readonly keys: ReadonlyMap<string, KeyObject> } | { readonly error: string };

/** The answer for one assertion: its verification key, or why there is none. */
export type KeyLookup = { readonly key: KeyObject } | { readonly unreachable: string } | { readonly unknownKid: true };

/**
 * When to use: one per simulator (SimContext). The token endpoint is synchronous, so the login server calls
 * `prepare` (async) before it and `lookup` (sync) runs inside it.
 * Gotchas: only `https:` issuers are fetched (Entra refuses others); a failed fetch is not cached.
 */
export class OidcIssuerKeys {
  readonly #issuers = new Map<string, IssuerKeys>();
  readonly #extraCas: string[] = [];

  /** Trusts `pem` (a CA certificate) for issuer discovery, as Entra trusts public CAs. */
  trustCa(pem: string): void {
    if (!this.#extraCas.includes(pem)) this.#extraCas.push(pem);
  }

  /** Makes sure the keys of `issuer` are known and include `kid` when possible. Never throws. */
  async prepare(issuer: string, kid: string | undefined): Promise<void> {
    const known = this.#issuers.get(issuer);
    if (known !== undefined && 'keys' in known && (kid === undefined || known.keys.has(kid))) return;
    this.#issuers.set(issuer, await this.#fetchKeys(issuer).catch((e: unknown) => ({ error: e instanceof Error ? e.message : String(e) })));
  }

  /** The key for an assertion of `issuer` signed with `kid` (after `prepare`). */
  lookup(issuer: string, kid: string | undefined): KeyLookup {
    const known = this.#issuers.get(issuer);
    if (known === undefined) return { unreachable: 'the issuer metadata was never fetched' };
    if ('error' in known) return { unreachable: known.error };
    const key = kid === undefined ? (known.keys.size === 1 ? [...known.keys.values()][0] : undefined) : known.keys.get(kid);
    return key === undefined ? { unknownKid: true } : { key };
  }

  async #fetchKeys(issuer: string): Promise<IssuerKeys> {
    const discoveryUrl = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
    const discovery = await this.#getJson(discoveryUrl);
    if (discovery['issuer'] !== issuer)
      throw new Error(`the OpenID configuration at ${discoveryUrl} names issuer '${String(discovery['issuer'])}', not '${issuer}'`);
    const jwksUri = discovery['jwks_uri'];
    if (typeof jwksUri !== 'string') throw new Error(`the OpenID configuration at ${discoveryUrl} has no jwks_uri`);
    const jwks = await this.#getJson(jwksUri);
    const keys = new Map<string, KeyObject>();
    for (const jwk of Array.isArray(jwks['keys']) ? jwks['keys'] : []) {
      if (!isRecord(jwk) || jwk['kty'] !== 'RSA' || typeof jwk['kid'] !== 'string' || (jwk['use'] !== undefined && jwk['use'] !== 'sig')) continue;
      try {
        keys.set(jwk['kid'], createPublicKey({ key: { kty: 'RSA', n: String(jwk['n']), e: String(jwk['e']) }, format: 'jwk' }));
      } catch {
        // A malformed key is skipped, as Entra ignores keys it cannot use.
      }
    }
    return { keys };
  }

  #getJson(url: string): Promise<Record<string, unknown>> {
    const target = new URL(url);
    if (target.protocol !== 'https:') return Promise.reject(new Error(`${url} is not an https URL`));
    return new Promise((resolve, reject) => {
      const req = request(
        target,
        {
          method: 'GET',
          ca: [...rootCertificates, ...this.#extraCas],
          timeout: FETCH_TIMEOUT_MS,
          headers: { accept: 'application/json, application/jwk-set+json' },
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > MAX_DOCUMENT_BYTES) req.destroy(new Error(`${url} answered more than ${MAX_DOCUMENT_BYTES} bytes`));
            else chunks.push(c);
          });
          res.on('end', () => {
            if (res.statusCode !== 200) {
              reject(new Error(`GET ${url} answered HTTP ${res.statusCode ?? 0}`));
              return;
            }
            try {
              const body: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
              if (!isRecord(body)) throw new Error('not a JSON object');
              resolve(body);
            } catch (e) {
              reject(new Error(`GET ${url}: ${(e as Error).message}`));
            }
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
      req.on('error', (e) => reject(new Error(`GET ${url}: ${e.message}`)));
      req.end();
    });
  }
}
