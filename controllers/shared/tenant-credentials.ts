import type { TeamsTenant } from '../../pkg/apis/teamssync/v1alpha1/index.ts';
import { redact, type TenantCredentials } from '../../pkg/graph/index.ts';

/** The parts of a Secret this module reads (client-node's V1Secret satisfies it). */
export interface SecretLike {
  readonly metadata?: { readonly resourceVersion?: string };
  readonly data?: Readonly<Record<string, string>>;
}

/** Reads Secrets from the cache (or the apiserver); `undefined` when the Secret does not exist. */
export type SecretGetter = (namespace: string, name: string) => Promise<SecretLike | undefined>;

/**
 * Why a tenant's credentials could not be assembled. The message names the Secret and key but
 * never a value, so it is safe for conditions, events and logs.
 */
export class CredentialsUnavailableError extends Error {
  override readonly name = 'CredentialsUnavailableError';
  readonly reason: 'CredentialsNotFound' | 'InvalidSpec';
  constructor(reason: 'CredentialsNotFound' | 'InvalidSpec', message: string) {
    super(message);
    this.reason = reason;
  }
}

/** App-only credentials of a tenant plus a version that changes whenever they do (for client caching). */
export interface ResolvedCredentials {
  readonly credentials: TenantCredentials;
  readonly version: string;
}

/**
 * Builds the Graph layer's credentials from `spec.credentials` and the Secrets it references.
 * Gotcha: workload identity by `serviceAccountName` needs the TokenRequest API, which this
 * version does not implement; it is reported as InvalidSpec rather than attempted.
 */
export async function resolveTenantCredentials(tenant: TeamsTenant, getSecret: SecretGetter): Promise<ResolvedCredentials> {
  const namespace = tenant.metadata.namespace ?? 'default';
  const { clientId, clientSecret, certificate, workloadIdentity } = tenant.spec.credentials;
  const specVersion = `${tenant.metadata.generation ?? 0}`;
  if (clientSecret) {
    const secret = await readKeys(getSecret, namespace, clientSecret.name, [clientSecret.key]);
    return { credentials: { kind: 'clientSecret', clientId, clientSecret: redact(secret.values[0] ?? '') }, version: `${specVersion}/${secret.version}` };
  }
  if (certificate) {
    const secret = await readKeys(getSecret, namespace, certificate.secretName, [certificate.certificateKey, certificate.privateKeyKey]);
    return {
      credentials: { kind: 'certificate', clientId, certificatePem: secret.values[0] ?? '', privateKeyPem: redact(secret.values[1] ?? '') },
      version: `${specVersion}/${secret.version}`,
    };
  }
  if (workloadIdentity?.tokenFile) {
    return { credentials: { kind: 'federatedTokenFile', clientId, tokenFilePath: workloadIdentity.tokenFile }, version: specVersion };
  }
  throw new CredentialsUnavailableError('InvalidSpec', 'Workload identity by serviceAccountName is not supported yet; mount a projected token and set workloadIdentity.tokenFile');
}

async function readKeys(getSecret: SecretGetter, namespace: string, name: string, keys: readonly string[]): Promise<{ values: string[]; version: string }> {
  const secret = await getSecret(namespace, name);
  if (secret === undefined) throw new CredentialsUnavailableError('CredentialsNotFound', `Secret ${namespace}/${name} does not exist`);
  const values = keys.map((key) => {
    const encoded = secret.data?.[key];
    if (encoded === undefined || encoded === '') throw new CredentialsUnavailableError('CredentialsNotFound', `Secret ${namespace}/${name} has no key ${key}`);
    return Buffer.from(encoded, 'base64').toString('utf8').trim();
  });
  return { values, version: secret.metadata?.resourceVersion ?? '0' };
}
