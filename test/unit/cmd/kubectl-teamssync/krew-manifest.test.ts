/**
 * plugins/teamssync.yaml follows krew's Plugin schema and validation rules
 * (https://krew.sigs.k8s.io/docs/developer-guide/plugin-manifest/, sigs.k8s.io/krew/pkg/index/validation),
 * names an executable that exists, and carries package.json's version.
 */
import assert from 'node:assert/strict';
import { accessSync, constants, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';

const root = path.resolve(import.meta.dirname, '../../../..');

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: {
    version: string;
    shortDescription: string;
    description?: string;
    homepage?: string;
    platforms: { selector?: { matchLabels?: Record<string, string> }; uri: string; sha256: string; bin: string; files?: { from: string; to: string }[] }[];
  };
}

test('the krew manifest is a valid Plugin whose bin exists and whose version is the package version', () => {
  const manifest = parse(readFileSync(path.join(root, 'plugins/teamssync.yaml'), 'utf8')) as Manifest;
  assert.equal(manifest.apiVersion, 'krew.googlecontainertools.github.com/v1alpha2');
  assert.equal(manifest.kind, 'Plugin');
  assert.match(manifest.metadata.name, /^[a-z0-9][a-z0-9-_]*$/, 'krew plugin names are lower-case');
  assert.equal(manifest.metadata.name, 'teamssync', 'the name kubectl runs (kubectl-teamssync)');
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string };
  assert.equal(manifest.spec.version, `v${pkg.version}`, 'krew versions are semver with a v prefix');
  assert.ok(manifest.spec.shortDescription.length > 0 && manifest.spec.shortDescription.length <= 50);
  assert.ok(manifest.spec.platforms.length > 0);
  for (const p of manifest.spec.platforms) {
    assert.match(p.uri, /^https:\/\//);
    assert.match(p.sha256, /^[0-9a-f]{64}$/);
    assert.ok(p.selector?.matchLabels !== undefined);
    assert.ok((p.files ?? []).every((f) => f.from !== '' && f.to !== ''));
    assert.doesNotMatch(p.bin, /^\/|\.\./, 'bin is relative to the install directory');
    assert.equal(p.bin, 'bin/kubectl-teamssync');
    accessSync(path.join(root, p.bin), constants.X_OK);
    accessSync(path.join(root, 'bin/kubectl_complete-teamssync'), constants.X_OK);
  }
});
