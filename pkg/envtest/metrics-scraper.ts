/**
 * Scraping the daemon's secure metrics as Prometheus does in a cluster: a ServiceAccount bound to the install's
 * metrics-reader ClusterRole (config/rbac/metrics_reader_role.yaml), its TokenRequest token as the bearer token,
 * and HTTPS without verifying the daemon's self-signed certificate (the shipped ServiceMonitor's insecureSkipVerify).
 */
import { request } from 'node:https';
import { stringify } from 'yaml';
import type { ApiserverEndpoint } from './https-json.ts';
import type { InstallManifests, ManifestObject } from './install-manifests.ts';
import { kubectlOk } from './kubectl.ts';
import { requestToken, type ServiceAccountIdentity } from './service-account.ts';

/** The scraper's name, in the install's namespace. */
export const METRICS_SCRAPER = 'metrics-scraper';

/** The install's ClusterRole granting `get` on the non-resource URL /metrics. */
function metricsReaderRole(install: InstallManifests): ManifestObject {
  const role = install.objects.find(
    (o) =>
      o.kind === 'ClusterRole' && ((o['rules'] as { nonResourceURLs?: string[] }[] | undefined) ?? []).some((r) => r.nonResourceURLs?.includes('/metrics')),
  );
  if (role === undefined) throw new Error('the install has no ClusterRole allowing get on /metrics');
  return role;
}

/** Applies the metrics-reader ClusterRole, a scraper ServiceAccount and their binding; returns a token of that ServiceAccount. */
export async function metricsScraperToken(
  controlPlane: ApiserverEndpoint & { readonly kubectl: string; readonly kubeconfigPath: string },
  install: InstallManifests,
): Promise<string> {
  const namespace = install.serviceAccount.namespace;
  const role = metricsReaderRole(install);
  const objects = [
    role,
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: METRICS_SCRAPER, namespace } },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: `${role.metadata.name}-${namespace}-scraper` },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role.metadata.name },
      subjects: [{ kind: 'ServiceAccount', name: METRICS_SCRAPER, namespace }],
    },
  ];
  await kubectlOk(controlPlane.kubectl, controlPlane.kubeconfigPath, ['apply', '-f', '-'], objects.map((o) => stringify(o)).join('---\n'));
  const scraper: ServiceAccountIdentity = { namespace, name: METRICS_SCRAPER, username: `system:serviceaccount:${namespace}:${METRICS_SCRAPER}` };
  return requestToken(controlPlane, scraper);
}

/** One scrape's answer. */
export interface ScrapeResult {
  readonly status: number;
  readonly text: string;
}

/**
 * GETs a metrics URL: https with `token` as bearer token (undefined sends none) and no certificate verification,
 * or plain http when the URL says so.
 */
export async function scrape(url: string, token: string | undefined): Promise<ScrapeResult> {
  if (url.startsWith('http:')) {
    const res = await fetch(url, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });
    return { status: res.status, text: await res.text() };
  }
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'GET', rejectUnauthorized: false, headers: token === undefined ? {} : { authorization: `Bearer ${token}` }, timeout: 30_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
    req.end();
  });
}
