import type { PostalAddress } from '../domain/records';
import { addressTokens, isHouseNumberToken, normaliseAddress, normaliseCity, normalisePostcode, normaliseState } from './normalise';
import { MULTI_WORD_STATES, STATE_CODES, STREET_SUFFIXES, UNIT_DESIGNATORS, DIRECTIONALS } from './usps-tables';

/**
 * One-line US addresses as people and geocoders write them, into parts (normalised):
 *
 *   parseOneLineAddress("123 Main St Apt 4, Austin, TX 78701-1234")
 *     → { houseNumber: '123', street: 'MAIN ST', unit: 'APT 4', city: 'AUSTIN', state: 'TX', postcode: '78701' }
 *
 * Commas separate street, city and "state ZIP" when present. Without commas the street ends at
 * its last suffix (ST, AVE, …, with any post-directional and unit after it) and the city is what
 * follows. A trailing country ("USA") is dropped. Parts it cannot place are null, never guessed:
 * "123 Main Austin TX" has no suffix to end the street, so its city is unknown.
 */

const COUNTRY = /(?:,?\s*(?:USA|U\.S\.A\.?|US|UNITED STATES(?: OF AMERICA)?))\s*$/i;
/** State codes that are also street suffixes: only a state when a ZIP or a comma says so. */
const AMBIGUOUS_STATES = new Set(['CT', 'MT', 'PR']);

export function parseOneLineAddress(text: string): PostalAddress {
  const parts = text
    .replace(COUNTRY, '')
    .split(/[,;\n]+/)
    .map((part) => addressTokens(part))
    .filter((tokens) => tokens.length > 0);
  if (parts.length === 0) return normaliseAddress({});
  const hadCommas = parts.length > 1;

  let postcode: string | null = null;
  let state: string | null = null;
  const last = parts[parts.length - 1]!;
  const zipToken = last[last.length - 1];
  if (zipToken !== undefined && /^\d{5}(?:-\d{4})?$/.test(zipToken) && (last.length > 1 || parts.length > 1)) {
    postcode = normalisePostcode(zipToken);
    last.pop();
  }
  if (last.length === 0) parts.pop();

  const tail = parts[parts.length - 1];
  if (tail && (parts.length > 1 || tail.length > 2)) {
    const found = trailingState(tail, { commaBefore: hadCommas && tail.length <= 3, zipAfter: postcode !== null });
    if (found) {
      state = found.code;
      tail.splice(tail.length - found.words);
      if (tail.length === 0) parts.pop();
    }
  }

  let streetLine: string[];
  let city: string[] = [];
  let unit: string | null = null;
  if (parts.length >= 2) {
    // The street line is the first part that starts with a house number (a name may come first).
    const streetIndex = Math.max(0, parts.findIndex((p) => isHouseNumberToken(p[0]!)));
    streetLine = parts[streetIndex]!;
    const rest = parts.slice(streetIndex + 1);
    const unitPart = rest.find((p) => UNIT_DESIGNATORS.has(p[0]!));
    if (unitPart) unit = unitPart.join(' ');
    const cityParts = rest.filter((p) => p !== unitPart);
    city = cityParts[cityParts.length - 1] ?? [];
  } else {
    const split = splitStreetFromCity(parts[0] ?? []);
    streetLine = split.street;
    city = split.city;
  }

  const address = normaliseAddress({ street: streetLine.join(' '), unit });
  return {
    ...address,
    city: city.length > 0 ? normaliseCity(city.join(' ')) : null,
    state: state ?? null,
    postcode,
  };
}

function trailingState(tokens: readonly string[], context: { commaBefore: boolean; zipAfter: boolean }): { code: string; words: number } | null {
  for (const name of MULTI_WORD_STATES) {
    const words = name.split(' ');
    const fits = words.length < tokens.length || (words.length === tokens.length && context.commaBefore);
    if (fits && words.every((word, i) => tokens[tokens.length - words.length + i] === word)) {
      return { code: STATE_CODES.get(name)!, words: words.length };
    }
  }
  const lastToken = tokens[tokens.length - 1]!;
  const code = normaliseState(lastToken);
  if (code === null) return null;
  if (tokens.length === 1) return { code, words: 1 };
  if (AMBIGUOUS_STATES.has(lastToken) && !context.zipAfter && !context.commaBefore) return null;
  // "123 Main St Austin TX" without a ZIP: TX is a state only if it is not the street's own suffix.
  if (!context.zipAfter && STREET_SUFFIXES.has(lastToken)) return null;
  return { code, words: 1 };
}

/**
 * Suffixes that nearly always end a street. Weaker ones (FORT, LAKE, PARK, SPRINGS…) also start
 * many place names ("Fort Worth", "Lake Forest"), so a strong suffix wins over a weak one.
 */
const STRONG_SUFFIXES = new Set(['ST', 'AVE', 'RD', 'DR', 'LN', 'BLVD', 'CT', 'PL', 'CIR', 'TER', 'PKWY', 'HWY', 'WAY', 'TRL', 'LOOP', 'CV', 'XING']);

/** "123 N MAIN ST APT 4 AUSTIN" → street "123 N MAIN ST APT 4", city "AUSTIN". */
function splitStreetFromCity(tokens: readonly string[]): { street: string[]; city: string[] } {
  if (tokens.length === 0 || !isHouseNumberToken(tokens[0]!)) return { street: [...tokens], city: [] };
  const strength = (token: string | undefined) => {
    const suffix = token === undefined ? undefined : STREET_SUFFIXES.get(token);
    return suffix === undefined ? 0 : STRONG_SUFFIXES.has(suffix) ? 2 : 1;
  };
  for (const wanted of [2, 1]) {
    for (let i = 2; i < tokens.length; i++) {
      // Skip a suffix followed by one at least as strong: "LAKE SHORE DR", "PARK PLACE CT".
      if (strength(tokens[i]) !== wanted || strength(tokens[i + 1]) >= wanted) continue;
      let end = i + 1;
      if (end < tokens.length - 1 && DIRECTIONALS.has(tokens[end]!)) end += 1;
      if (end < tokens.length && UNIT_DESIGNATORS.has(tokens[end]!)) {
        end += 1;
        if (end < tokens.length - 1) end += 1; // the unit's number, if a city still follows
      }
      return { street: tokens.slice(0, end), city: tokens.slice(end) };
    }
  }
  return { street: [...tokens], city: [] };
}
