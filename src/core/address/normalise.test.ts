import { describe, expect, it } from 'vitest';
import type { PostalAddress } from '../domain/records';
import { addressKey, normaliseAddress, normalisePostcode, normaliseState, normaliseUnit, type LooseAddress } from './normalise';
import { parseOneLineAddress } from './parse';

const austin = { city: 'Austin', state: 'TX', postcode: '78701' };

/** [what the source gave, the key expected] — every case is one a real source has produced. */
const KEY_CASES: [string, LooseAddress, string | null][] = [
  ['plain', { houseNumber: '123', street: 'Main Street', ...austin }, '123 MAIN ST|78701'],
  ['abbreviated with a period', { houseNumber: '123', street: 'Main St.', ...austin }, '123 MAIN ST|78701'],
  ['lower case, extra spaces', { houseNumber: ' 123 ', street: '  main   st ', ...austin }, '123 MAIN ST|78701'],
  ['AVENUE', { houseNumber: '9', street: 'Park Avenue', ...austin }, '9 PARK AVE|78701'],
  ['AV variant', { houseNumber: '9', street: 'Park Av', ...austin }, '9 PARK AVE|78701'],
  ['BOULEVARD', { houseNumber: '500', street: 'Sunset Boulevard', ...austin }, '500 SUNSET BLVD|78701'],
  ['PARKWAY variant PKY', { houseNumber: '1', street: 'Capital Pky', ...austin }, '1 CAPITAL PKWY|78701'],
  ['CIRCLE variant CRCL', { houseNumber: '4', street: 'Oak Crcl', ...austin }, '4 OAK CIR|78701'],
  ['pre-directional spelled out', { houseNumber: '12', street: 'North Lamar Boulevard', ...austin }, '12 N LAMAR BLVD|78701'],
  ['pre-directional abbreviated with period', { houseNumber: '12', street: 'N. Lamar Blvd', ...austin }, '12 N LAMAR BLVD|78701'],
  ['post-directional', { houseNumber: '1600', street: 'Pennsylvania Avenue Northwest', postcode: '20500' }, '1600 PENNSYLVANIA AVE NW|20500'],
  ['two-word post-directional', { houseNumber: '1600', street: 'Pennsylvania Ave North West', postcode: '20500' }, '1600 PENNSYLVANIA AVE NW|20500'],
  ['two-word pre-directional', { houseNumber: '7', street: 'South East 3rd Street', postcode: '33131' }, '7 SE 3RD ST|33131'],
  ['directional as the name is kept', { houseNumber: '5', street: 'North Street', ...austin }, '5 NORTH ST|78701'],
  ['letter street', { houseNumber: '5', street: 'E Street', ...austin }, '5 E ST|78701'],
  ['letter street after a number', { houseNumber: null, street: '2100 B St', ...austin }, '2100 B ST|78701'],
  ['ordinal spelled out', { houseNumber: '40', street: 'First Avenue', ...austin }, '40 1ST AVE|78701'],
  ['ordinal as digits', { houseNumber: '40', street: '1st Ave', ...austin }, '40 1ST AVE|78701'],
  ['SAINT in the name', { houseNumber: '8', street: 'Saint Johns Street', ...austin }, '8 ST JOHNS ST|78701'],
  ['ST. in the name', { houseNumber: '8', street: 'St. Johns St', ...austin }, '8 ST JOHNS ST|78701'],
  ['suffix word inside the name', { houseNumber: '77', street: 'Lake Shore Drive', postcode: '60611' }, '77 LAKE SHORE DR|60611'],
  ['county road', { houseNumber: '1200', street: 'County Road 12', ...austin }, '1200 COUNTY RD 12|78701'],
  ['highway with post-directional', { houseNumber: '3000', street: 'Highway 290 West', ...austin }, '3000 HWY 290 W|78701'],
  ['house number inside the street', { street: '123 Main St', ...austin }, '123 MAIN ST|78701'],
  ['street inside the house number', { houseNumber: '123 Main St', ...austin }, '123 MAIN ST|78701'],
  ['unit does not split one roof', { houseNumber: '123', street: 'Main St', unit: 'Apt 4B', ...austin }, '123 MAIN ST|78701'],
  ['unit inside the street', { street: '123 Main St Apt 4B', ...austin }, '123 MAIN ST|78701'],
  ['hash unit inside the street', { street: '123 Main St #4', ...austin }, '123 MAIN ST|78701'],
  ['house number range of one building', { houseNumber: '123-125', street: 'Main St', ...austin }, '123 MAIN ST|78701'],
  ['Queens-style hyphenated number', { houseNumber: '45-12', street: '30th Ave', postcode: '11103' }, '45-12 30TH AVE|11103'],
  ['fraction', { houseNumber: '12 1/2', street: 'Elm St', ...austin }, '12 1/2 ELM ST|78701'],
  ['letter after the number', { houseNumber: '12 A', street: 'Elm St', ...austin }, '12A ELM ST|78701'],
  ['grid house number', { houseNumber: 'N123W456', street: 'Main St', postcode: '53072' }, 'N123W456 MAIN ST|53072'],
  ['ZIP+4', { houseNumber: '1', street: 'Elm St', postcode: '78701-1234' }, '1 ELM ST|78701'],
  ['ZIP that lost its leading zero', { houseNumber: '1', street: 'Elm St', postcode: '2134' }, '1 ELM ST|02134'],
  ['numeric ZIP from a spreadsheet', { houseNumber: 1, street: 'Elm St', postcode: 2134 }, '1 ELM ST|02134'],
  ['city and state when no ZIP', { houseNumber: '1', street: 'Elm St', city: 'Saint Louis', state: 'Missouri' }, '1 ELM ST|ST LOUIS MO'],
  ['accents and apostrophes', { houseNumber: '3', street: "O'Brien Cañada Rd", ...austin }, '3 OBRIEN CANADA RD|78701'],
  ['no house number', { street: 'Main St', ...austin }, null],
  ['no street', { houseNumber: '123', ...austin }, null],
  ['city without a state', { houseNumber: '1', street: 'Elm St', city: 'Springfield' }, null],
  ['a PO box is not a property', { street: 'PO Box 123', ...austin }, null],
  ['a state name is not a ZIP', { houseNumber: '1', street: 'Elm St', city: 'Austin', state: 'Texas', postcode: 'n/a' }, '1 ELM ST|AUSTIN TX'],
];

describe('addressKey', () => {
  it.each(KEY_CASES)('%s', (_label, input, expected) => {
    expect(addressKey(input)).toBe(expected);
  });

  it('gives the same key to one house as OSM, a parcel layer, a permit portal and a spreadsheet describe it', () => {
    const osm = { houseNumber: '1208', street: 'East 7th Street', city: 'Austin', state: 'TX', postcode: '78702' };
    const parcel = { street: '1208 E 7TH ST', city: 'AUSTIN', state: 'TX', postcode: '78702-3301' };
    const permit = { street: '1208 e. 7th st. unit b', postcode: '78702' };
    const csv = parseOneLineAddress('1208 E 7th St, Austin, Texas 78702');
    const keys = new Set([osm, parcel, permit, csv].map((a) => addressKey(a)));
    expect([...keys]).toEqual(['1208 E 7TH ST|78702']);
  });
});

describe('normaliseAddress parts', () => {
  it('standardises units, states and ZIPs', () => {
    expect(normaliseUnit('Suite 200')).toBe('STE 200');
    expect(normaliseUnit('#4b')).toBe('# 4B');
    expect(normaliseUnit('4B')).toBe('# 4B');
    expect(normaliseUnit('Apartment 3')).toBe('APT 3');
    expect(normaliseState('new york')).toBe('NY');
    expect(normaliseState('Calif.')).toBe('CA');
    expect(normaliseState('Ontario')).toBeNull();
    expect(normalisePostcode('787011234')).toBe('78701');
    expect(normalisePostcode('00000')).toBeNull();
    expect(normalisePostcode('7870A')).toBeNull();
  });

  it('keeps the unit of a multi-unit building on the record', () => {
    expect(normaliseAddress({ street: '55 W Maple Ave Ste 10', city: 'Fort Worth', state: 'tx' })).toEqual<PostalAddress>({
      houseNumber: '55',
      street: 'W MAPLE AVE',
      unit: 'STE 10',
      city: 'FT WORTH',
      state: 'TX',
      postcode: null,
    });
  });
});

/** [one line as typed, the parts expected] */
const ONE_LINE_CASES: [string, Partial<PostalAddress>][] = [
  ['123 Main St, Austin, TX 78701', { houseNumber: '123', street: 'MAIN ST', city: 'AUSTIN', state: 'TX', postcode: '78701' }],
  ['123 Main St Apt 4, Austin, TX 78701-1234', { houseNumber: '123', street: 'MAIN ST', unit: 'APT 4', city: 'AUSTIN', postcode: '78701' }],
  ['123 Main St, Apt 4, Austin, TX', { street: 'MAIN ST', unit: 'APT 4', city: 'AUSTIN', state: 'TX', postcode: null }],
  ['123 Main St Austin TX 78701', { houseNumber: '123', street: 'MAIN ST', city: 'AUSTIN', state: 'TX', postcode: '78701' }],
  ['123 Main St Fort Worth TX 76102', { street: 'MAIN ST', city: 'FT WORTH', state: 'TX' }],
  ['77 Lake Shore Dr Chicago IL 60611', { street: 'LAKE SHORE DR', city: 'CHICAGO', state: 'IL' }],
  ['1600 Pennsylvania Avenue NW, Washington, DC 20500, USA', { street: 'PENNSYLVANIA AVE NW', city: 'WASHINGTON', state: 'DC', postcode: '20500' }],
  ['350 Fifth Avenue, New York, New York 10118', { street: '5TH AVE', city: 'NEW YORK', state: 'NY', postcode: '10118' }],
  ['10 Elm Ct, Hartford, CT 06103', { street: 'ELM CT', city: 'HARTFORD', state: 'CT', postcode: '06103' }],
  ['10 Elm Ct', { houseNumber: '10', street: 'ELM CT', city: null, state: null, postcode: null }],
  ['Acme Roofing, 42 Oak Ln, Round Rock, TX 78664', { houseNumber: '42', street: 'OAK LN', city: 'ROUND ROCK', postcode: '78664' }],
  ['42 Oak Ln #7 Round Rock TX', { street: 'OAK LN', unit: '# 7', city: 'ROUND ROCK', state: 'TX' }],
  ['123 Main Austin TX', { houseNumber: '123', street: 'MAIN AUSTIN', city: null, state: 'TX' }],
  ['   ', { houseNumber: null, street: null }],
];

describe('parseOneLineAddress', () => {
  it.each(ONE_LINE_CASES)('%s', (text, expected) => {
    expect(parseOneLineAddress(text)).toMatchObject(expected);
  });
});
