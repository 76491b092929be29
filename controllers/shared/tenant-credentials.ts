/**
 * A tenant's app-only credentials, assembled from `spec.credentials` and the Secrets it names (read
 * one by one by name, never listed or watched), for the Graph layer. Shared by every controller
 * that talks to a tenant's Microsoft 365; Secrets are read through pkg/runtime's SecretReader.
 */
import type { TeamsTenant } from '../../pkg/apis/teamssync/v1alpha1/index.ts';
import { redact, type TenantCredentials } from '../../pkg/graph/index.ts';
import type { SecretReader } from '../../pkg/runtime/index.ts';
import type { ServiceAccountTokens } from './service-account-tokens.ts';

/** Where credentials come from: Secrets by name, and ServiceAccount tokens for workload identity. */
export interface CredentialSources {
  readonly getSecret: SecretReader;
  readonly serviceAccountTokens: ServiceAccountTokens;
}

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
 * Workload identity is always a ServiceAccount of the tenant's own namespace: its token (TokenRequest API) is
 * requested when msal needs an assertion, so nothing is read here and a missing ServiceAccount surfaces as an
 * authentication failure naming it.
 */
export async function resolveTenantCredentials(tenant: TeamsTenant, sources: CredentialSources): Promise<ResolvedCredentials> {
  const { getSecret } = sources;
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
  if (workloadIdentity) {
    // Both are defaulted by the CRD schema (the apiserver fills them in), so they are always set.
    const { serviceAccountName: serviceAccount, audience } = workloadIdentity;
    const tokens = sources.serviceAccountTokens;
    return {
      credentials: {
        kind: 'federatedAssertion',
        clientId,
        subject: `system:serviceaccount:${namespace}:${serviceAccount}`,
        getAssertion: () => tokens.token(namespace, serviceAccount, audience),
      },
      version: specVersion,
    };
  }
  throw new CredentialsUnavailableError('InvalidSpec', 'spec.credentials names no clientSecret, certificate or workloadIdentity');
}

async function readKeys(getSecret: SecretReader, namespace: string, name: string, keys: readonly string[]): Promise<{ values: string[]; version: string }> {
  const secret = await getSecret(namespace, name);
  if (secret === undefined) throw new CredentialsUnavailableError('CredentialsNotFound', `Secret ${namespace}/${name} does not exist`);
  const values = keys.map((key) => {
    const encoded = secret.data?.[key];
    if (encoded === undefined || encoded === '') throw new CredentialsUnavailableError('CredentialsNotFound', `Secret ${namespace}/${name} has no key ${key}`);
    return Buffer.from(encoded, 'base64').toString('utf8').trim();
  });
  return { values, version: secret.metadata?.resourceVersion ?? '0' };
}
