import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  checkAddress,
  CidrError,
  createDestinationPolicy,
  embeddedIPv4,
  parseCidrList,
  STRICT_DESTINATION_POLICY,
} from '../../../pkg/presence/destination-policy.ts';

const refused: readonly [string, string][] = [
  ['127.0.0.1', 'loopback'],
  ['127.255.255.254', 'loopback range'],
  ['0.0.0.0', 'reaches the local host on Linux'],
  ['10.96.0.1', 'private (typical Service range, the apiserver)'],
  ['172.16.5.4', 'private'],
  ['192.168.1.1', 'private'],
  ['100.64.0.1', 'CGNAT'],
  ['100.100.100.200', 'CGNAT (Alibaba metadata)'],
  ['169.254.169.254', 'link-local (cloud metadata)'],
  ['192.0.0.192', 'IETF protocol assignments (Oracle metadata)'],
  ['224.0.0.251', 'multicast'],
  ['255.255.255.255', 'broadcast'],
  ['::1', 'IPv6 loopback'],
  ['::', 'IPv6 unspecified'],
  ['::ffff:127.0.0.1', 'IPv4-mapped loopback, dotted'],
  ['::ffff:7f00:1', 'IPv4-mapped loopback, hex'],
  ['::ffff:a9fe:a9fe', 'IPv4-mapped metadata address'],
  ['64:ff9b::a9fe:a9fe', 'NAT64 of the metadata address'],
  ['2002:7f00:1::', '6to4 of loopback'],
  ['::127.0.0.1', 'IPv4-compatible (deprecated)'],
  ['fd00:ec2::254', 'unique local (AWS IPv6 metadata)'],
  ['fe80::1', 'IPv6 link-local'],
  ['fe80::1%eth0', 'zone id'],
  ['ff02::1', 'IPv6 multicast'],
  ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'Teredo'],
  ['not-an-address', 'garbage'],
];

for (const [address, why] of refused) {
  test(`destination policy refuses ${address} (${why})`, () => {
    assert.notEqual(checkAddress(STRICT_DESTINATION_POLICY, address), undefined);
  });
}

test('destination policy accepts public addresses, IPv4 and IPv6, mapped or not', () => {
  for (const address of ['8.8.8.8', '1.1.1.1', '::ffff:8.8.8.8', '2606:4700:4700::1111', '172.32.0.1', '100.128.0.1']) {
    assert.equal(checkAddress(STRICT_DESTINATION_POLICY, address), undefined, address);
  }
});

test('destination policy: allowed CIDRs open internal ranges (mapped forms too); denied CIDRs win over allowed', () => {
  const policy = createDestinationPolicy({ allowedCidrs: ['127.0.0.1/32', '10.20.0.0/16'], deniedCidrs: ['10.20.30.0/24', '8.8.0.0/16'] });
  assert.equal(checkAddress(policy, '127.0.0.1'), undefined);
  assert.equal(checkAddress(policy, '::ffff:127.0.0.1'), undefined, 'the mapped form of an allowed address');
  assert.equal(checkAddress(policy, '127.0.0.2'), 'internal', 'only the allowed host');
  assert.equal(checkAddress(policy, '10.20.1.1'), undefined);
  assert.equal(checkAddress(policy, '10.20.30.1'), 'denied', 'denied wins over allowed');
  assert.equal(checkAddress(policy, '8.8.8.8'), 'denied', 'a public address can be denied (cluster range)');
  assert.equal(checkAddress(policy, '::ffff:8.8.8.8'), 'denied');
});

test('embeddedIPv4: mapped, NAT64 and 6to4 addresses carry an IPv4 address; others do not', () => {
  assert.equal(embeddedIPv4('::ffff:10.1.2.3'), '10.1.2.3');
  assert.equal(embeddedIPv4('::FFFF:0a01:0203'), '10.1.2.3');
  assert.equal(embeddedIPv4('64:ff9b::0a01:0203'), '10.1.2.3');
  assert.equal(embeddedIPv4('2002:0a01:0203::1'), '10.1.2.3');
  assert.equal(embeddedIPv4('2606:4700::1'), undefined);
  assert.equal(embeddedIPv4('1:2:3:4:5:6:7:8:9'), undefined);
});

test('parseCidrList: trims, skips empty entries, names the bad entry', () => {
  assert.deepEqual(parseCidrList(' 10.0.0.0/8, ,fd00::/8,192.0.2.7 '), ['10.0.0.0/8', 'fd00::/8', '192.0.2.7']);
  assert.deepEqual(parseCidrList(''), []);
  assert.throws(
    () => parseCidrList('10.0.0.0/33'),
    (e: unknown) => e instanceof CidrError && /10\.0\.0\.0\/33/.test(e.message),
  );
  assert.throws(() => parseCidrList('10.0.0.0/8x'), CidrError);
  assert.throws(() => parseCidrList('example.com'), CidrError);
});
