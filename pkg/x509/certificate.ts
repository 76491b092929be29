/**
 * X.509 certificates written with node:crypto and a tiny DER writer: node:crypto parses certificates but cannot
 * create them, and neither the image nor CI has the openssl CLI. Used by the daemon (a self-signed metrics certificate)
 * and by the Microsoft 365 simulator (its CA, serving and client certificates).
 */
import { createHash, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';

// ---- minimal ASN.1 DER writer -------------------------------------------------------------------------------

function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}
const tlv = (tag: number, content: Buffer): Buffer => Buffer.concat([Buffer.from([tag]), derLength(content.length), content]);
const seq = (...items: Buffer[]): Buffer => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]): Buffer => tlv(0x31, Buffer.concat(items));
const octets = (b: Buffer): Buffer => tlv(0x04, b);
const bits = (b: Buffer, unused = 0): Buffer => tlv(0x03, Buffer.concat([Buffer.from([unused]), b]));
const utf8 = (s: string): Buffer => tlv(0x0c, Buffer.from(s, 'utf8'));
const bool = (v: boolean): Buffer => tlv(0x01, Buffer.from([v ? 0xff : 0]));
const explicit = (n: number, content: Buffer): Buffer => tlv(0xa0 + n, content);

function integer(b: Buffer): Buffer {
  const first = b[0] ?? 0;
  return tlv(0x02, first & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b);
}

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

function time(d: Date): Buffer {
  const iso = d.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z'; // YYYYMMDDHHMMSSZ
  return d.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(iso.slice(2))) : tlv(0x18, Buffer.from(iso));
}

// ---- certificate assembly -----------------------------------------------------------------------------------

const OID = {
  commonName: '2.5.4.3',
  ecdsaSha256: '1.2.840.10045.4.3.2',
  rsaSha256: '1.2.840.113549.1.1.11',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectAltName: '2.5.29.17',
  subjectKeyId: '2.5.29.14',
  authorityKeyId: '2.5.29.35',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
} as const;

/** What one certificate says and who signs it. */
export interface CertificateSpec {
  readonly subjectCn: string;
  readonly issuerCn: string;
  readonly publicKey: KeyObject;
  /** The issuer's private key; the subject's own for a self-signed certificate. */
  readonly signingKey: KeyObject;
  readonly isCa: boolean;
  /** DNS names and IPv4 addresses for the subjectAltName extension. */
  readonly hosts?: readonly string[];
  readonly issuerPublicKey?: KeyObject;
  readonly validDays: number;
}

const name = (cn: string): Buffer => seq(set(seq(oid(OID.commonName), utf8(cn))));
const keyId = (k: KeyObject): Buffer =>
  createHash('sha1')
    .update(k.export({ type: 'spki', format: 'der' }))
    .digest();
const extension = (id: string, value: Buffer, critical = false): Buffer => seq(oid(id), ...(critical ? [bool(true)] : []), octets(value));

function subjectAltNames(hosts: readonly string[]): Buffer {
  const entries = hosts.map((h) => (isIP(h) === 4 ? tlv(0x87, Buffer.from(h.split('.').map(Number))) : tlv(0x82, Buffer.from(h))));
  return seq(...entries);
}

function extensions(spec: CertificateSpec): Buffer {
  const list = [
    extension(OID.basicConstraints, spec.isCa ? seq(bool(true)) : seq(), true),
    // CA: keyCertSign + cRLSign; leaf: digitalSignature + keyEncipherment.
    extension(OID.keyUsage, spec.isCa ? bits(Buffer.from([0x06]), 1) : bits(Buffer.from([0xa0]), 5), true),
    extension(OID.subjectKeyId, octets(keyId(spec.publicKey))),
    extension(OID.authorityKeyId, seq(tlv(0x80, keyId(spec.issuerPublicKey ?? spec.publicKey)))),
  ];
  if (!spec.isCa) list.push(extension(OID.extKeyUsage, seq(oid(OID.serverAuth), oid(OID.clientAuth))));
  if (spec.hosts && spec.hosts.length > 0) list.push(extension(OID.subjectAltName, subjectAltNames(spec.hosts)));
  return explicit(3, seq(...list));
}

function signatureAlgorithm(key: KeyObject): Buffer {
  return key.asymmetricKeyType === 'ec' ? seq(oid(OID.ecdsaSha256)) : seq(oid(OID.rsaSha256), tlv(0x05, Buffer.alloc(0)));
}

/**
 * Writes and signs one X.509 v3 certificate, as PEM: valid from an hour ago for `validDays`, a random positive serial,
 * ECDSA-SHA256 or RSA-SHA256 after the signing key. A CA gets keyCertSign; a leaf gets digitalSignature,
 * keyEncipherment, serverAuth and clientAuth.
 *
 * When to use: a serving or client certificate made at run time (the daemon's self-signed metrics certificate, the
 * simulator's CA and leaves). Gotchas: nothing trusts the result unless a client is given the issuer's certificate.
 */
export function buildCertificatePem(spec: CertificateSpec): string {
  const notBefore = new Date(Date.now() - 60 * 60 * 1000);
  const notAfter = new Date(Date.now() + spec.validDays * 24 * 60 * 60 * 1000);
  const serial = randomBytes(16);
  serial[0] = ((serial[0] ?? 0) & 0x3f) | 0x40; // positive and minimal: DER rejects a padded INTEGER
  const algorithm = signatureAlgorithm(spec.signingKey);
  const tbs = seq(
    explicit(0, integer(Buffer.from([2]))),
    integer(serial),
    algorithm,
    name(spec.issuerCn),
    seq(time(notBefore), time(notAfter)),
    name(spec.subjectCn),
    spec.publicKey.export({ type: 'spki', format: 'der' }),
    extensions(spec),
  );
  const signature = sign('sha256', tbs, spec.signingKey);
  const der = seq(tbs, algorithm, bits(signature));
  const body = der
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .trimEnd();
  return `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`;
}

/** A private key as PKCS#8 PEM. */
export const pemKey = (k: KeyObject): string => k.export({ type: 'pkcs8', format: 'pem' }).toString();
