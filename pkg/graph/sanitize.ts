/**
 * Scrubs text that may end up in an error message, a log line, a condition or a metric label.
 *
 * Removes: query strings of URLs (they carry skip/delta tokens and, for the token endpoint, assertions), bearer
 * tokens, JWT-shaped strings, `name=value` pairs of OAuth secrets, and every string registered with
 * `registerSecret` (what `Redacted.of` wraps).
 */

const MIN_SECRET_LENGTH = 6;
/** Each known secret with the number of live holders (wrappers) that registered it. */
const knownSecrets = new Map<string, number>();
/**
 * A secret is forgotten once every holder that registered it was garbage collected: the set holds the
 * secrets this process still has, not one more entry per rotated token for ever (every `sanitize`
 * call scans it).
 */
const holdersGone = new FinalizationRegistry<string>((secret) => {
  const holders = (knownSecrets.get(secret) ?? 1) - 1;
  if (holders <= 0) knownSecrets.delete(secret);
  else knownSecrets.set(secret, holders);
});

/**
 * Remembers a raw secret so `sanitize` removes it wherever it appears, for as long as `holder` lives
 * (for ever without one). Short strings are ignored (too noisy).
 */
export function registerSecret(secret: string, holder?: object): void {
  if (secret.length < MIN_SECRET_LENGTH) return;
  knownSecrets.set(secret, (knownSecrets.get(secret) ?? 0) + (holder === undefined ? Number.POSITIVE_INFINITY : 1));
  if (holder !== undefined) holdersGone.register(holder, secret);
}

const URL_QUERY = /(https?:\/\/[^\s'"?#]+)\?[^\s'")]*/gi;
const BEARER = /\bbearer\s+[A-Za-z0-9._~+/=-]+/gi;
const JWT = /\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g;
const OAUTH_PAIRS =
  /\b(client_secret|client_assertion|assertion|refresh_token|access_token|id_token|code|device_code|password|\$skiptoken|\$deltatoken)=[^&\s'"]*/gi;
const PEM = /-----BEGIN [A-Z ]+-----[\s\S]*?-----END [A-Z ]+-----/g;

/** Returns `text` with secrets, tokens and query strings replaced by placeholders. */
export function sanitize(text: string): string {
  let out = text
    .replace(PEM, '<pem>')
    .replace(URL_QUERY, '$1?<query>')
    .replace(BEARER, 'Bearer <token>')
    .replace(JWT, '<jwt>')
    .replace(OAUTH_PAIRS, '$1=<redacted>');
  for (const secret of knownSecrets.keys()) {
    if (out.includes(secret)) out = out.split(secret).join('<redacted>');
  }
  return out;
}
