/** A tenant's credentials from its Secrets: what is read, and what a missing Secret or key says. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError, type KubeClient } from '../../../../pkg/runtime/index.ts';
import type { CachedTenant } from '../../../../controllers/shared/resources.ts';
import type { ServiceAccountTokens } from '../../../../controllers/shared/service-account-tokens.ts';
import { CredentialsUnavailableError, kubeSecretGetter, resolveTenantCredentials, type SecretLike } from '../../../../controllers/shared/tenant-credentials.ts';

const SECRET_VALUE = 'not-a-real-secret~value';
const tenant = {
  metadata: { namespace: 'acme', name: 'contoso', generation: 2 },
  spec: { tenantId: 't', credentials: { clientId: 'app', clientSecret: { name: 'app-creds', key: 'clientSecret' } } },
} as unknown as CachedTenant;

function apiserver(answer: () => SecretLike): Pick<KubeClient, 'get'> {
  return { get: (() => Promise.resolve(answer())) as unknown as KubeClient['get'] };
}

const cases: { name: string; answer: () => SecretLike; want: 'version' | RegExp; reason: string }[] = [
  { name: 'Found', answer: () => ({ metadata: { resourceVersion: '7' }, data: { clientSecret: Buffer.from(`${SECRET_VALUE}\n`).toString('base64') } }), want: 'version', reason: 'the version follows the spec generation and the Secret' },
  { name: 'NoSecret', answer: () => { throw new ApiError(404, 'GET', '/api/v1/namespaces/acme/secrets/app-creds'); }, want: /^Secret acme\/app-creds does not exist$/, reason: 'a missing Secret is CredentialsNotFound' },
  { name: 'NoKey', answer: () => ({ data: { other: 'eA==' } }), want: /^Secret acme\/app-creds has no key clientSecret$/, reason: 'a missing key is CredentialsNotFound and names the key' },
];

for (const tc of cases) {
  test(`resolveTenantCredentials over kubeSecretGetter: ${tc.name}`, async () => {
    const sources = { getSecret: kubeSecretGetter(apiserver(tc.answer)), serviceAccountTokens: {} as ServiceAccountTokens };
    if (tc.want === 'version') {
      const resolved = await resolveTenantCredentials(tenant, sources);
      assert.equal(resolved.version, '2/7', tc.reason);
      assert.ok(!JSON.stringify(resolved).includes(SECRET_VALUE), 'the value is held redacted');
      return;
    }
    await assert.rejects(resolveTenantCredentials(tenant, sources), (e: unknown) => e instanceof CredentialsUnavailableError && e.reason === 'CredentialsNotFound' && tc.want instanceof RegExp && tc.want.test(e.message), tc.reason);
  });
}

test('kubeSecretGetter: errors other than 404 are not taken for a missing Secret', async () => {
  const get = kubeSecretGetter(apiserver(() => { throw new ApiError(403, 'GET', '/api/v1/namespaces/acme/secrets/app-creds'); }));
  await assert.rejects(get('acme', 'app-creds'), (e: unknown) => e instanceof ApiError && e.code === 403);
});
