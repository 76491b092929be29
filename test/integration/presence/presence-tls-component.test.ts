/**
 * config/presence-tls renders on top of the shipped manager: the Deployment's flags parse, the certificate files sit
 * in the mounted Secret, and that Secret is the one the cert-manager Certificate writes.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { parseFlags } from '../../../cmd/controller/flags.ts';
import { kubectl } from '../../harness/kube.ts';

const configDir = path.resolve(import.meta.dirname, '../../../config');

interface Rendered {
  kind: string;
  spec: {
    secretName?: string;
    template?: {
      spec: {
        containers: { args: string[]; volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[] }[];
        volumes: { name: string; secret?: { secretName: string } }[];
      };
    };
  };
}

test("config/presence-tls: the Deployment serves the presence port from the Certificate's Secret", async (t) => {
  const overlay = await mkdtemp(path.join(tmpdir(), 'presence-tls-overlay-'));
  t.after(() => rm(overlay, { recursive: true, force: true }));
  const relative = path.relative(overlay, configDir);
  await writeFile(path.join(overlay, 'kustomization.yaml'), `resources: [${relative}/manager]\ncomponents: [${relative}/presence-tls]\n`);
  const rendered = await kubectl(['kustomize', overlay]);
  assert.equal(rendered.code, 0, rendered.stderr);
  const objects = parseAllDocuments(rendered.stdout).map((d) => d.toJSON() as Rendered);
  const certificate = objects.find((o) => o.kind === 'Certificate');
  const pod = objects.find((o) => o.kind === 'Deployment')?.spec.template?.spec;
  const container = pod?.containers[0];
  assert.ok(certificate !== undefined && pod !== undefined && container !== undefined);
  const flags = parseFlags(container.args, {}, () => '');
  const mount = container.volumeMounts.find((m) => flags.presenceTlsCertFile.startsWith(`${m.mountPath}/`));
  assert.ok(mount !== undefined, 'the certificate file is inside a mounted volume');
  assert.equal(mount.readOnly, true);
  assert.equal(path.dirname(flags.presenceTlsKeyFile), mount.mountPath);
  assert.deepEqual([path.basename(flags.presenceTlsCertFile), path.basename(flags.presenceTlsKeyFile)], ['tls.crt', 'tls.key'], 'cert-manager file names');
  assert.equal(pod.volumes.find((v) => v.name === mount.name)?.secret?.secretName, certificate.spec.secretName);
});
