/** The simulator's national-cloud host rules (pkg/m365sim/server/cloud-hosts.ts), table-tested. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cloudGraphRefusal, cloudLoginOrigin, resourceAllowedOnLogin } from '../../../pkg/m365sim/server/cloud-hosts.ts';

test('cloudLoginOrigin: a cloud Entra host answers as itself; the simulator address as the simulator', () => {
  assert.equal(cloudLoginOrigin('login.microsoftonline.us'), 'https://login.microsoftonline.us');
  assert.equal(cloudLoginOrigin('LOGIN.chinacloudapi.cn:443'), 'https://login.chinacloudapi.cn');
  assert.equal(cloudLoginOrigin('127.0.0.1:4443'), undefined);
  assert.equal(cloudLoginOrigin(undefined), undefined);
});

test('resourceAllowedOnLogin: a login host issues tokens for its own cloud only', () => {
  const cases: [string, string, boolean][] = [
    ['login.microsoftonline.com', 'https://graph.microsoft.com', true],
    ['login.microsoftonline.com', 'https://graph.microsoft.us', false],
    ['login.microsoftonline.us', 'https://graph.microsoft.us', true],
    ['login.microsoftonline.us', 'https://dod-graph.microsoft.us', true],
    ['login.microsoftonline.us', 'https://microsoftgraph.chinacloudapi.cn', false],
    ['login.chinacloudapi.cn', 'https://microsoftgraph.chinacloudapi.cn', true],
    ['login.chinacloudapi.cn', 'https://graph.microsoft.com', false],
    ['127.0.0.1:4443', 'https://graph.microsoft.us', true],
  ];
  for (const [host, resource, want] of cases) assert.equal(resourceAllowedOnLogin(host, resource), want, `${host} → ${resource}`);
});

test('cloudGraphRefusal: audience must be the host; /admin/teams exists on the global host only', () => {
  const cases: [string, string, string | undefined, number | undefined][] = [
    ['graph.microsoft.com', '/v1.0/admin/teams/userConfigurations', 'https://graph.microsoft.com', undefined],
    ['graph.microsoft.com', '/v1.0/users', '00000003-0000-0000-c000-000000000000', undefined],
    ['graph.microsoft.us', '/v1.0/users', 'https://graph.microsoft.us', undefined],
    ['graph.microsoft.us', '/v1.0/users', 'https://graph.microsoft.com', 401],
    ['dod-graph.microsoft.us', '/v1.0/users', 'https://graph.microsoft.us', 401],
    ['graph.microsoft.us', '/v1.0/admin/teams/telephoneNumberManagement/numberAssignments', 'https://graph.microsoft.us', 404],
    ['microsoftgraph.chinacloudapi.cn', '/beta/admin/teams/policy/userAssignments/assign', 'https://microsoftgraph.chinacloudapi.cn', 404],
    ['127.0.0.1:8443', '/v1.0/admin/teams/userConfigurations', 'https://graph.microsoft.us', undefined],
  ];
  for (const [host, path, aud, want] of cases) assert.equal(cloudGraphRefusal(host, path, aud)?.status, want, `${host} ${path} (${aud ?? ''})`);
});
