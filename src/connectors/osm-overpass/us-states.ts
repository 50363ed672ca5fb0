/**
 * USPS state codes from what OSM mappers type into addr:state: usually "CA", sometimes
 * "California", "ca" or "Calif.". Only the 50 states, DC and the inhabited territories; anything
 * else is not a US state and becomes null rather than a guess.
 */

const STATES: ReadonlyArray<readonly [code: string, name: string, ...abbreviations: string[]]> = [
  ['AL', 'Alabama', 'Ala'],
  ['AK', 'Alaska'],
  ['AZ', 'Arizona', 'Ariz'],
  ['AR', 'Arkansas', 'Ark'],
  ['CA', 'California', 'Calif', 'Cal'],
  ['CO', 'Colorado', 'Colo'],
  ['CT', 'Connecticut', 'Conn'],
  ['DE', 'Delaware', 'Del'],
  ['DC', 'District of Columbia', 'D.C.', 'Washington DC', 'Washington D.C.'],
  ['FL', 'Florida', 'Fla'],
  ['GA', 'Georgia'],
  ['HI', 'Hawaii'],
  ['ID', 'Idaho'],
  ['IL', 'Illinois', 'Ill'],
  ['IN', 'Indiana', 'Ind'],
  ['IA', 'Iowa'],
  ['KS', 'Kansas', 'Kans', 'Kan'],
  ['KY', 'Kentucky', 'Ky'],
  ['LA', 'Louisiana'],
  ['ME', 'Maine'],
  ['MD', 'Maryland', 'Md'],
  ['MA', 'Massachusetts', 'Mass'],
  ['MI', 'Michigan', 'Mich'],
  ['MN', 'Minnesota', 'Minn'],
  ['MS', 'Mississippi', 'Miss'],
  ['MO', 'Missouri'],
  ['MT', 'Montana', 'Mont'],
  ['NE', 'Nebraska', 'Nebr', 'Neb'],
  ['NV', 'Nevada', 'Nev'],
  ['NH', 'New Hampshire'],
  ['NJ', 'New Jersey'],
  ['NM', 'New Mexico'],
  ['NY', 'New York'],
  ['NC', 'North Carolina'],
  ['ND', 'North Dakota'],
  ['OH', 'Ohio'],
  ['OK', 'Oklahoma', 'Okla'],
  ['OR', 'Oregon', 'Ore', 'Oreg'],
  ['PA', 'Pennsylvania', 'Penn', 'Penna'],
  ['RI', 'Rhode Island'],
  ['SC', 'South Carolina'],
  ['SD', 'South Dakota'],
  ['TN', 'Tennessee', 'Tenn'],
  ['TX', 'Texas', 'Tex'],
  ['UT', 'Utah'],
  ['VT', 'Vermont'],
  ['VA', 'Virginia'],
  ['WA', 'Washington', 'Wash'],
  ['WV', 'West Virginia'],
  ['WI', 'Wisconsin', 'Wis', 'Wisc'],
  ['WY', 'Wyoming', 'Wyo'],
  ['PR', 'Puerto Rico'],
  ['GU', 'Guam'],
  ['VI', 'U.S. Virgin Islands', 'Virgin Islands', 'US Virgin Islands'],
  ['AS', 'American Samoa'],
  ['MP', 'Northern Mariana Islands'],
];

const key = (text: string): string => text.toLowerCase().replace(/[.\s]+/g, ' ').trim();

const BY_KEY = new Map<string, string>();
for (const [code, ...names] of STATES) {
  BY_KEY.set(key(code), code);
  for (const name of names) BY_KEY.set(key(name), code);
}

/** "California", "calif.", " ca " → "CA"; unknown text → null. */
export function uspsStateCode(text: string | undefined): string | null {
  if (text === undefined) return null;
  return BY_KEY.get(key(text)) ?? null;
}
