/**
 * A PBX export's phone number in the API's E.164 form. PBX exports write numbers the way people read them
 * (`+1 (425) 555-0100`, `0044 20 7946 0000`, `tel:+14255550100`, a national `020 7946 0000`), the API takes only
 * `+` and digits (pkg/apis E164Pattern, the one rule). Formatting is stripped here; a national number needs the
 * export's country (`--country GB`), read with libphonenumber-js. Whether the result is E.164 is decided by the
 * API's own pattern, never a second copy of it.
 */
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import { E164 } from '../../../pkg/apis/teamssync/v1alpha1/index.ts';
import { canonicalNumber } from '../../../controllers/shared/mapping-types.ts';

/** A normalised number, or why the text is not one. */
export type NumberResult = { readonly ok: true; readonly number: string } | { readonly ok: false; readonly reason: string };

/** Visual separators people put in numbers: spaces (incl. no-break), dashes, dots, slashes, parentheses. */
const SEPARATORS = /[\s\u00a0().\-/]/g;

/**
 * The E.164 form of `text`. `country` (ISO 3166 alpha-2) reads numbers without `+`/`00` as national numbers of
 * that country; without it they are refused, since guessing a country would map the wrong person's number.
 */
export function normalizeNumber(text: string, country?: string): NumberResult {
  const compact = canonicalNumber(text).replace(SEPARATORS, '');
  if (compact === '') return { ok: false, reason: 'The number is empty' };
  const international = compact.startsWith('00') ? `+${compact.slice(2)}` : compact;
  if (international.startsWith('+')) {
    return E164.test(international) ? { ok: true, number: international } : { ok: false, reason: notE164(text) };
  }
  if (country === undefined) {
    return { ok: false, reason: `${notE164(text)}; it has no country code: write it as +<country code><number> or pass --country` };
  }
  const parsed = parsePhoneNumberFromString(international, country.toUpperCase() as CountryCode);
  if (parsed?.isValid() !== true) return { ok: false, reason: `${JSON.stringify(text)} is not a valid ${country.toUpperCase()} number` };
  return E164.test(parsed.number) ? { ok: true, number: parsed.number } : { ok: false, reason: notE164(text) };
}

function notE164(text: string): string {
  return `${JSON.stringify(text)} is not an E.164 number such as +14255550100`;
}
