import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FlagError, parseFlags } from '../../../cmd/controller/flags.ts';
import { webhookDestinations } from '../../../cmd/controller/registrars.ts';
import { checkAddress } from '../../../pkg/presence/destination-policy.ts';

const noPod = () => '';

test('presence and webhook flags: strict defaults (https only, no internal ranges, plain presence port with limits)', () => {
  const flags = parseFlags([], {}, noPod);
  assert.equal(flags.webhookAllowHttp, false);
  assert.deepEqual(flags.webhookAllowedCidrs, []);
  assert.equal(flags.presenceTlsCertFile, '');
  assert.equal(flags.presenceMaxConnections, 1024);
  assert.equal(flags.presenceHeaderTimeoutMs, 10_000);
  assert.equal(flags.presenceRequestTimeoutMs, 30_000);
  const policy = webhookDestinations(flags, {});
  assert.equal(policy.allowHttp, false);
  assert.equal(checkAddress(policy, '127.0.0.1'), 'internal');
});

test('presence and webhook flags: allowed CIDRs open a range; the apiserver Service address stays refused', () => {
  const flags = parseFlags(['--webhook-allowed-cidrs', '10.0.0.0/8,127.0.0.1', '--webhook-allow-http=true'], {}, noPod);
  const policy = webhookDestinations(flags, { KUBERNETES_SERVICE_HOST: '10.96.0.1' });
  assert.equal(policy.allowHttp, true);
  assert.equal(checkAddress(policy, '10.20.0.5'), undefined);
  assert.equal(checkAddress(policy, '127.0.0.1'), undefined);
  assert.equal(checkAddress(policy, '10.96.0.1'), 'denied');
});

test('presence and webhook flags: bad values stop the daemon with the flag named', () => {
  assert.throws(
    () => parseFlags(['--webhook-allowed-cidrs', '10.0.0.0/40'], {}, noPod),
    (e: unknown) => e instanceof FlagError && /--webhook-allowed-cidrs/.test(e.message),
  );
  assert.throws(
    () => parseFlags(['--presence-tls-cert-file', '/tls/tls.crt'], {}, noPod),
    (e: unknown) => e instanceof FlagError && /set both or neither/.test(e.message),
  );
  assert.throws(() => parseFlags(['--presence-max-connections', '0'], {}, noPod), FlagError);
  assert.doesNotThrow(() => parseFlags([], { PRESENCE_TLS_CERT_FILE: '/tls/tls.crt', PRESENCE_TLS_KEY_FILE: '/tls/tls.key' }, noPod));
});
