/**
 * One PBX export row → the UserLicenseMapping it asks for, with a stable object name, so a re-run of the same
 * export names the same objects (idempotent) and a changed row is recognised as a change, not a new user.
 *
 * Only what the API cannot judge is judged here (which column is which, a number's formatting, the voicemail
 * spelling of a given PBX); every field rule (patterns, lengths, enums, CEL) is left to the apiserver's
 * server-side dry run, the one source of those rules.
 */
import { createHash } from 'node:crypto';
import { ApiVersion, VoicemailValues, type UserLicenseMapping, type VoicemailVariant } from '../../../pkg/apis/teamssync/v1alpha1/index.ts';
import { UserLicenseMappingResource } from '../../../controllers/shared/resources.ts';
import type { PbxRecord } from './pbx-export.ts';
import { normalizeNumber } from './phone-number.ts';

/** What a row asks for: the object to create and the keys that must be unique among a tenant's mappings. */
export interface MappingCandidate {
  readonly row: number;
  readonly mapping: NewMapping;
  /** Canonical E.164 number, lower-case e-mail and Teams user (UPN or object id); absent when empty. */
  readonly keys: { readonly number: string; readonly email?: string | undefined; readonly teamsUser?: string | undefined };
}

/** A mapping as created (no status, no server-set metadata). */
export type NewMapping = Omit<UserLicenseMapping, 'status'>;

/** A row that cannot become a mapping, with every reason (an admin fixes them all in one pass). */
export interface RowRejection {
  readonly row: number;
  /** The object name the row would have had, when it could be formed. */
  readonly name?: string | undefined;
  readonly reasons: readonly string[];
}

/** What the rows are read with. */
export interface RowOptions {
  readonly namespace: string;
  readonly tenant: string;
  /** ISO 3166 country for national numbers (`--country`). */
  readonly country?: string | undefined;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Cells that mean "not mapped to anyone" (the portals' None entry). */
const UNMAPPED = new Set(['', 'none', '-', 'n/a', 'unmapped']);
/** Voicemail spellings seen in PBX exports and spreadsheets, after lower-casing and dropping spaces, `-`, `_`. */
const VOICEMAIL_ALIASES: Readonly<Record<string, VoicemailVariant>> = {
  yes: 'Voicemail',
  y: 'Voicemail',
  true: 'Voicemail',
  on: 'Voicemail',
  vm: 'Voicemail',
  no: 'NoVoicemail',
  n: 'NoVoicemail',
  false: 'NoVoicemail',
  off: 'NoVoicemail',
  novm: 'NoVoicemail',
  novmorforward: 'NoVoicemailOrForwarding',
  novmorforwarding: 'NoVoicemailOrForwarding',
  novoicemailorforward: 'NoVoicemailOrForwarding',
};

/** The API's voicemail value for a cell (empty = the API default), or undefined when unknown. */
export function voicemailVariant(cell: string | undefined): VoicemailVariant | undefined {
  const key = (cell ?? '').toLowerCase().replace(/[\s\-_]/g, '');
  if (key === '') return 'Voicemail';
  return VoicemailValues.find((v) => v.toLowerCase() === key) ?? VOICEMAIL_ALIASES[key];
}

/**
 * The object name of a row: `<tenant>-<extension>` (an extension names one PBX user for good), else
 * `<tenant>-<number digits>`. Lower-cased, anything outside [a-z0-9-] becomes `-`; a name over 253 characters
 * keeps a hash of itself instead of its tail.
 */
export function mappingName(tenant: string, extension: string | undefined, number: string): string {
  const id = extension !== undefined && extension !== '' ? extension : number.replace(/\D/g, '');
  const name = `${tenant}-${id}`
    .toLowerCase()
    .replace(/[^a-z0-9.-]/g, '-')
    .replace(/-+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '');
  if (name.length <= 253) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 10);
  return `${name.slice(0, 242).replace(/[-.]+$/, '')}-${hash}`;
}

/** The Teams user reference of a cell: object id for a GUID, else a UPN; undefined for "not mapped". */
function teamsUserOf(cell: string | undefined): NewMapping['spec']['teamsUser'] {
  const value = (cell ?? '').trim();
  if (UNMAPPED.has(value.toLowerCase())) return undefined;
  return GUID.test(value) ? { objectId: value.toLowerCase() } : { userPrincipalName: value };
}

function displayNameOf(cells: PbxRecord['cells']): string | undefined {
  const joined = [cells.firstName, cells.lastName].filter((p) => p !== undefined).join(' ');
  return cells.name ?? (joined === '' ? undefined : joined);
}

/** The candidate of one row, or why it cannot be one. */
export function mappingOfRow(record: PbxRecord, options: RowOptions): MappingCandidate | RowRejection {
  const { cells, row } = record;
  const reasons: string[] = [];
  const displayName = displayNameOf(cells);
  if (displayName === undefined) reasons.push('The name is empty');
  const number = normalizeNumber(cells.number ?? '', options.country);
  if (!number.ok) reasons.push(number.reason);
  const voicemail = voicemailVariant(cells.voicemail);
  if (voicemail === undefined) {
    reasons.push(`Unknown voicemail variant ${JSON.stringify(cells.voicemail)}: use ${VoicemailValues.join(', ')} (or yes / no / NoVMOrForward)`);
  }
  const name = number.ok ? mappingName(options.tenant, cells.extension, number.number) : undefined;
  if (reasons.length > 0 || !number.ok || displayName === undefined || voicemail === undefined || name === undefined) return { row, name, reasons };
  const teamsUser = teamsUserOf(cells.teamsUser);
  const mapping: NewMapping = {
    apiVersion: ApiVersion,
    kind: UserLicenseMappingResource.kind as 'UserLicenseMapping',
    metadata: { name, namespace: options.namespace },
    spec: {
      tenantRef: { name: options.tenant },
      pbxUser: {
        displayName,
        ...(cells.email === undefined ? {} : { email: cells.email }),
        ...(cells.extension === undefined ? {} : { extension: cells.extension }),
        phoneNumber: number.number,
        voicemail,
        ...(cells.pbxUserId === undefined ? {} : { pbxUserId: cells.pbxUserId }),
      },
      ...(teamsUser === undefined ? {} : { teamsUser }),
      suspend: false,
    },
  };
  const teamsKey = teamsUser === undefined ? undefined : 'objectId' in teamsUser ? teamsUser.objectId : teamsUser.userPrincipalName;
  return { row, mapping, keys: { number: number.number, email: cells.email?.toLowerCase(), teamsUser: teamsKey?.toLowerCase() } };
}

/** True for a candidate (as opposed to a rejection). */
export function isCandidate(value: MappingCandidate | RowRejection): value is MappingCandidate {
  return 'mapping' in value;
}
