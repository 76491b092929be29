import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  assertFeatureAvailable,
  CLOUDS,
  isCloudName,
  isFeatureAvailable,
  resolveEndpoints,
  type CloudFeature,
  type CloudName,
} from '../../../pkg/graph/clouds.ts';
import { isGraphError } from '../../../pkg/graph/errors.ts';

const endpointCases: Array<{ cloud: CloudName; authority: string; graph: string; scope: string }> = [
  { cloud: 'Global', authority: 'https://login.microsoftonline.com', graph: 'https://graph.microsoft.com/', scope: 'https://graph.microsoft.com/.default' },
  { cloud: 'USGovGCCHigh', authority: 'https://login.microsoftonline.us', graph: 'https://graph.microsoft.us/', scope: 'https://graph.microsoft.us/.default' },
  {
    cloud: 'USGovDoD',
    authority: 'https://login.microsoftonline.us',
    graph: 'https://dod-graph.microsoft.us/',
    scope: 'https://dod-graph.microsoft.us/.default',
  },
  {
    cloud: 'China',
    authority: 'https://login.chinacloudapi.cn',
    graph: 'https://microsoftgraph.chinacloudapi.cn/',
    scope: 'https://microsoftgraph.chinacloudapi.cn/.default',
  },
];
for (const tc of endpointCases) {
  test(`CLOUDS: ${tc.cloud} endpoints follow https://learn.microsoft.com/graph/deployments`, () => {
    const c = CLOUDS[tc.cloud];
    assert.deepEqual([c.authorityHost, c.graphBaseUrl, c.appScope], [tc.authority, tc.graph, tc.scope]);
  });
}

const features: CloudFeature[] = ['teamsNumberManagement', 'teamsPolicyAssignment', 'teamsUserConfiguration', 'presence', 'contactsDelta'];
const availability: Record<CloudName, boolean[]> = {
  Global: [true, true, true, true, true],
  USGovGCCHigh: [false, false, false, true, true],
  USGovDoD: [false, false, false, true, true],
  China: [false, false, false, false, false],
};
for (const cloud of Object.keys(availability) as CloudName[]) {
  test(`isFeatureAvailable: ${cloud}`, () => {
    assert.deepEqual(
      features.map((f) => isFeatureAvailable(cloud, f)),
      availability[cloud],
    );
  });
}

test('assertFeatureAvailable: throws a typed, actionable error without attempting', () => {
  assert.doesNotThrow(() => assertFeatureAvailable('Global', 'teamsNumberManagement'));
  try {
    assertFeatureAvailable('USGovGCCHigh', 'teamsNumberManagement');
    assert.fail('expected a throw');
  } catch (e: unknown) {
    assert.ok(isGraphError(e, 'FeatureUnavailableInCloud'));
    assert.equal(e.code, 'M365_ERR_FEATURE_UNAVAILABLE_IN_CLOUD');
    assert.match(e.message, /Teams telephone number management.*USGovGCCHigh/);
  }
});

test('resolveEndpoints: overrides normalise slashes and keep the real scope', () => {
  const r = resolveEndpoints('Global', { authorityHost: 'https://127.0.0.1:8443/', graphBaseUrl: 'https://127.0.0.1:9443', caBundlePath: '/tmp/ca.pem' });
  assert.equal(r.authorityHost, 'https://127.0.0.1:8443');
  assert.equal(r.graphBaseUrl, 'https://127.0.0.1:9443/');
  assert.equal(r.appScope, 'https://graph.microsoft.com/.default');
  assert.equal(r.caBundlePath, '/tmp/ca.pem');
  assert.equal(resolveEndpoints('China').graphBaseUrl, 'https://microsoftgraph.chinacloudapi.cn/');
});

test('isCloudName: accepts only table entries', () => {
  assert.deepEqual(['Global', 'China', 'global', 'toString', 42].map(isCloudName), [true, true, false, false, false]);
});
