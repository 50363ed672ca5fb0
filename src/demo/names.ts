import { Stream } from './random';

/**
 * Names in the demo town. The town, its county and its streets are invented, so no address the
 * demo shows is anyone's real home; the place (north of Dallas, Texas, in hail country) is real
 * so storms, values and census figures look like the ones a rep there would see.
 */

export const DEMO_TOWN = 'Bramblecrest';
export const DEMO_COUNTY = 'Larkin';
export const DEMO_STATE = 'TX';
export const DEMO_STATE_NAME = 'Texas';
export const DEMO_STATE_FIPS = '48';
/** Not a real Texas county code (those are odd numbers up to 507), so no real tract is shadowed. */
export const DEMO_COUNTY_FIPS = '511';
/** The forecast office that would log the storm reports (Fort Worth covers north Texas). */
export const DEMO_WFO = 'FWD';

const STREET_WORDS = [
  'Amberleaf', 'Briarwick', 'Cobblefen', 'Dovetail', 'Emberly', 'Fernhollow', 'Gildenbrook', 'Hazelmere', 'Ivorybell', 'Juniperwick',
  'Kestrelby', 'Larkspire', 'Marrowfield', 'Nettlecombe', 'Orchardine', 'Pebblemoor', 'Quillfeather', 'Rosethorn', 'Saddlebrook', 'Thistlewood',
  'Umberdale', 'Velvetgrass', 'Willowmere', 'Yarrowfield', 'Zephyrdale', 'Ashcombe', 'Bellflower', 'Cindergate', 'Driftmoor', 'Elmstead',
  'Foxglen', 'Goldmoss', 'Heronwood', 'Inglenook', 'Jasperline', 'Kindlewood', 'Lanternfield', 'Meadowlark', 'Northwind', 'Oakharrow',
  'Pinecroft', 'Quarrystone', 'Ravenbrook', 'Silverbirch', 'Tanglewick', 'Underhill', 'Vinecrest', 'Wrenfield', 'Yellowpine', 'Alderbrook',
  'Bracken', 'Cloverhill', 'Dunmore', 'Eaglecrest', 'Falconridge', 'Glimmerstone', 'Hollyhock', 'Ironbark', 'Juneberry', 'Kingfisher',
];
const STREET_SUFFIXES: ReadonlyArray<readonly [string, string]> = [
  ['Drive', 'DR'],
  ['Lane', 'LN'],
  ['Way', 'WAY'],
  ['Court', 'CT'],
  ['Trail', 'TRL'],
  ['Circle', 'CIR'],
  ['Place', 'PL'],
  ['Road', 'RD'],
];

/** USPS suffix abbreviations used by county rolls and permit portals (and to match addresses). */
export const SUFFIX_ABBREVIATIONS: ReadonlyMap<string, string> = new Map([
  ...STREET_SUFFIXES,
  ['Street', 'ST'],
  ['Avenue', 'AVE'],
  ['Boulevard', 'BLVD'],
  ['Parkway', 'PKWY'],
].map(([long, short]) => [long!.toUpperCase(), short!] as const));

export interface StreetName {
  /** As OpenStreetMap writes it: "Amberleaf Drive". */
  full: string;
  /** As a county roll writes it: "AMBERLEAF DR". */
  county: string;
  /** As a permit portal writes it: "Amberleaf Dr". */
  short: string;
}

/**
 * `count` distinct street names in a seeded order. Two-word names ("Amberleaf Briarwick Way")
 * follow once the single-word ones run out, so any size of town gets unique names.
 */
export function streetNames(seed: number, count: number): StreetName[] {
  const stream = new Stream(seed, 'street-names');
  const singles = stream.shuffled(STREET_WORDS.flatMap((word) => STREET_SUFFIXES.map((suffix) => [word, suffix] as const)));
  const names: StreetName[] = [];
  for (let i = 0; names.length < count; i += 1) {
    let word: string;
    let suffix: readonly [string, string];
    if (i < singles.length) {
      [word, suffix] = singles[i]!;
    } else {
      const k = i - singles.length;
      const first = STREET_WORDS[k % STREET_WORDS.length]!;
      const second = STREET_WORDS[Math.floor(k / STREET_WORDS.length) % STREET_WORDS.length]!;
      suffix = STREET_SUFFIXES[Math.floor(k / (STREET_WORDS.length * STREET_WORDS.length)) % STREET_SUFFIXES.length]!;
      if (first === second) continue;
      word = `${first} ${second}`;
    }
    names.push({ full: `${word} ${suffix[0]}`, county: `${word.toUpperCase()} ${suffix[1]}`, short: `${word} ${titleCase(suffix[1])}` });
  }
  return names;
}

function titleCase(text: string): string {
  return text.charAt(0) + text.slice(1).toLowerCase();
}

/**
 * A one-line address in a comparable form: upper case, no punctuation, suffixes abbreviated,
 * city/state/ZIP after the first comma dropped. "123 Amberleaf Drive, Bramblecrest, TX" and
 * "123 AMBERLEAF DR" give the same key.
 */
export function addressKey(oneLine: string): string {
  const street = oneLine.split(',')[0] ?? '';
  const words = street
    .toUpperCase()
    .replace(/[^A-Z0-9 ]+/g, ' ')
    .split(/\s+/)
    .filter(Boolean)
    .map((word) => SUFFIX_ABBREVIATIONS.get(word) ?? word);
  return words.join(' ');
}
