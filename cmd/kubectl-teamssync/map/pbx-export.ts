/**
 * Reads a PBX user export (CSV) into one record per user row, each with its row number in the file, so every
 * later rejection names the row an admin fixes in a spreadsheet. Header names are matched loosely (case, spaces,
 * `-`, `_`, `.` ignored) against the aliases below, because every PBX and every admin's spreadsheet spells them
 * differently; the documented names are the first of each list (docs/design/plugin-map.md).
 *
 * CSV itself (quotes, embedded commas and line breaks, a UTF-8 byte-order mark, `;` separators from European
 * spreadsheet locales) is read by csv-parse, never by hand.
 */
import { parse } from 'csv-parse/sync';

/** The fields of a mapping an export can fill. */
export type PbxField = 'name' | 'firstName' | 'lastName' | 'email' | 'extension' | 'number' | 'teamsUser' | 'voicemail' | 'pbxUserId';

/** Accepted header spellings per field, after {@link headerKey}. The first is the documented name. */
const HeaderAliases: Readonly<Record<PbxField, readonly string[]>> = {
  name: ['name', 'displayname', 'fullname', 'username', 'pbxuser', 'pbxusername'],
  firstName: ['firstname', 'givenname'],
  lastName: ['lastname', 'surname', 'familyname'],
  email: ['email', 'mail', 'emailaddress', 'pbxemail'],
  extension: ['extension', 'ext', 'extensionnumber', 'pbxextension'],
  number: ['number', 'phonenumber', 'phone', 'did', 'didnumber', 'directnumber', 'e164', 'telephonenumber', 'directdial'],
  teamsUser: ['teamsuser', 'teamsupn', 'teamsuserprincipalname', 'microsoftteamsuser', 'userprincipalname', 'upn', 'teamsobjectid', 'teams'],
  voicemail: ['voicemail', 'voicemailvariant', 'vm', 'voicemailpolicy', 'callingpolicy'],
  pbxUserId: ['pbxuserid', 'userid', 'id'],
};

/** One data row: its 1-based line-of-record number (the header is row 1) and its cells by field. */
export interface PbxRecord {
  readonly row: number;
  readonly cells: Partial<Record<PbxField, string>>;
}

/** The export read, or why it cannot be read at all (bad CSV, missing columns): nothing row-level then. */
export type PbxExport =
  { readonly ok: true; readonly records: readonly PbxRecord[]; readonly ignoredColumns: readonly string[] } | { readonly ok: false; readonly reason: string };

/** A header cell as compared with the aliases: lower case, without spaces, `-`, `_`, `.` or a byte-order mark. */
function headerKey(header: string): string {
  return header
    .replace(/^\ufeff/, '')
    .toLowerCase()
    .replace(/[\s\-_.]/g, '');
}

/** Which field each column fills (undefined = ignored), or the reason the header is unusable. */
function resolveHeader(header: readonly string[]): { fields: (PbxField | undefined)[]; ignored: string[] } | { reason: string } {
  const byAlias = new Map<string, PbxField>();
  for (const [field, aliases] of Object.entries(HeaderAliases) as [PbxField, readonly string[]][]) for (const a of aliases) byAlias.set(a, field);
  const fields: (PbxField | undefined)[] = [];
  const ignored: string[] = [];
  const seen = new Map<PbxField, string>();
  for (const cell of header) {
    const field = byAlias.get(headerKey(cell));
    const earlier = field === undefined ? undefined : seen.get(field);
    if (field !== undefined && earlier !== undefined)
      return { reason: `Columns ${JSON.stringify(earlier)} and ${JSON.stringify(cell)} both give the ${field}` };
    if (field === undefined) ignored.push(cell);
    else seen.set(field, cell);
    fields.push(field);
  }
  const missing: string[] = [];
  if (!seen.has('number')) missing.push('number');
  if (!seen.has('name') && !seen.has('firstName') && !seen.has('lastName')) missing.push('name (or first name / last name)');
  if (missing.length > 0) return { reason: `The header has no ${missing.join(' and no ')} column (found: ${header.map((h) => JSON.stringify(h)).join(', ')})` };
  return { fields, ignored };
}

/** Guesses the separator from the header line: `;` or a tab when the header has more of them than commas. */
function delimiterOf(text: string): string {
  const firstLine = text.slice(0, text.search(/\r?\n|$/));
  const count = (c: string): number => firstLine.split(c).length - 1;
  const [best] = [',', ';', '\t'].sort((a, b) => count(b) - count(a));
  return best ?? ',';
}

/**
 * Reads the export. Blank lines are skipped (row numbers still count them, as a spreadsheet does); cells are
 * trimmed; a row with more or fewer cells than the header is kept (missing cells read as empty) so its own
 * problems are reported with the others rather than failing the file.
 */
export function readPbxExport(text: string): PbxExport {
  let table: { record: string[]; info: { lines: number }; raw: string }[];
  try {
    const options = { bom: true, delimiter: delimiterOf(text), relax_column_count: true, skip_empty_lines: true, trim: true, info: true, raw: true };
    // csv-parse's types do not follow `info`/`raw`: with them each record is `{ record, info, raw }`.
    table = parse(text, options) as unknown as typeof table;
  } catch (error) {
    return { ok: false, reason: `The file is not readable as CSV: ${error instanceof Error ? error.message : String(error)}` };
  }
  const [header, ...rows] = table;
  if (header === undefined) return { ok: false, reason: 'The file is empty: expected a header line and one line per user' };
  const resolved = resolveHeader(header.record);
  if ('reason' in resolved) return { ok: false, reason: resolved.reason };
  const records = rows.map(({ record, info, raw }) => {
    const cells: Partial<Record<PbxField, string>> = {};
    resolved.fields.forEach((field, i) => {
      const value = record[i];
      if (field !== undefined && value !== undefined && value !== '') cells[field] = value;
    });
    return { row: startLine(info.lines, raw), cells };
  });
  return { ok: true, records, ignoredColumns: resolved.ignored };
}

/** The line a record starts on: csv-parse counts up to its end, which is later when a quoted cell spans lines. */
function startLine(endLine: number, raw: string): number {
  const body = raw.replace(/^[\r\n]+/, '').replace(/(\r\n|\r|\n)$/, '');
  return endLine - (body.match(/\r\n|\r|\n/g)?.length ?? 0);
}
