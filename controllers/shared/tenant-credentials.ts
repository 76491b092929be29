/**
 * A tenant's app-only credentials, assembled from `spec.credentials` and the Secrets it names (read
 * one by one by name, never listed or watched), for the Graph layer. Shared by every controller
 * that talks to a tenant's Microsoft 365: the one way to read a Secret is {@link kubeSecretGetter}.
 */
import { DefaultWorkloadServiceAccount, type TeamsTenant } from '../../pkg/apis/teamssync/v1alpha1/index.ts';
import { redact, type TenantCredentials } from '../../pkg/graph/index.ts';
import { coreResources, isNotFound, type KubeClient, type KubeObject } from '../../pkg/runtime/index.ts';
import type { ServiceAccountTokens } from './service-account-tokens.ts';

/** The parts of a Secret this module reads (client-node's V1Secret satisfies it). */
export interface SecretLike {
  readonly metadata?: { readonly resourceVersion?: string; readonly labels?: Readonly<Record<string, string>> };
  readonly data?: Readonly<Record<string, string>>;
}

/** Reads Secrets from the cache (or the apiserver); `undefined` when the Secret does not exist. */
export type SecretGetter = (namespace: string, name: string) => Promise<SecretLike | undefined>;

/** Reads Secrets by name from the apiserver (RBAC: get on secrets); a missing Secret is `undefined`, other errors throw. */
export function kubeSecretGetter(client: Pick<KubeClient, 'get'>): SecretGetter {
  return async (namespace, name) => {
    try {
      return await client.get<KubeObject & SecretLike>(coreResources.secrets, namespace, name);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  };
}

/** Where credentials come from: Secrets by name, and ServiceAccount tokens for workload identity. */
export interface CredentialSources {
  readonly getSecret: SecretGetter;
  readonly serviceAccountTokens: ServiceAccountTokens;
}

/** The audience Entra ID expects of federated tokens when the TeamsTenant does not say. */
const DEFAULT_AUDIENCE = 'api://AzureADTokenExchange';

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
    const serviceAccount = workloadIdentity.serviceAccountName ?? DefaultWorkloadServiceAccount;
    const audience = workloadIdentity.audience ?? DEFAULT_AUDIENCE;
    const tokens = sources.serviceAccountTokens;
    return {
      credentials: {
        kind: 'federatedAssertion', clientId, subject: `system:serviceaccount:${namespace}:${serviceAccount}`,
        getAssertion: () => tokens.token(namespace, serviceAccount, audience),
      },
      version: specVersion,
    };
  }
  throw new CredentialsUnavailableError('InvalidSpec', 'spec.credentials names no clientSecret, certificate or workloadIdentity');
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
