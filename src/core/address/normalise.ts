import type { PostalAddress } from '../domain/records';
import { DIRECTIONALS, NAME_WORDS, STANDALONE_UNITS, STATE_CODES, STREET_SUFFIXES, UNIT_DESIGNATORS } from './usps-tables';

/**
 * USPS-style address normalisation (Publication 28), so that one house described by OSM, a county
 * parcel layer, a permit portal and a user's spreadsheet gets one key:
 *
 *   normaliseAddress(loose)  → PostalAddress, every part upper case and standardised
 *   addressKey(loose)        → "123 N MAIN ST|78701" (or "…|AUSTIN TX"), or null when too
 *                              incomplete to match safely (needs a house number, a street, and a
 *                              ZIP or a city with its state)
 *   streetKeyOf(loose)       → "123 N MAIN ST|": the part of the key before the locality
 *
 * Rules: upper case; accents and punctuation dropped (apostrophes join: O'BRIEN → OBRIEN); street
 * suffix and directionals abbreviated (AVENUE → AVE, NORTH → N, NORTH WEST → NW) where they are a
 * suffix or directional and not the name itself ("NORTH ST" stays, "E ST" stays); SAINT/FORT/MOUNT
 * and ordinals FIRST…TWELFTH written short; unit designators standardised (SUITE → STE, "#4" →
 * "# 4"); state names → codes; ZIP+4 → ZIP5, and a ZIP that lost its leading zeros in a spreadsheet
 * (2134) padded back; a house number range of one building ("123-125") keys on its low number,
 * while a Queens-style "45-12" is kept whole; fractions ("12 1/2") and letters ("12A") are kept.
 *
 * Note: the unit is kept on the record but is NOT part of the key: a property here is a building
 * with one roof, so "APT 1" and "APT 2" of one address are the same lead.
 */

/** An address as it arrives from a file or a source: any part may be missing or messy. */
export interface LooseAddress {
  houseNumber?: string | number | null;
  street?: string | null;
  unit?: string | null;
  city?: string | null;
  state?: string | null;
  postcode?: string | number | null;
}

/** Upper-case tokens: accents, punctuation and repeated spaces gone; '#', '/' and '-' kept. */
export function addressTokens(text: string | number | null | undefined): string[] {
  if (text === null || text === undefined) return [];
  return String(text)
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toUpperCase()
    .replace(/['’`]/g, '')
    .replace(/#/g, ' # ')
    .replace(/[^A-Z0-9/# -]+/g, ' ')
    .replace(/(^|\s)-+|-+(?=\s|$)/g, ' ')
    .split(/\s+/)
    .filter((token) => token.length > 0);
}

const HOUSE_NUMBER = /^\d+[A-Z]?(?:-\d+[A-Z]?)?$/;
const GRID_HOUSE_NUMBER = /^[NSEW]\d+[NSEW]\d+$/; // Wisconsin/Illinois grid numbers: N123W456
const FRACTION = /^\d\/\d{1,2}$/;
const HAS_DIGIT = /\d/;
/** The most a "123-125" range may span and still be one building's numbers. */
const MAX_RANGE_SPAN = 20;

export function isHouseNumberToken(token: string): boolean {
  return HOUSE_NUMBER.test(token) || GRID_HOUSE_NUMBER.test(token);
}

/**
 * Reads a house number from the front of `tokens`; returns it and how many tokens it used
 * (0 when the tokens do not start with one).
 */
export function readHouseNumber(tokens: readonly string[], options: { wholeField?: boolean } = {}): { houseNumber: string | null; used: number } {
  const first = tokens[0];
  if (first === undefined || !isHouseNumberToken(first)) return { houseNumber: null, used: 0 };
  let number = first;
  let used = 1;
  const range = /^(\d+)-(\d+)$/.exec(number);
  if (range) {
    const low = Number(range[1]);
    const high = Number(range[2]);
    if (high > low && high - low <= MAX_RANGE_SPAN && (high - low) % 2 === 0) number = range[1]!;
  }
  // "123 A MAIN ST": a lone letter after the number is part of it, unless it is the whole street
  // ("123 E" alone) or a directional before a name ("123 E MAIN ST").
  const next = tokens[1];
  const letterIsStreetName = tokens.length === 3 && STREET_SUFFIXES.has(tokens[2]!); // "123 B ST"
  if (next !== undefined && /^[A-Z]$/.test(next) && /^\d+$/.test(number) && !DIRECTIONALS.has(next) && (tokens.length > 2 || options.wholeField) && !letterIsStreetName) {
    number += next;
    used += 1;
  } else if (next !== undefined && FRACTION.test(next)) {
    number += ` ${next}`;
    used += 1;
  }
  return { houseNumber: number, used };
}

/** Splits "MAIN ST APT 4B" into the street tokens and the unit ("APT 4B"), if any. */
function splitUnit(tokens: readonly string[]): { street: string[]; unit: string | null } {
  for (let i = 1; i < tokens.length; i++) {
    const designator = UNIT_DESIGNATORS.get(tokens[i]!);
    if (designator === undefined) continue;
    const rest = tokens.slice(i + 1);
    if (designator === '#' && tokens[i] !== '#' && (rest.length !== 1 || !HAS_DIGIT.test(rest[0]!))) continue; // "NO" / "NUMBER" only before a number
    if (rest.length === 0 && !STANDALONE_UNITS.has(designator)) continue;
    if (rest.length > 2) continue; // a designator word inside a longer name, not a unit
    // Note: TRAILER and LOT are suffixes too; as the last word with nothing after them they name the street.
    return { street: tokens.slice(0, i), unit: formatUnit(designator, rest) };
  }
  return { street: [...tokens], unit: null };
}

function formatUnit(designator: string, rest: readonly string[]): string {
  const id = rest.filter((token) => token !== '#').join('');
  return id ? `${designator} ${id}` : designator;
}

/** "Apt. 4b", "#4B", "Suite 200", "4B" → "APT 4B", "# 4B", "STE 200", "# 4B". */
export function normaliseUnit(text: string | null | undefined): string | null {
  const tokens = addressTokens(text);
  if (tokens.length === 0) return null;
  const designator = UNIT_DESIGNATORS.get(tokens[0]!);
  if (designator !== undefined) {
    const unit = formatUnit(designator, tokens.slice(1));
    return unit === '#' ? null : unit;
  }
  return `# ${tokens.join('')}`;
}

/** The street part: directionals and suffix abbreviated where they are not the name itself. */
export function normaliseStreetTokens(input: readonly string[]): string[] {
  let tokens = joinTwoWordDirectionals(input);
  let pre: string | null = null;
  let post: string | null = null;
  const isSuffix = (token: string | undefined) => token !== undefined && STREET_SUFFIXES.has(token);

  if (tokens.length >= 2 && DIRECTIONALS.has(tokens[0]!)) {
    const restIsOnlySuffix = tokens.length === 2 && isSuffix(tokens[1]);
    if (!restIsOnlySuffix) {
      pre = DIRECTIONALS.get(tokens[0]!)!;
      tokens = tokens.slice(1);
    }
  }
  if (tokens.length >= 2 && DIRECTIONALS.has(tokens[tokens.length - 1]!)) {
    const before = tokens[tokens.length - 2]!;
    // "MAIN ST NW", "HWY 290 W": a directional after a suffix or a route number is a post-directional.
    if (isSuffix(before) || HAS_DIGIT.test(before) || tokens.length >= 3) {
      post = DIRECTIONALS.get(tokens[tokens.length - 1]!)!;
      tokens = tokens.slice(0, -1);
    }
  }
  const last = tokens.length - 1;
  const out = tokens.map((token, i) => {
    const suffix = STREET_SUFFIXES.get(token);
    if (suffix !== undefined && i === last && (i > 0 || post !== null)) return suffix;
    // "COUNTY ROAD 12", "STATE HIGHWAY 71": a suffix word before a route number.
    if (suffix !== undefined && i < last && HAS_DIGIT.test(tokens[i + 1]!)) return suffix;
    if (i === last && i > 0) return token;
    return NAME_WORDS.get(token) ?? token;
  });
  return [...(pre ? [pre] : []), ...out, ...(post ? [post] : [])];
}

function joinTwoWordDirectionals(tokens: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const pair = `${tokens[i]}${tokens[i + 1] ?? ''}`;
    if ((i === 0 || i === tokens.length - 2) && tokens.length > 2 && /^(NORTH|SOUTH)(EAST|WEST)$/.test(pair)) {
      out.push(pair);
      i += 1;
    } else {
      out.push(tokens[i]!);
    }
  }
  return out;
}

export function normaliseCity(text: string | null | undefined): string | null {
  const tokens = addressTokens(text).filter((token) => token !== '#');
  if (tokens.length === 0) return null;
  return tokens.map((token) => (['SAINT', 'FORT', 'MOUNT', 'SAINTE'].includes(token) ? NAME_WORDS.get(token)! : token)).join(' ');
}

/** "Texas", "tx", "Tex." → "TX"; anything that is not a US state or territory → null. */
export function normaliseState(text: string | null | undefined): string | null {
  const name = addressTokens(text).join(' ');
  return STATE_CODES.get(name) ?? null;
}

/** "78701-1234", "787011234", 78701 → "78701"; "2134" (a spreadsheet ate the zero) → "02134". */
export function normalisePostcode(text: string | number | null | undefined): string | null {
  if (text === null || text === undefined) return null;
  const value = String(text).trim();
  const five = /^(\d{5})(?:[-\s]?\d{4})?$/.exec(value)?.[1] ?? (/^(\d{4})(?:-\d{4})?$/.exec(value)?.[1] ? `0${value.slice(0, 4)}` : null);
  if (five !== null) return five === '00000' ? null : five;
  // A number cell that started "005…" (Holtsville, NY) keeps only three digits.
  return typeof text === 'number' && /^\d{3}$/.test(value) ? `00${value}` : null;
}

/**
 * Every part standardised. A street that starts with its house number ("123 Main St", as many
 * files give it) is split; a unit inside the street ("Main St Apt 4") is moved to `unit`.
 */
export function normaliseAddress(address: LooseAddress): PostalAddress {
  const split = splitUnit(addressTokens(address.street));
  let houseNumber: string | null = null;
  let streetTokens = split.street.filter((token) => token !== '#');
  const numberTokens = addressTokens(address.houseNumber);
  if (numberTokens.length > 0) {
    const read = readHouseNumber(numberTokens, { wholeField: true });
    houseNumber = read.houseNumber;
    // "123 MAIN ST" given as the house number: the rest is the street.
    if (houseNumber && read.used < numberTokens.length && streetTokens.length === 0) streetTokens = numberTokens.slice(read.used);
  } else if (streetTokens.length > 1) {
    const read = readHouseNumber(streetTokens);
    if (read.used > 0 && read.used < streetTokens.length) {
      houseNumber = read.houseNumber;
      streetTokens = streetTokens.slice(read.used);
    }
  }
  const street = normaliseStreetTokens(streetTokens).join(' ');
  return {
    houseNumber: houseNumber === null ? null : houseNumber.slice(0, 40),
    street: street.length > 0 ? street.slice(0, 200) : null,
    unit: normaliseUnit(address.unit) ?? split.unit,
    city: normaliseCity(address.city)?.slice(0, 120) ?? null,
    state: normaliseState(address.state),
    postcode: normalisePostcode(address.postcode),
  };
}

/** The locality part of a key: the ZIP when known, else city and state together. */
function localityOf(address: PostalAddress): string | null {
  if (address.postcode) return address.postcode;
  if (address.city && address.state) return `${address.city} ${address.state}`;
  return null;
}

/** "123 N MAIN ST|", or null without a house number and a street. */
export function streetKeyOf(address: LooseAddress): string | null {
  const normal = normaliseAddress(address);
  return normalStreetKey(normal);
}

function normalStreetKey(normal: PostalAddress): string | null {
  if (!normal.houseNumber || !normal.street || !/[A-Z0-9]/.test(normal.street)) return null;
  if (/^P ?O BOX\b/.test(normal.street)) return null;
  return `${normal.houseNumber} ${normal.street}|`;
}

export function addressKey(address: LooseAddress): string | null {
  const normal = normaliseAddress(address);
  return keyOfNormalised(normal);
}

/** The key of an address already normalised (skips normalising twice). */
export function keyOfNormalised(normal: PostalAddress): string | null {
  const street = normalStreetKey(normal);
  const locality = localityOf(normal);
  return street && locality ? `${street}${locality}` : null;
}
