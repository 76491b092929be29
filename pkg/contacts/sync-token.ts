/**
 * The directory's change token, `<epoch>.<sequence>`: the sequence is the store's change counter for one ContactSync,
 * and the epoch names one life of the store (a new database, or a ContactSync deleted and created again, starts a new
 * epoch). A PBX that presents a token of another epoch must read the listing again; one of this epoch only catches up.
 */

/** A parsed token. */
export interface SyncToken {
  readonly epoch: string;
  readonly seq: number;
}

const TOKEN = /^([a-z0-9]{1,32})\.([0-9]{1,15})$/;

/** `epoch.seq`. */
export function formatSyncToken(token: SyncToken): string {
  return `${token.epoch}.${String(token.seq)}`;
}

/** The token, or undefined when `text` is not one (answer 400, never guess). */
export function parseSyncToken(text: string): SyncToken | undefined {
  const match = TOKEN.exec(text);
  if (match === null) return undefined;
  const seq = Number(match[2]);
  return Number.isSafeInteger(seq) ? { epoch: match[1] ?? '', seq } : undefined;
}
