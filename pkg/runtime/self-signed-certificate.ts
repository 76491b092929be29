/**
 * A self-signed serving certificate made at start-up, for the secure metrics endpoint when no certificate files are
 * given (controller-runtime does the same: scrapers then skip verification, as kubebuilder's ServiceMonitor does, or
 * the operator mounts a cert-manager certificate with --metrics-cert-file/--metrics-key-file).
 */
import { generateKeyPairSync } from 'node:crypto';
import { hostname } from 'node:os';
import { buildCertificatePem, pemKey } from '../x509/certificate.ts';

/** A PEM certificate and its PKCS#8 private key. */
export interface ServingCertificate {
  readonly cert: string;
  readonly key: string;
}

/**
 * Creates a self-signed serving certificate for `hosts` (DNS names and IPv4 addresses), valid for a year
 * (EC P-256, generated in a millisecond).
 *
 * Gotchas: nothing trusts it; clients either skip verification or pin this very certificate.
 */
export function createSelfSignedCertificate(hosts: readonly string[] = ['localhost', '127.0.0.1', hostname()]): ServingCertificate {
  const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const commonName = `teams-sync-controller metrics ${hosts[0] ?? ''}`.trim();
  const cert = buildCertificatePem({
    subjectCn: commonName,
    issuerCn: commonName,
    publicKey: pair.publicKey,
    signingKey: pair.privateKey,
    isCa: false,
    hosts: [...new Set(hosts)],
    validDays: 365,
  });
  return { cert, key: pemKey(pair.privateKey) };
}
