import { z } from 'zod';
import { latitudeSchema, longitudeSchema, pointSchema, polygonSchema } from './geo';

/**
 * What connectors and file imports produce, whatever the source's own format: observations of
 * properties, storm reports, building permits, census figures and geocodes. Every record names
 * its source and that source's own id for it, so a property keeps the id of every source it came
 * from and importing twice changes nothing. Browser-safe.
 */

const text = (max = 500) => z.string().trim().min(1).max(max);
const optionalText = (max = 500) => text(max).nullable();
const isoTime = z.string().datetime({ offset: true });
const year = z.number().int().min(1600).max(2100);
const wholeUsd = z.number().int().min(0).max(10_000_000_000);

export const sourceRefSchema = z.object({
  /** A source id from the catalogue (src/core/cost/sources.ts) or an import kind, e.g. 'osm-overpass', 'import:csv'. */
  source: text(100),
  /** That source's own id for the record (OSM way id, parcel id, SPC row key…). */
  sourceRecordId: text(300),
});
export type SourceRef = z.infer<typeof sourceRefSchema>;

/** A US postal address as the source gave it (normalised later for matching). */
export const postalAddressSchema = z.object({
  houseNumber: optionalText(40),
  street: optionalText(200),
  unit: optionalText(40),
  city: optionalText(120),
  /** Two-letter USPS state code where known. */
  state: z.string().regex(/^[A-Z]{2}$/).nullable(),
  postcode: z.string().regex(/^\d{5}(-\d{4})?$/).nullable(),
});
export type PostalAddress = z.infer<typeof postalAddressSchema>;

/** One source's view of one property. Fields a source does not know are null. */
export const propertyObservationSchema = sourceRefSchema.extend({
  observedAt: isoTime,
  address: postalAddressSchema,
  location: pointSchema.nullable(),
  footprint: polygonSchema.nullable(),
  buildingType: optionalText(80),
  levels: z.number().min(0).max(200).nullable(),
  yearBuilt: year.nullable(),
  roofMaterial: optionalText(80),
  /** Year the current roof was put on, where a source knows it (paid property records); absent = unknown. */
  roofInstalledYear: year.nullable().optional(),
  parcelId: optionalText(100),
  landUse: optionalText(120),
  assessedValueUsd: wholeUsd.nullable(),
  marketValueUsd: wholeUsd.nullable(),
  /** Homestead exemption or owner address = site address. */
  ownerOccupied: z.boolean().nullable(),
  livingAreaSqft: z.number().int().min(0).max(1_000_000).nullable(),
  /** Licence attribution to show wherever this record's data is shown. */
  attribution: optionalText(300),
});
export type PropertyObservation = z.infer<typeof propertyObservationSchema>;

export const stormKindSchema = z.enum(['hail', 'wind', 'tornado']);
export type StormKind = z.infer<typeof stormKindSchema>;

/** A storm report (SPC daily reports, NCEI Storm Events). */
export const stormReportSchema = sourceRefSchema.extend({
  kind: stormKindSchema,
  /** UTC instant of the report (SPC times are UTC; NCEI times are converted from their zone). */
  occurredAt: isoTime,
  lat: latitudeSchema,
  lng: longitudeSchema,
  /** Hail diameter in inches (SPC gives hundredths: 175 → 1.75). */
  hailSizeInches: z.number().min(0).max(10).nullable(),
  windSpeedKnots: z.number().min(0).max(400).nullable(),
  /** EF/F scale as published, e.g. "EF1", or "UNK". */
  tornadoScale: optionalText(10),
  location: optionalText(200),
  county: optionalText(120),
  state: z.string().regex(/^[A-Z]{2}$/).nullable(),
  comments: optionalText(4000),
});
export type StormReport = z.infer<typeof stormReportSchema>;

/** A building permit (Socrata SODA portals, imports). */
export const buildingPermitSchema = sourceRefSchema.extend({
  permitNumber: optionalText(100),
  issuedAt: isoTime.nullable(),
  description: optionalText(4000),
  workClass: optionalText(200),
  /** Re-roof / roofing work, by the portal's own filter fields or the description. */
  isRoofing: z.boolean(),
  valuationUsd: wholeUsd.nullable(),
  address: postalAddressSchema,
  location: pointSchema.nullable(),
});
export type BuildingPermit = z.infer<typeof buildingPermitSchema>;

export const censusGeographySchema = z.enum(['tract', 'block-group', 'zcta', 'county']);

/** ACS 5-year figures for one area. Census's sentinel values (−666666666 …) arrive as null. */
export const censusAreaFiguresSchema = z.object({
  geoid: z.string().regex(/^\d{5,15}$/),
  geography: censusGeographySchema,
  name: optionalText(300),
  /** ACS 5-year vintage, e.g. 2022 for 2018–2022. */
  vintage: z.number().int().min(2009).max(2100),
  medianHouseholdIncomeUsd: wholeUsd.nullable(),
  medianYearBuilt: year.nullable(),
  medianHomeValueUsd: wholeUsd.nullable(),
  ownerOccupiedUnits: z.number().int().min(0).nullable(),
  renterOccupiedUnits: z.number().int().min(0).nullable(),
});
export type CensusAreaFigures = z.infer<typeof censusAreaFiguresSchema>;

/** A geocoder's answer for one address (Nominatim, Census geocoder). */
export const geocodeResultSchema = z.object({
  source: text(100),
  query: text(500),
  location: pointSchema,
  matchedAddress: optionalText(500),
  address: postalAddressSchema,
  /** 0..1: the source's own confidence or match quality, mapped and documented per source. */
  confidence: z.number().min(0).max(1),
  /** Census geography of the point where the source gives it (Census geocoder). */
  censusTract: z.string().regex(/^\d{11}$/).nullable(),
  /** Licence attribution to show wherever this result is shown (OSM: ODbL). */
  attribution: optionalText(300),
});
export type GeocodeResult = z.infer<typeof geocodeResultSchema>;
