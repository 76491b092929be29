/**
 * The alert rules of config/prometheus as the plain rule files Prometheus and promtool read (the shipped file is a
 * prometheus-operator PrometheusRule; its `spec` is exactly a rule file).
 *
 * Why `forSeconds`: the shipped `for:` durations (10 to 30 minutes) are what an operator wants, and waiting them out
 * would make a test take half an hour. A test against a running Prometheus writes a temp copy with every `for:`
 * replaced by a few seconds; the expressions, labels and annotations stay the shipped ones, and promtool's unit tests
 * (config/prometheus/tests) check the real durations on synthetic time. Tests still only wait for alert states,
 * never for a duration.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parse, stringify } from 'yaml';

export const rulesDir = path.resolve(import.meta.dirname, '../../config/prometheus');
const shippedRuleFile = path.join(rulesDir, 'teamssync-rules.yaml');

/** One rule of a rule group. */
export interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** A plain rule file: what a PrometheusRule's `spec` holds. */
export interface RuleFile {
  groups: Array<{ name: string; interval?: string; rules: Rule[] }>;
}

/** The shipped PrometheusRule's spec. */
async function loadShippedRules(): Promise<RuleFile> {
  const object = parse(await readFile(shippedRuleFile, 'utf8')) as { kind?: string; spec?: RuleFile };
  if (object.kind !== 'PrometheusRule' || object.spec === undefined) throw new Error(`${shippedRuleFile} is not a PrometheusRule`);
  return object.spec;
}

/** Every alerting rule of the shipped file. */
export async function shippedAlerts(): Promise<Rule[]> {
  return (await loadShippedRules()).groups.flatMap((g) => g.rules).filter((r) => r.alert !== undefined);
}

/**
 * Writes the shipped rules to `dir/rules.yaml` and returns the path. With `forSeconds`, every alert that has a `for:`
 * gets `for: <forSeconds>s` instead (see the file comment for why).
 */
export async function writeRuleFile(dir: string, options: { forSeconds?: number } = {}): Promise<string> {
  const spec = await loadShippedRules();
  if (options.forSeconds !== undefined) {
    for (const rule of spec.groups.flatMap((g) => g.rules)) if (rule.for !== undefined) rule.for = `${options.forSeconds}s`;
  }
  const file = path.join(dir, 'rules.yaml');
  await writeFile(file, stringify(spec));
  return file;
}
