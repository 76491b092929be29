/**
 * Phone numbers as the PBX dials them: E.164 (`+14255550100`), normalised with libphonenumber-js (Google's
 * libphonenumber metadata, maintained upstream) rather than hand-written rules, so "(425) 555-0100", "+1 425 555 0100"
 * and "tel:+14255550100" are one number and match across sources.
 */
import { createRequire } from 'node:module';
import type { CountryCode } from 'libphonenumber-js';

type LibPhoneNumber = typeof import('libphonenumber-js');
let libPhoneNumber: LibPhoneNumber | undefined;

/**
 * libphonenumber-js, loaded on first use: its metadata costs several MiB of RSS and only a ContactSync reads phone
 * numbers, so a daemon without one (most of a presence-only or mapping-only fleet) never pays for it.
 */
function phoneNumbers(): LibPhoneNumber {
  libPhoneNumber ??= createRequire(import.meta.url)('libphonenumber-js') as LibPhoneNumber;
  return libPhoneNumber;
}

/**
 * The E.164 form of `raw`, or undefined when it is not a valid number.
 *
 * When to use: every phone number read from Graph (directory and personal contacts) before it is stored or matched.
 * Gotchas: `defaultRegion` (ISO 3166-1 alpha-2) applies only to numbers written without a country code; an
 * extension ("ext. 12") is dropped, since the PBX directory matches and dials the main number.
 */
export function normalisePhoneNumber(raw: string, defaultRegion: string): string | undefined {
  const trimmed = raw.trim();
  if (trimmed === '') return undefined;
  const parsed = phoneNumbers().parsePhoneNumberFromString(trimmed, defaultRegion.toUpperCase() as CountryCode);
  return parsed?.isValid() === true ? parsed.number : undefined;
}
