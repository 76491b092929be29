/**
 * A self-signed serving certificate made at start-up, for the secure metrics endpoint when no certificate files are
 * given (controller-runtime does the same: scrapers then skip verification, as kubebuilder's ServiceMonitor does, or
 * the operator mounts a cert-manager certificate with --metrics-cert-file/--metrics-key-file).
 *
 * node:crypto parses certificates but cannot create them, and the image has no openssl, so the few DER structures
 * of one X.509 v3 certificate are written here (EC P-256, ECDSA-SHA256: generated in a millisecond).
 */
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { isIP } from 'node:net';
import { hostname } from 'node:os';

function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}
const tlv = (tag: number, content: Buffer): Buffer => Buffer.concat([Buffer.from([tag]), derLength(content.length), content]);
const seq = (...items: Buffer[]): Buffer => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]): Buffer => tlv(0x31, Buffer.concat(items));

function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const out: number[] = [40 * (parts[0] ?? 0) + (parts[1] ?? 0)];
  for (const part of parts.slice(2)) {
    const chunk: number[] = [part & 0x7f];
    for (let v = Math.floor(part / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift((v & 0x7f) | 0x80);
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

function utcTime(d: Date): Buffer {
  return tlv(0x17, Buffer.from(d.toISOString().replace(/[-:T]/g, '').slice(2, 14) + 'Z'));
}

function subjectAltNames(hosts: readonly string[]): Buffer {
  return seq(...hosts.map((h) => (isIP(h) === 4 ? tlv(0x87, Buffer.from(h.split('.').map(Number))) : tlv(0x82, Buffer.from(h)))));
}

/** A PEM certificate and its PKCS#8 private key. */
export interface ServingCertificate {
  readonly cert: string;
  readonly key: string;
}

/**
 * Creates a self-signed serving certificate for `hosts` (DNS names and IPv4 addresses), valid for a year.
 *
 * Gotchas: nothing trusts it; clients either skip verification or pin this very certificate.
 */
export function createSelfSignedCertificate(hosts: readonly string[] = ['localhost', '127.0.0.1', hostname()]): ServingCertificate {
  const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const serial = randomBytes(16);
  serial[0] = ((serial[0] ?? 0) & 0x3f) | 0x40; // positive and minimal: DER rejects a padded INTEGER
  const name = seq(set(seq(oid('2.5.4.3'), tlv(0x0c, Buffer.from(`teams-sync-controller metrics ${hosts[0] ?? ''}`.trim())))));
  const algorithm = seq(oid('1.2.840.10045.4.3.2'));
  const notBefore = new Date(Date.now() - 60 * 60 * 1000);
  const notAfter = new Date(Date.now() + 365 * 24 * 60 * 60 * 1000);
  const extensions = tlv(
    0xa3,
    seq(
      seq(oid('2.5.29.19'), tlv(0x01, Buffer.from([0xff])), tlv(0x04, seq())), // basicConstraints: not a CA, critical
      seq(oid('2.5.29.37'), tlv(0x04, seq(oid('1.3.6.1.5.5.7.3.1')))), // extKeyUsage: serverAuth
      seq(oid('2.5.29.17'), tlv(0x04, subjectAltNames([...new Set(hosts)]))),
    ),
  );
  const tbs = seq(
    tlv(0xa0, tlv(0x02, Buffer.from([2]))), // v3
    tlv(0x02, serial),
    algorithm,
    name,
    seq(utcTime(notBefore), utcTime(notAfter)),
    name,
    pair.publicKey.export({ type: 'spki', format: 'der' }),
    extensions,
  );
  const signature = sign('sha256', tbs, pair.privateKey);
  const der = seq(tbs, algorithm, tlv(0x03, Buffer.concat([Buffer.from([0]), signature])));
  const body = der
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .trimEnd();
  return {
    cert: `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`,
    key: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}
