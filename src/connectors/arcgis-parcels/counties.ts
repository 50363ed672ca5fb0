import { z } from 'zod';

/**
 * County parcel layers, configured as data: where each county publishes its parcels over ArcGIS
 * REST and which of its fields hold the facts a roofing lead needs. Every county names its fields
 * differently (YEAR_BUILT, EMV_TOTAL, SEVTRIBUNAL1…), so the connector and the parser read only
 * this mapping, never a county's field names. The schema is the contract a user's own county
 * (added in Settings) must meet.
 *
 * Privacy: owner names are never mapped, requested or stored. A county may name its owners'
 * mailing-address line (`ownerMailingAddress`): it is compared with the site address to tell
 * owner-occupied from absentee-owned and then dropped.
 */

const fieldName = z.string().trim().min(1, 'a field name is empty').max(120, 'a field name is at most 120 characters');

/** One field, or several joined with spaces (e.g. prefix direction + street name + type + suffix). */
const fieldOrParts = z.union([fieldName, z.array(fieldName).min(1).max(8)]);

export const countyFieldsSchema = z
  .object({
    parcelId: fieldName,
    /** The whole site address ("7710 IVERSON AVE S, CITY OF COTTAGE GROVE"), when the parts are not published. */
    siteAddress: fieldName.optional(),
    houseNumber: fieldName.optional(),
    street: fieldOrParts.optional(),
    unit: fieldName.optional(),
    city: fieldName.optional(),
    state: fieldName.optional(),
    /** A ZIP field; the first 5-digit group is used, so "MI49327" or an integer ZIP both work. */
    postcode: fieldName.optional(),
    yearBuilt: fieldName.optional(),
    assessedValue: fieldName.optional(),
    marketValue: fieldName.optional(),
    /** Homestead exemption: the listed values (case-insensitive) mean owner-occupied, any other value not. */
    homestead: z.object({ field: fieldName, ownerOccupiedValues: z.array(z.string().trim().min(1).max(40)).min(1).max(20) }).strict().optional(),
    /** The owner's mailing street line, compared with the site address when there is no homestead flag. */
    ownerMailingAddress: fieldName.optional(),
    landUse: fieldName.optional(),
    livingArea: fieldName.optional(),
  })
  .strict()
  .refine((fields) => fields.siteAddress !== undefined || (fields.houseNumber !== undefined && fields.street !== undefined), {
    message: 'map either siteAddress or both houseNumber and street',
  });
export type CountyFields = z.infer<typeof countyFieldsSchema>;

/** A layer address: …/FeatureServer/N or …/MapServer/N, absolute or relative to the source's address. */
const LAYER_PATH = /\/(FeatureServer|MapServer)\/\d+\/?$/;

export const countyLayerUrlSchema = z
  .string()
  .trim()
  .max(2000)
  .refine((text) => LAYER_PATH.test(`/${text}`), 'a layer address ends in /FeatureServer/N or /MapServer/N (the parcel layer, not the service)')
  .refine((text) => {
    if (!/^[a-z]+:/i.test(text)) return !text.startsWith('/') && !text.includes('..');
    try {
      const url = new URL(text);
      return (url.protocol === 'http:' || url.protocol === 'https:') && url.search === '' && url.hash === '';
    } catch {
      return false;
    }
  }, 'a layer address is an http(s) address without ?query, or a path like rest/services/Parcels/FeatureServer/0');

export const countyConfigSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'use lower-case letters, digits and dashes, like "washington-mn"'),
    label: z.string().trim().min(1).max(120),
    /**
     * An absolute address is used as is. A relative path is resolved against the source's address
     * (Settings → Data sources → County parcels), which is how the loopback emulator serves the
     * demo county. null: the field mapping is known (imports of downloaded files use it) but the
     * live layer address is not.
     */
    layerUrl: countyLayerUrlSchema.nullable(),
    /** Two-letter state code, used when the layer has no state field. */
    state: z.string().regex(/^[A-Z]{2}$/, 'a two-letter state code like MN'),
    fields: countyFieldsSchema,
    attribution: z.string().trim().min(1).max(300).optional(),
    /** Where the mapping came from and what is unverified. */
    note: z.string().trim().max(1000).optional(),
  })
  .strict();
export type CountyConfig = z.infer<typeof countyConfigSchema>;
export type CountyConfigInput = z.input<typeof countyConfigSchema>;

export const countyListSchema = z
  .array(countyConfigSchema)
  .max(500)
  .superRefine((counties, ctx) => {
    const seen = new Set<string>();
    counties.forEach((county, index) => {
      if (seen.has(county.id)) ctx.addIssue({ code: 'custom', path: [index, 'id'], message: `county ${county.id} is listed twice` });
      seen.add(county.id);
    });
  });

/**
 * The seed list. Field names come from the real layer metadata and query answers in
 * ../shared/fixtures/arcgis-parcels/ (captured by the OpenAddresses projects); the parse tests
 * read those files through these mappings.
 */
const seed: CountyConfigInput[] = [
  {
    id: 'washington-mn',
    label: 'Washington County, MN',
    layerUrl: 'http://maps.co.washington.mn.us/arcgis/rest/services/Public/Public_Parcels/MapServer/0',
    state: 'MN',
    fields: {
      parcelId: 'PIN',
      houseNumber: 'BLDG_NUM',
      street: ['PREFIX_DIR', 'PREFIXTYPE', 'STREETNAME', 'STREETTYPE', 'SUFFIX_DIR'],
      unit: 'UNIT_INFO',
      city: 'CITY_USPS',
      state: 'STATE',
      postcode: 'ZIP',
      yearBuilt: 'YEAR_BUILT',
      // Estimated market value (land + building); the county publishes no separate assessed value.
      marketValue: 'EMV_TOTAL',
      homestead: { field: 'HOMESTEAD', ownerOccupiedValues: ['Y'] },
      landUse: 'USE1_DESC',
      livingArea: 'FIN_SQ_FT',
    },
    note: 'Layer address as recorded by OpenAddresses (TaxParcel, maxRecordCount 1000).',
  },
  {
    id: 'lancaster-ne',
    label: 'Lancaster County, NE',
    layerUrl: 'http://ags3.lincoln.ne.gov/arcgis/rest/services/Assessor/Pub_Parcels/MapServer/0',
    state: 'NE',
    fields: {
      parcelId: 'PID',
      houseNumber: 'SIT_ST_NUM',
      street: ['SIT_ST_DIR', 'SIT_ST_NAME', 'SIT_ST_TYPE'],
      unit: 'SIT_APT_NUM',
      // Note: CITY_CODE holds codes like RURAL, not postal cities, so no city is mapped.
      assessedValue: 'ASSESSED',
      ownerMailingAddress: 'OWNER_ADDR',
      landUse: 'PROP_CLASS',
    },
    note: 'Layer address as recorded by OpenAddresses. Nebraska assesses residential property at market value.',
  },
  {
    id: 'kent-mi',
    label: 'Kent County, MI',
    layerUrl: 'http://gis.kentcountymi.gov/prodarcgis/rest/services/External/MapServer/5',
    state: 'MI',
    fields: {
      parcelId: 'PNUM',
      houseNumber: 'PROPADDRESSNUMBER',
      street: 'PROPADDSTREET',
      city: 'PROPADDRESSCITY',
      // "MI49327": state and ZIP in one field.
      postcode: 'PROPADDRESSSTATE_ZIPCODE',
      // State Equalized Value, by Michigan law half the true cash value; kept as the county states it.
      assessedValue: 'SEVTRIBUNAL1',
    },
    note: 'Layer address from the OpenAddresses source for Kent County (External/MapServer/5).',
  },
  {
    id: 'madison-ms',
    label: 'Madison County, MS',
    layerUrl: null,
    state: 'MS',
    fields: {
      parcelId: 'PARCEL_ID_EED',
      houseNumber: 'PHY_STNO',
      street: 'PHY_ST',
      city: 'CITY',
      postcode: 'ZIP',
      assessedValue: 'TOTAL_AS',
      // Mississippi "true value": the county's market value figure.
      marketValue: 'TOTAL_TR',
      ownerMailingAddress: 'MAILADDRS',
    },
    note: 'Fields from the recorded layer metadata (Parcels, layer 13); its address was not recorded: set it in Settings. HSTEAD codes are unverified, so it is not mapped.',
  },
  {
    id: 'polk-fl',
    label: 'Polk County, FL (address points)',
    layerUrl: null,
    state: 'FL',
    fields: {
      parcelId: 'ParcelNum',
      houseNumber: 'HouseNumber',
      street: 'PrimaryName',
      unit: 'Unit',
      city: 'T_MailingCityNm',
      postcode: 'Zip',
      landUse: 'SiteType',
    },
    note: 'An address-point layer (one point per site address, with its parcel number); its address was not recorded: set it in Settings.',
  },
  {
    id: 'demo',
    label: 'Demo County (emulator)',
    layerUrl: 'rest/services/Demo/Parcels/FeatureServer/0',
    state: 'TX',
    fields: {
      parcelId: 'PARCEL_ID',
      houseNumber: 'SITE_NUM',
      street: 'SITE_STREET',
      unit: 'SITE_UNIT',
      city: 'SITE_CITY',
      state: 'SITE_STATE',
      postcode: 'SITE_ZIP',
      yearBuilt: 'YEAR_BUILT',
      assessedValue: 'ASSESSED_VAL',
      marketValue: 'MARKET_VAL',
      homestead: { field: 'HOMESTEAD', ownerOccupiedValues: ['Y'] },
      landUse: 'LAND_USE',
      livingArea: 'LIVING_SQFT',
    },
    attribution: 'Demo parcels (synthetic)',
    note: 'Served by the loopback emulator from the demo World; relative to the source address.',
  },
];

export const SEED_COUNTIES: readonly CountyConfig[] = Object.freeze(countyListSchema.parse(seed));

export function findCounty(id: string, counties: readonly CountyConfig[] = SEED_COUNTIES): CountyConfig | null {
  return counties.find((county) => county.id === id) ?? null;
}

/** Every field name a county's mapping reads, in a stable order (the query's outFields). */
export function mappedFieldNames(fields: CountyFields): string[] {
  const names: string[] = [fields.parcelId];
  const add = (name: string | string[] | undefined): void => {
    if (name === undefined) return;
    for (const one of Array.isArray(name) ? name : [name]) if (!names.includes(one)) names.push(one);
  };
  add(fields.siteAddress);
  add(fields.houseNumber);
  add(fields.street);
  add(fields.unit);
  add(fields.city);
  add(fields.state);
  add(fields.postcode);
  add(fields.yearBuilt);
  add(fields.assessedValue);
  add(fields.marketValue);
  add(fields.homestead?.field);
  add(fields.ownerMailingAddress);
  add(fields.landUse);
  add(fields.livingArea);
  return names;
}

/**
 * The county whose mapping fits a file's field names best (every mapped field present), for
 * imports of a layer downloaded by hand; null when none fits.
 */
export function countyForFields(fieldNames: readonly string[], counties: readonly CountyConfig[] = SEED_COUNTIES): CountyConfig | null {
  const present = new Set(fieldNames.map((name) => name.toUpperCase()));
  let best: { county: CountyConfig; mapped: number } | null = null;
  for (const county of counties) {
    const names = mappedFieldNames(county.fields);
    if (!names.every((name) => present.has(name.toUpperCase()))) continue;
    if (!best || names.length > best.mapped) best = { county, mapped: names.length };
  }
  return best?.county ?? null;
}
