import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { apiRequest, type ApiserverEndpoint } from './https-json.ts';
import { waitFor } from './ports.ts';

interface CrdObject {
  metadata: { name: string };
  spec: { group: string; versions: Array<{ name: string }>; names: { plural: string } };
  status?: { conditions?: Array<{ type: string; status: string }> };
}

const crdPath = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';

/** Creates or replaces every CRD in `dir`, then waits until each is Established and served. */
export async function installCrds(endpoint: ApiserverEndpoint, dir: string): Promise<string[]> {
  const files = (await readdir(dir).catch(() => [])).filter((f) => f.endsWith('.yaml')).sort();
  const crds: CrdObject[] = [];
  for (const file of files) {
    const docs = parseAllDocuments(await readFile(path.join(dir, file), 'utf8'));
    for (const doc of docs) {
      const crd = doc.toJS() as CrdObject | null;
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- a YAML document need not be a CRD
      if (crd?.metadata?.name) crds.push(crd);
    }
  }
  for (const crd of crds) await upsert(endpoint, crd);
  for (const crd of crds) await waitEstablished(endpoint, crd);
  return crds.map((crd) => crd.metadata.name);
}

async function upsert(endpoint: ApiserverEndpoint, crd: CrdObject): Promise<void> {
  const created = await apiRequest(endpoint, 'POST', crdPath, crd);
  if (created.status === 201) return;
  if (created.status !== 409) throw new Error(`creating CRD ${crd.metadata.name}: ${created.status} ${JSON.stringify(created.body)}`);
  const current = await apiRequest(endpoint, 'GET', `${crdPath}/${crd.metadata.name}`);
  const resourceVersion = (current.body as { metadata?: { resourceVersion?: string } }).metadata?.resourceVersion;
  const replaced = await apiRequest(endpoint, 'PUT', `${crdPath}/${crd.metadata.name}`, {
    ...crd,
    metadata: { ...crd.metadata, resourceVersion },
  });
  if (replaced.status !== 200) throw new Error(`updating CRD ${crd.metadata.name}: ${replaced.status} ${JSON.stringify(replaced.body)}`);
}

async function waitEstablished(endpoint: ApiserverEndpoint, crd: CrdObject): Promise<void> {
  const name = crd.metadata.name;
  await waitFor(
    `CRD ${name} Established`,
    async () => {
      const res = await apiRequest(endpoint, 'GET', `${crdPath}/${name}`);
      const conditions = (res.body as CrdObject).status?.conditions ?? [];
      return conditions.some((c) => c.type === 'Established' && c.status === 'True');
    },
    30_000,
  );
  const version = crd.spec.versions[0]?.name ?? 'v1';
  await waitFor(
    `CRD ${name} served by discovery`,
    async () => {
      const res = await apiRequest(endpoint, 'GET', `/apis/${crd.spec.group}/${version}`);
      const resources = (res.body as { resources?: Array<{ name: string }> }).resources ?? [];
      return resources.some((r) => r.name === crd.spec.names.plural);
    },
    30_000,
  );
}
