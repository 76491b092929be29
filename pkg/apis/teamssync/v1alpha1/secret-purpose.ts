/**
 * Secrets the controller reads for a purpose other than Microsoft 365 credentials carry a label saying so, so a
 * custom resource cannot point the controller at any Secret of its namespace (a confused deputy: an HMAC key made
 * for something else would sign payloads sent to a URL the object's author chose).
 *
 *   kubectl label secret pbx-hook teamssync.io/secret-purpose=webhook-signing
 */

/** The label naming what a Secret is for. */
export const SecretPurposeLabel = 'teamssync.io/secret-purpose';

/** Values of {@link SecretPurposeLabel}. */
export const SecretPurpose = {
  /** PresenceSync `spec.webhook.hmacSecretRef`: the key that signs webhook deliveries. */
  WebhookSigning: 'webhook-signing',
} as const;

export type SecretPurpose = (typeof SecretPurpose)[keyof typeof SecretPurpose];
