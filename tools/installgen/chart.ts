/**
 * The generated parts of charts/teams-sync-controller and of the kustomize install: Chart.yaml
 * (version from package.json), the chart's crds/ (the CRDs rendered from pkg/apis, byte for byte),
 * the chart's alert rules (the rule groups of config/prometheus/teamssync-rules.yaml, which stays the
 * single source promtool tests), and crds/kustomization.yaml so config/default can include crds/.
 * The chart's other templates are written by hand; they hold logic, not copies.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import type { GeneratedFile } from '../crdgen/render.ts';
import { repoRoot } from '../crdgen/render.ts';
import { chartDir, chartName, generatedBy } from './layout.ts';

/** The source of the alert rules: a prometheus-operator PrometheusRule whose spec is a plain rule file. */
const rulesSource = 'config/prometheus/teamssync-rules.yaml';

/** Chart.yaml, the chart's CRDs and rules, and crds/kustomization.yaml. `crds` are the rendered CRD files. */
export function renderChartFiles(crds: readonly GeneratedFile[]): GeneratedFile[] {
  const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string; description: string };
  const chart = {
    apiVersion: 'v2',
    name: chartName,
    description: pkg.description,
    type: 'application',
    version: pkg.version,
    appVersion: pkg.version,
    // CEL validation rules in the CRDs (x-kubernetes-validations) are GA since 1.29.
    kubeVersion: '>=1.29.0-0',
    keywords: ['microsoft-teams', 'direct-routing', 'presence', 'operator'],
  };
  const files: GeneratedFile[] = [{ path: `${chartDir}/Chart.yaml`, content: generatedBy + stringify(chart, { lineWidth: 0 }) }];
  for (const crd of crds) files.push({ path: `${chartDir}/crds/${path.basename(crd.path)}`, content: crd.content });
  files.push({
    path: 'crds/kustomization.yaml',
    content: `${generatedBy}# Lets config/default (and \`kubectl apply -k crds\`) install the CRDs.\napiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n${crds.map((c) => `  - ${path.basename(c.path)}\n`).join('')}`,
  });
  files.push({ path: `${chartDir}/files/prometheus-rules.yaml`, content: renderRuleGroups() });
  return files;
}

/** The rule groups of the PrometheusRule in config/prometheus, as a plain rule file. */
function renderRuleGroups(): string {
  const source = parse(readFileSync(path.join(repoRoot, rulesSource), 'utf8')) as { kind?: string; spec?: { groups?: unknown } };
  if (source.kind !== 'PrometheusRule' || source.spec?.groups === undefined) throw new Error(`${rulesSource} is not a PrometheusRule with spec.groups`);
  return `${generatedBy.replace('.\n', ` from ${rulesSource}.\n`)}${stringify({ groups: source.spec.groups }, { lineWidth: 0 })}`;
}
