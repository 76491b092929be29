/**
 * Which network destinations the controller may send webhook deliveries to.
 *
 * A PresenceSync's webhook URL is written by whoever may edit the object (a customer's admin, support staff), but the
 * request leaves from the controller's pod: without a policy, the URL reaches the apiserver, cluster Services, the
 * node, or a cloud metadata address. So by default only https to public addresses is allowed; the operator opens
 * internal ranges (a PBX on a private network) explicitly, by CIDR.
 *
 * Order of the checks for one resolved address: `deniedCidrs` refuse → `allowedCidrs` accept → built-in internal
 * ranges refuse → accept. IPv4-mapped (::ffff:a.b.c.d), NAT64 (64:ff9b::/96) and 6to4 (2002::/16) IPv6 addresses are
 * checked as the IPv4 address they carry, so a mapped loopback is still loopback.
 */
import { BlockList, isIPv4, isIPv6 } from 'node:net';

/** The policy in force, built from daemon flags by {@link createDestinationPolicy}. */
export interface DestinationPolicy {
  /** Allow `http:` URLs (default false: https only, so the HMAC-signed body and presence data are not sent in clear). */
  readonly allowHttp: boolean;
  /** CIDRs accepted even inside the built-in internal ranges. */
  readonly allowed: BlockList;
  /** CIDRs always refused (e.g. the cluster's Service and Pod ranges when they are not private addresses). */
  readonly denied: BlockList;
}

/** Settings of {@link createDestinationPolicy}, as the flags give them. */
export interface DestinationPolicySettings {
  readonly allowHttp?: boolean;
  readonly allowedCidrs?: readonly string[];
  readonly deniedCidrs?: readonly string[];
}

/** A CIDR list entry the policy cannot use. */
export class CidrError extends Error {
  override readonly name = 'CidrError';
}

/** Built-in internal IPv4 ranges: never a PBX on the internet. */
const INTERNAL_V4 = [
  '0.0.0.0/8', // "this network"; 0.0.0.0 reaches the local host on Linux
  '10.0.0.0/8', // private
  '100.64.0.0/10', // carrier-grade NAT (also Alibaba's metadata address)
  '127.0.0.0/8', // loopback
  '169.254.0.0/16', // link-local, cloud metadata (169.254.169.254)
  '172.16.0.0/12', // private
  '192.0.0.0/24', // IETF protocol assignments (Oracle metadata 192.0.0.192)
  '192.0.2.0/24', // documentation
  '192.88.99.0/24', // 6to4 relay anycast
  '192.168.0.0/16', // private
  '198.18.0.0/15', // benchmarking
  '198.51.100.0/24', // documentation
  '203.0.113.0/24', // documentation
  '224.0.0.0/4', // multicast
  '240.0.0.0/4', // reserved, broadcast
] as const;

/**
 * Built-in internal IPv6 ranges. Mapped, NAT64 and 6to4 addresses are checked as IPv4; ::ffff:0:0/96 is not listed
 * because node's BlockList matches every IPv4 address against it.
 */
const INTERNAL_V6 = [
  '::/96', // unspecified, loopback, deprecated IPv4-compatible
  '64:ff9b:1::/48', // local-use NAT64
  '100::/64', // discard
  '2001::/32', // Teredo: the IPv4 address it carries is obfuscated, so it cannot be checked
  '2001:db8::/32', // documentation
  'fc00::/7', // unique local (private; AWS IPv6 metadata fd00:ec2::254)
  'fe80::/10', // link-local
  'fec0::/10', // deprecated site-local
  'ff00::/8', // multicast
] as const;

const internal = new BlockList();
for (const cidr of INTERNAL_V4) addCidr(internal, cidr);
for (const cidr of INTERNAL_V6) addCidr(internal, cidr);

function addCidr(list: BlockList, cidr: string): void {
  const slash = cidr.indexOf('/');
  const address = slash < 0 ? cidr : cidr.slice(0, slash);
  const family = isIPv4(address) ? 'ipv4' : isIPv6(address) ? 'ipv6' : undefined;
  if (family === undefined) throw new CidrError(`not an IP address or CIDR: ${cidr}`);
  const max = family === 'ipv4' ? 32 : 128;
  const prefix = slash < 0 ? max : Number(cidr.slice(slash + 1));
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max || !/^\d+$/.test(slash < 0 ? String(max) : cidr.slice(slash + 1))) {
    throw new CidrError(`bad prefix length in ${cidr}`);
  }
  list.addSubnet(address, prefix, family);
}

/**
 * Parses a comma-separated CIDR list (`10.20.0.0/16,fd00:1::/64`, a bare address means a single host).
 *
 * Gotchas: throws {@link CidrError} naming the bad entry, so a typo in a flag stops the daemon at start-up instead
 * of silently opening or closing a range.
 */
export function parseCidrList(text: string): string[] {
  const entries = text
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  const check = new BlockList();
  for (const entry of entries) addCidr(check, entry);
  return entries;
}

/** Builds the policy; throws {@link CidrError} on a bad CIDR. */
export function createDestinationPolicy(settings: DestinationPolicySettings = {}): DestinationPolicy {
  const allowed = new BlockList();
  const denied = new BlockList();
  for (const cidr of settings.allowedCidrs ?? []) addCidr(allowed, cidr);
  for (const cidr of settings.deniedCidrs ?? []) addCidr(denied, cidr);
  return { allowHttp: settings.allowHttp ?? false, allowed, denied };
}

/** The strict default: https to public addresses only. */
export const STRICT_DESTINATION_POLICY: DestinationPolicy = createDestinationPolicy();

/** Expands an IPv6 address (no zone) to its 8 16-bit groups; undefined when it does not parse. */
function ipv6Groups(address: string): number[] | undefined {
  let text = address;
  const lastColon = text.lastIndexOf(':');
  const dotted = text.slice(lastColon + 1);
  if (dotted.includes('.')) {
    // A trailing dotted quad (::ffff:127.0.0.1) is two groups written in decimal.
    if (!isIPv4(dotted)) return undefined;
    const [a = 0, b = 0, c = 0, d = 0] = dotted.split('.').map(Number);
    text = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const parse = (part: string): number[] =>
    part === '' ? [] : part.split(':').map((group) => (/^[0-9a-f]{1,4}$/i.test(group) ? Number.parseInt(group, 16) : Number.NaN));
  const head = parse(halves[0] ?? '');
  const rest = halves.length === 2 ? parse(halves[1] ?? '') : [];
  const known = head.length + rest.length;
  if (halves.length === 1 ? known !== 8 : known > 7) return undefined;
  const groups = [...head, ...new Array<number>(8 - known).fill(0), ...rest];
  return groups.some((group) => Number.isNaN(group)) ? undefined : groups;
}

function v4FromGroups(high: number, low: number): string {
  return `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
}

/** The IPv4 address an IPv6 address carries (mapped, NAT64 well-known prefix, 6to4), if any. */
export function embeddedIPv4(address: string): string | undefined {
  const groups = ipv6Groups(address.replace(/%.*$/, ''));
  if (groups === undefined) return undefined;
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = groups;
  if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0xffff) return v4FromGroups(g6, g7);
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) return v4FromGroups(g6, g7);
  if (g0 === 0x2002) return v4FromGroups(g1, g2);
  return undefined;
}

/** Why an address is refused, or undefined when it may be used. */
export type AddressVerdict = 'denied' | 'internal' | undefined;

/**
 * Checks one resolved address against the policy.
 *
 * When to use: on every address a webhook host resolves to, just before connecting to it.
 * Gotchas: anything that is not a plain IPv4/IPv6 literal (a zone id such as `fe80::1%eth0`, garbage) is refused as
 * internal.
 */
export function checkAddress(policy: DestinationPolicy, address: string): AddressVerdict {
  if (address.includes('%')) return 'internal'; // zone ids only exist on link-local addresses
  const family = isIPv4(address) ? 'ipv4' : isIPv6(address) ? 'ipv6' : undefined;
  if (family === undefined) return 'internal';
  const embedded = family === 'ipv6' ? embeddedIPv4(address) : undefined;
  const candidates: [string, 'ipv4' | 'ipv6'][] =
    embedded === undefined
      ? [[address, family]]
      : [
          [embedded, 'ipv4'],
          [address, family],
        ];
  if (candidates.some(([a, f]) => policy.denied.check(a, f))) return 'denied';
  if (candidates.some(([a, f]) => policy.allowed.check(a, f))) return undefined;
  if (candidates.some(([a, f]) => internal.check(a, f))) return 'internal';
  return undefined;
}
