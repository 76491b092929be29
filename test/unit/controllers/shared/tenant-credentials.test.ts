/** A tenant's credentials from its Secrets: what is read, and what a missing Secret or key says. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Secret } from '../../../../pkg/runtime/index.ts';
import type { CachedTenant } from '../../../../controllers/shared/resources.ts';
import { ServiceAccountTokens } from '../../../../controllers/shared/service-account-tokens.ts';
import { CredentialsUnavailableError, resolveTenantCredentials } from '../../../../controllers/shared/tenant-credentials.ts';

const SECRET_VALUE = 'not-a-real-secret~value';
const tenant = {
  metadata: { namespace: 'acme', name: 'contoso', generation: 2 },
  spec: { tenantId: 't', credentials: { clientId: 'app', clientSecret: { name: 'app-creds', key: 'clientSecret' } } },
} as unknown as CachedTenant;

const cases: { name: string; secret: Secret | undefined; want: 'version' | RegExp; reason: string }[] = [
  {
    name: 'Found',
    secret: { metadata: { resourceVersion: '7' }, data: { clientSecret: Buffer.from(`${SECRET_VALUE}\n`).toString('base64') } },
    want: 'version',
    reason: 'the version follows the spec generation and the Secret',
  },
  { name: 'NoSecret', secret: undefined, want: /^Secret acme\/app-creds does not exist$/, reason: 'a missing Secret is CredentialsNotFound' },
  {
    name: 'NoKey',
    secret: { data: { other: 'eA==' } },
    want: /^Secret acme\/app-creds has no key clientSecret$/,
    reason: 'a missing key is CredentialsNotFound and names the key',
  },
];

for (const tc of cases) {
  test(`resolveTenantCredentials: ${tc.name}`, async () => {
    const sources = {
      getSecret: (namespace: string, name: string) => Promise.resolve(namespace === 'acme' && name === 'app-creds' ? tc.secret : undefined),
      serviceAccountTokens: new ServiceAccountTokens(() => Promise.reject(new Error('no workload identity here'))),
    };
    const { want } = tc;
    if (want === 'version') {
      const resolved = await resolveTenantCredentials(tenant, sources);
      assert.equal(resolved.version, '2/7', tc.reason);
      assert.ok(!JSON.stringify(resolved).includes(SECRET_VALUE), 'the value is held redacted');
      return;
    }
    await assert.rejects(
      resolveTenantCredentials(tenant, sources),
      (e: unknown) => e instanceof CredentialsUnavailableError && e.reason === 'CredentialsNotFound' && want.test(e.message),
      tc.reason,
    );
  });
}
