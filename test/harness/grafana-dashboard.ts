/**
 * The Grafana dashboard of config/grafana as the PromQL Prometheus would be asked: every panel's and every
 * variable's query, with Grafana's variables replaced the way Grafana does for "All" (`.*`) and its interval macros.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';

const dashboardFile = path.resolve(import.meta.dirname, '../../config/grafana/teams-sync-controller.json');

export interface DashboardTarget {
  readonly refId: string;
  readonly expr: string;
  readonly datasource?: { readonly type?: string; readonly uid?: string };
}

export interface DashboardPanel {
  readonly id: number;
  readonly type: string;
  readonly title: string;
  readonly description?: string;
  readonly gridPos: { readonly h: number; readonly w: number; readonly x: number; readonly y: number };
  readonly datasource?: { readonly type?: string; readonly uid?: string };
  readonly targets?: readonly DashboardTarget[];
  readonly panels?: readonly DashboardPanel[];
}

export interface Dashboard {
  readonly uid: string;
  readonly title: string;
  readonly panels: readonly DashboardPanel[];
  readonly templating: { readonly list: ReadonlyArray<{ readonly name: string; readonly type: string; readonly query?: unknown }> };
}

/** One query to evaluate: the panel it belongs to, as Grafana sends it. */
export interface PanelQuery {
  readonly panel: string;
  readonly refId: string;
  readonly expr: string;
  readonly promql: string;
}

export async function loadDashboard(): Promise<Dashboard> {
  return JSON.parse(await readFile(dashboardFile, 'utf8')) as Dashboard;
}

/** Panels, rows' nested panels included, rows themselves excluded. */
export function allPanels(dashboard: Dashboard): DashboardPanel[] {
  return dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]).filter((p) => p.type !== 'row');
}

/** Grafana's substitutions: multi-value variables on "All" become `.*`; interval macros a fixed duration. */
function toPromql(expr: string): string {
  return expr
    .replaceAll('$__rate_interval', '1m')
    .replaceAll('$__interval', '30s')
    .replaceAll('$__range', '1h')
    .replace(/\$\{?(namespace|tenant|sync)\}?/g, '.*');
}

/** Every panel target. */
export function panelQueries(dashboard: Dashboard): PanelQuery[] {
  return allPanels(dashboard).flatMap((panel) =>
    (panel.targets ?? []).map((t) => ({ panel: panel.title, refId: t.refId, expr: t.expr, promql: toPromql(t.expr) })),
  );
}

/** The `label_values(metric{…}, label)` selectors of the query variables, as series selectors. */
export function variableSelectors(dashboard: Dashboard): Array<{ variable: string; selector: string; label: string }> {
  const out: Array<{ variable: string; selector: string; label: string }> = [];
  for (const v of dashboard.templating.list) {
    if (v.type !== 'query') continue;
    const query = typeof v.query === 'string' ? v.query : ((v.query as { query?: string } | undefined)?.query ?? '');
    const m = /^label_values\((.+),\s*([a-zA-Z_]+)\)$/.exec(query);
    if (m === null) throw new Error(`variable ${v.name}: only label_values(selector, label) is supported, got ${query}`);
    out.push({ variable: v.name, selector: toPromql(m[1] ?? ''), label: m[2] ?? '' });
  }
  return out;
}
