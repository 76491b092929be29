/**
 * Secrets the controller reads for a PresenceSync carry a label saying what they are for, so a custom resource cannot
 * point the controller at any Secret of its namespace (a confused deputy: an HMAC key made for something else would
 * sign payloads sent to a URL the object's author chose; a password made for something else would become a PBX token
 * the presence port answers 200 or 403 to, an oracle for guessing it). One purpose per Secret.
 *
 *   kubectl label secret pbx-hook teamssync.io/secret-purpose=webhook-signing
 *   kubectl label secret pbx-token teamssync.io/secret-purpose=pbx-token
 */

/** The label naming what a Secret is for. */
export const SecretPurposeLabel = 'teamssync.io/secret-purpose';

/** Values of {@link SecretPurposeLabel}. */
export const SecretPurpose = {
  /** PresenceSync `spec.webhook.hmacSecretRef`: the key that signs webhook deliveries. */
  WebhookSigning: 'webhook-signing',
  /** PresenceSync `spec.pbxEvents.tokenSecretRef` and `spec.stream.tokenSecretRef`: bearer tokens of the presence port. */
  PbxToken: 'pbx-token',
} as const;

export type SecretPurpose = (typeof SecretPurpose)[keyof typeof SecretPurpose];
