/**
 * States as Storm Events files name them: the name in capitals ("NEW MEXICO") beside the FIPS code
 * without a leading zero ("35"). Records keep the USPS code. Marine zones (FIPS 57 and above with
 * names like "GULF OF MEXICO", or 99) have none.
 */
const STATES: ReadonlyArray<readonly [fips: number, usps: string, name: string]> = [
  [1, 'AL', 'ALABAMA'], [2, 'AK', 'ALASKA'], [4, 'AZ', 'ARIZONA'], [5, 'AR', 'ARKANSAS'], [6, 'CA', 'CALIFORNIA'],
  [8, 'CO', 'COLORADO'], [9, 'CT', 'CONNECTICUT'], [10, 'DE', 'DELAWARE'], [11, 'DC', 'DISTRICT OF COLUMBIA'],
  [12, 'FL', 'FLORIDA'], [13, 'GA', 'GEORGIA'], [15, 'HI', 'HAWAII'], [16, 'ID', 'IDAHO'], [17, 'IL', 'ILLINOIS'],
  [18, 'IN', 'INDIANA'], [19, 'IA', 'IOWA'], [20, 'KS', 'KANSAS'], [21, 'KY', 'KENTUCKY'], [22, 'LA', 'LOUISIANA'],
  [23, 'ME', 'MAINE'], [24, 'MD', 'MARYLAND'], [25, 'MA', 'MASSACHUSETTS'], [26, 'MI', 'MICHIGAN'], [27, 'MN', 'MINNESOTA'],
  [28, 'MS', 'MISSISSIPPI'], [29, 'MO', 'MISSOURI'], [30, 'MT', 'MONTANA'], [31, 'NE', 'NEBRASKA'], [32, 'NV', 'NEVADA'],
  [33, 'NH', 'NEW HAMPSHIRE'], [34, 'NJ', 'NEW JERSEY'], [35, 'NM', 'NEW MEXICO'], [36, 'NY', 'NEW YORK'],
  [37, 'NC', 'NORTH CAROLINA'], [38, 'ND', 'NORTH DAKOTA'], [39, 'OH', 'OHIO'], [40, 'OK', 'OKLAHOMA'], [41, 'OR', 'OREGON'],
  [42, 'PA', 'PENNSYLVANIA'], [44, 'RI', 'RHODE ISLAND'], [45, 'SC', 'SOUTH CAROLINA'], [46, 'SD', 'SOUTH DAKOTA'],
  [47, 'TN', 'TENNESSEE'], [48, 'TX', 'TEXAS'], [49, 'UT', 'UTAH'], [50, 'VT', 'VERMONT'], [51, 'VA', 'VIRGINIA'],
  [53, 'WA', 'WASHINGTON'], [54, 'WV', 'WEST VIRGINIA'], [55, 'WI', 'WISCONSIN'], [56, 'WY', 'WYOMING'],
  [60, 'AS', 'AMERICAN SAMOA'], [66, 'GU', 'GUAM'], [69, 'MP', 'NORTHERN MARIANA ISLANDS'], [72, 'PR', 'PUERTO RICO'],
  [78, 'VI', 'VIRGIN ISLANDS'],
];

export function uspsForStateFips(fips: string): string | null {
  if (!/^\d{1,2}$/.test(fips.trim())) return null;
  const wanted = Number(fips);
  return STATES.find(([code]) => code === wanted)?.[1] ?? null;
}

/** FIPS code and Storm Events name of a USPS state code; null for an unknown code. */
export function stormEventsState(usps: string): { fips: number; name: string } | null {
  const entry = STATES.find(([, code]) => code === usps);
  return entry ? { fips: entry[0], name: entry[2] } : null;
}
