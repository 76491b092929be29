/**
 * Renders the daemon's roles from the permissions tables (controllers/rbac.ts): the ClusterRole and
 * the leader-election Role of config/rbac, and the same rules as Helm templates for the chart.
 * Bindings and the ServiceAccount are written by hand; only the rules are generated.
 */
import { daemonPermissions } from '../../controllers/rbac.ts';
import { rulesFor, type GeneratedRule } from '../../pkg/rbac/rules.ts';
import { defaultLeaseName } from '../../pkg/runtime/rbac.ts';
import type { GeneratedFile } from '../crdgen/render.ts';
import { chartDir, chartName, generatedBy, helmGeneratedBy } from './layout.ts';

const clusterIntro = [
  '# What the daemon may do in every namespace it watches: exactly the verbs its code sends, each rule',
  '# preceded by the code that needs it (controllers/<kind>/rbac.ts, pkg/runtime/rbac.ts). Secrets are',
  "# read by name only: the daemon never lists or watches them, and deletes only the Global Admin's",
  '# delegated token Secret once its TeamsSync run finished.',
];
const leaseIntro = [
  "# Leader election: one coordination.k8s.io/v1 Lease in the daemon's own namespace",
  '# (--leader-election-namespace defaults to the pod namespace). get/update are limited to the Lease',
  '# named by --leader-election-id; change both together.',
];

/** The rules as YAML list items at `indent`; `name` renders one resourceNames entry. */
function renderRules(rules: readonly GeneratedRule[], indent: string, name: (n: string) => string = (n) => JSON.stringify(n)): string {
  const list = (xs: readonly string[]): string => `[${xs.join(', ')}]`;
  const out: string[] = [];
  for (const rule of rules) {
    for (const reason of rule.reasons) out.push(`${indent}# ${reason}`);
    out.push(`${indent}- apiGroups: ${list([JSON.stringify(rule.apiGroup)])}`);
    out.push(`${indent}  resources: ${list([JSON.stringify(rule.resource)])}`);
    if (rule.resourceNames !== undefined) out.push(`${indent}  resourceNames: ${list(rule.resourceNames.map(name))}`);
    out.push(`${indent}  verbs: ${list(rule.verbs.map((v) => JSON.stringify(v)))}`);
  }
  return `${out.join('\n')}\n`;
}

/** config/rbac/role.yaml, config/rbac/leader_election_role.yaml and the chart's two role templates. */
export function renderRbacFiles(): GeneratedFile[] {
  const cluster = rulesFor(daemonPermissions, 'cluster');
  const own = rulesFor(daemonPermissions, 'own-namespace');
  const labels = '  labels:\n    app.kubernetes.io/name: teams-sync-controller\n';
  const helmLabels = '  labels:\n    {{- include "teams-sync-controller.labels" . | nindent 4 }}\n';
  const helmLease = (n: string): string => (n === defaultLeaseName ? '{{ include "teams-sync-controller.leaseName" . | quote }}' : JSON.stringify(n));
  return [
    {
      path: 'config/rbac/role.yaml',
      content: `${generatedBy}${clusterIntro.join('\n')}\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: teams-sync-manager-role\n${labels}rules:\n${renderRules(cluster, '  ')}`,
    },
    {
      path: 'config/rbac/leader_election_role.yaml',
      content: `${generatedBy}${leaseIntro.join('\n')}\napiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: teams-sync-leader-election-role\n  namespace: teams-sync-system\n${labels}rules:\n${renderRules(own, '  ')}`,
    },
    {
      path: `${chartDir}/templates/rbac/clusterrole.yaml`,
      content: `${helmGeneratedBy}{{- if .Values.rbac.create }}\n${clusterIntro.join('\n')}\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: {{ include "${chartName}.fullname" . }}-manager\n${helmLabels}rules:\n${renderRules(cluster, '  ')}{{- end }}\n`,
    },
    {
      path: `${chartDir}/templates/rbac/leader-election-role.yaml`,
      content: `${helmGeneratedBy}{{- if and .Values.rbac.create .Values.leaderElection.enabled }}\n${leaseIntro.join('\n')}\napiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: {{ include "${chartName}.fullname" . }}-leader-election\n  namespace: {{ include "${chartName}.leaseNamespace" . }}\n${helmLabels}rules:\n${renderRules(own, '  ', helmLease)}{{- end }}\n`,
    },
  ];
}
