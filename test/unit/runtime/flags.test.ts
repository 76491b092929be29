import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FlagError, parseFlags, usage, workersFor } from '../../../cmd/controller/flags.ts';

const noPod = (): string => '';

test('parseFlags: defaults match controller-runtime conventions', () => {
  const f = parseFlags([], {}, noPod);
  assert.equal(f.metricsBindAddress, ':8443');
  assert.equal(f.metricsSecure, true, 'secure metrics serving by default, as kubebuilder scaffolds');
  assert.equal(f.metricsCertFile, '');
  assert.equal(f.healthProbeBindAddress, ':8081');
  assert.equal(f.leaderElect, false);
  assert.equal(f.leaderElectionNamespace, 'default');
  assert.equal(f.leaderElectionId, 'teams-sync-controller.teamssync.io');
  assert.equal(f.namespace, '');
  assert.equal(f.gracefulShutdownTimeoutMs, 30_000);
  assert.equal(workersFor(f, 'anything'), 2);
});

const cases = [
  { name: 'FlagBeatsEnv', argv: ['--log-level', 'debug'], env: { LOG_LEVEL: 'warn' }, check: (f: ReturnType<typeof parseFlags>) => f.logLevel === 'debug' },
  { name: 'EnvBeatsDefault', argv: [], env: { WATCH_NAMESPACE: 'team-a' }, check: (f: ReturnType<typeof parseFlags>) => f.namespace === 'team-a' },
  { name: 'LeaderElectEqualsSyntax', argv: ['--leader-elect=true'], env: {}, check: (f: ReturnType<typeof parseFlags>) => f.leaderElect },
  { name: 'PodNamespaceForLease', argv: [], env: { POD_NAMESPACE: 'ops' }, check: (f: ReturnType<typeof parseFlags>) => f.leaderElectionNamespace === 'ops' },
  {
    name: 'WorkersPerController',
    argv: ['--workers', '3,userlicensemapping=8'],
    env: {},
    check: (f: ReturnType<typeof parseFlags>) => workersFor(f, 'userlicensemapping') === 8 && workersFor(f, 'teamstenant') === 3,
  },
  {
    name: 'DurationUnits',
    argv: ['--graceful-shutdown-timeout', '1500ms'],
    env: {},
    check: (f: ReturnType<typeof parseFlags>) => f.gracefulShutdownTimeoutMs === 1500,
  },
  { name: 'MetricsPlainForLocalRuns', argv: ['--metrics-secure=false'], env: {}, check: (f: ReturnType<typeof parseFlags>) => !f.metricsSecure },
  {
    name: 'MetricsCertFiles',
    argv: ['--metrics-cert-file', '/tls/tls.crt', '--metrics-key-file', '/tls/tls.key'],
    env: {},
    check: (f: ReturnType<typeof parseFlags>) => f.metricsSecure && f.metricsCertFile === '/tls/tls.crt' && f.metricsKeyFile === '/tls/tls.key',
  },
  {
    name: 'GraphEndpoints',
    argv: ['--graph-base-url', 'https://127.0.0.1:9443', '--graph-ca-bundle', '/ca.pem'],
    env: {},
    check: (f: ReturnType<typeof parseFlags>) => f.graphBaseUrl === 'https://127.0.0.1:9443' && f.graphCaBundle === '/ca.pem',
  },
  {
    name: 'GraphConnectTo',
    argv: [],
    env: { GRAPH_CONNECT_TO: 'graph.microsoft.us=127.0.0.1:9443,login.microsoftonline.us=127.0.0.1:9444' },
    check: (f: ReturnType<typeof parseFlags>) =>
      f.graphConnectTo['graph.microsoft.us'] === '127.0.0.1:9443' && f.graphConnectTo['login.microsoftonline.us'] === '127.0.0.1:9444',
  },
  {
    name: 'LeaseTimingsDefaultReplaceAKilledLeaderWithin15s',
    argv: [],
    env: {},
    check: (f: ReturnType<typeof parseFlags>) =>
      f.leaseDurationMs === 10_000 && f.renewDeadlineMs === 7_000 && f.retryPeriodMs === 1_000 && f.leaseDurationMs + 4.4 * f.retryPeriodMs <= 15_000,
  },
  {
    name: 'LeaseTimingsKubernetesDefaults',
    argv: ['--leader-elect-lease-duration', '15s', '--leader-elect-renew-deadline', '10s'],
    env: { LEADER_ELECT_RETRY_PERIOD: '2s' },
    check: (f: ReturnType<typeof parseFlags>) => f.leaseDurationMs === 15_000 && f.renewDeadlineMs === 10_000 && f.retryPeriodMs === 2_000,
  },
];
for (const tc of cases) {
  test(`parseFlags: ${tc.name}`, () => assert.ok(tc.check(parseFlags(tc.argv, tc.env, noPod))));
}

const bad = [
  { name: 'UnknownFlag', argv: ['--nope', 'x'] },
  { name: 'BadBool', argv: ['--leader-elect', 'maybe'] },
  { name: 'BadWorkers', argv: ['--workers', 'a=0'] },
  { name: 'BadLevel', argv: ['--log-level', 'loud'] },
  { name: 'BadDuration', argv: ['--graceful-shutdown-timeout', 'soon'] },
  { name: 'RenewDeadlineNotShorterThanLease', argv: ['--leader-elect-lease-duration', '10s', '--leader-elect-renew-deadline', '10s'] },
  { name: 'RetryPeriodTooLongForRenewDeadline', argv: ['--leader-elect-renew-deadline', '2s', '--leader-elect-retry-period', '2s'] },
  { name: 'MetricsCertWithoutKey', argv: ['--metrics-cert-file', '/tls/tls.crt'] },
  { name: 'MetricsCertButInsecure', argv: ['--metrics-secure=false', '--metrics-cert-file', '/a', '--metrics-key-file', '/b'] },
  { name: 'BadConnectTo', argv: ['--graph-connect-to', 'graph.microsoft.us'] },
];
for (const tc of bad) {
  test(`parseFlags: rejects ${tc.name}`, () => assert.throws(() => parseFlags(tc.argv, {}, noPod), FlagError));
}

test('usage: lists every flag with its environment variable', () => {
  const text = usage();
  for (const flag of [
    '--kubeconfig',
    '--namespace',
    '--metrics-bind-address',
    '--health-probe-bind-address',
    '--leader-elect',
    '--workers',
    '--graph-base-url',
    '--state-db',
  ]) {
    assert.ok(text.includes(flag), flag);
  }
  assert.match(text, /env LEADER_ELECT/);
});
