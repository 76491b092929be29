/**
 * The simulator's certificates: a throw-away CA with a serving certificate, and apps' client certificates
 * (written by pkg/x509).
 */
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { buildCertificatePem, pemKey } from '../../x509/certificate.ts';
import { CLOUD_HOST_NAMES } from './cloud-hosts.ts';

/** A CA plus one server certificate for the given hosts (IPs and DNS names), as PEM. */
export interface SimulatorTls {
  caPem: string;
  certPem: string;
  keyPem: string;
}

/**
 * Generates a throw-away CA and a leaf certificate signed by it (EC P-256: instant to generate).
 * Gotchas: the leaf carries SANs for every host given; clients must trust `caPem` (NODE_EXTRA_CA_CERTS,
 * tls.setDefaultCACertificates, or an explicit `ca`).
 */
export function createSimulatorTls(hosts: readonly string[] = ['127.0.0.1', 'localhost']): SimulatorTls {
  const ca = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const leaf = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const caPem = buildCertificatePem({
    subjectCn: 'm365sim test CA',
    issuerCn: 'm365sim test CA',
    publicKey: ca.publicKey,
    signingKey: ca.privateKey,
    isCa: true,
    validDays: 30,
  });
  const certPem = buildCertificatePem({
    subjectCn: hosts[0] ?? 'localhost',
    issuerCn: 'm365sim test CA',
    publicKey: leaf.publicKey,
    signingKey: ca.privateKey,
    issuerPublicKey: ca.publicKey,
    isCa: false,
    // The national clouds' real names too: tests connect them to the simulator and keep them (cloud-hosts.ts).
    hosts: [...hosts, ...CLOUD_HOST_NAMES.filter((h) => !hosts.includes(h))],
    validDays: 30,
  });
  return { caPem, certPem, keyPem: pemKey(leaf.privateKey) };
}

/** An app's client certificate (RSA, self-signed) with the thumbprints msal-node and Entra use. */
export interface ClientCertificate {
  certificatePem: string;
  privateKeyPem: string;
  /** SHA-1 thumbprint, upper-case hex (msal-node `thumbprint`, JOSE `x5t`). */
  thumbprintSha1: string;
  /** SHA-256 thumbprint, upper-case hex (msal-node `thumbprintSha256`, JOSE `x5t#S256`). */
  thumbprintSha256: string;
}

/** Creates a self-signed RSA-2048 certificate for certificate-credential tests; register its PEM in the app seed. */
export function createClientCertificate(commonName = 'm365sim client'): ClientCertificate {
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const certificatePem = buildCertificatePem({
    subjectCn: commonName,
    issuerCn: commonName,
    publicKey: pair.publicKey,
    signingKey: pair.privateKey,
    isCa: false,
    validDays: 30,
  });
  const x509 = new X509Certificate(certificatePem);
  return {
    certificatePem,
    privateKeyPem: pemKey(pair.privateKey),
    thumbprintSha1: x509.fingerprint.replace(/:/g, ''),
    thumbprintSha256: x509.fingerprint256.replace(/:/g, ''),
  };
}
