/**
 * A Global Admin signing in (device code flow, as teamssync-login does) to a GCC High tenant gets a token for
 * graph.microsoft.us from login.microsoftonline.us, names kept through the connect-to redirection; the simulator
 * refuses that token on graph.microsoft.com (tokens are per cloud, https://learn.microsoft.com/graph/deployments).
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { createHttpsAgent, deviceCodeLogin, resolveEndpoints } from '../../../pkg/graph/index.ts';
import { sendHttps } from '../../../pkg/graph/transport.ts';
import { startSimulator } from '../../../pkg/m365sim/index.ts';

const tenantId = '00007002-0000-4000-8000-000000000001';
const appId = '00007102-0000-4000-8000-000000000002';
const sim = await startSimulator({
  seed: [
    {
      tenantId,
      displayName: 'High',
      domains: ['high.example'],
      apps: [{ appId, secrets: ['secret-0123456789'], delegatedPermissions: ['User.Read'] }],
      users: [{ id: '00000000-0000-4000-8000-000000000009', userPrincipalName: 'admin@high.example', displayName: 'Admin', licenses: [] }],
    },
  ],
});
after(() => sim.stop());

test('device code sign-in in GCC High: a graph.microsoft.us token, accepted there and refused on the global host', async () => {
  const login = new URL(sim.loginUrl).host;
  const graph = new URL(sim.graphUrl).host;
  const connectTo = { 'login.microsoftonline.us': login, 'graph.microsoft.us': graph, 'graph.microsoft.com': graph };
  const agent = createHttpsAgent({ extraCaPem: sim.caPem, connectTo });
  try {
    const approve = (async () => {
      for (;;) {
        const pending = sim.control.pendingDeviceCodes()[0];
        if (pending !== undefined) {
          sim.control.approveDeviceCode(pending.userCode, 'admin@high.example');
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    const result = await deviceCodeLogin({
      tenantId,
      clientId: appId,
      endpoints: resolveEndpoints('USGovGCCHigh', { connectTo }),
      agent,
      permissions: ['.default'],
      onPrompt: () => undefined,
    });
    await approve;
    const token = result.accessToken.reveal();
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { aud?: string };
    assert.equal(claims.aud, 'https://graph.microsoft.us');
    const headers = { authorization: `Bearer ${token}` };
    assert.notEqual((await sendHttps(agent, 'https://graph.microsoft.us/v1.0/me', { method: 'GET', headers })).status, 401, 'the token is valid there');
    assert.equal((await sendHttps(agent, 'https://graph.microsoft.com/v1.0/me', { method: 'GET', headers })).status, 401, 'not interchangeable');
    const hosts = new Set(sim.control.requestLog().map((e) => e.hostname));
    assert.ok(hosts.has('login.microsoftonline.us') && hosts.has('graph.microsoft.us'));
  } finally {
    agent.destroy();
  }
});
