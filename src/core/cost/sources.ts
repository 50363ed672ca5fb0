import type { Db } from '../store/database';
import {
  applySourceOverride,
  defineSourcePolicy,
  readSourceOverrides,
  setSourceOverride,
  type SourceOverrides,
  type SourcePolicy,
  type SourcePolicyInput,
} from './source-policy';

/**
 * The seed catalogue: every data source Fish Mouth knows, with the defaults from
 * ARCHITECTURE.md ("Sources and their policies"). Every rate, cap and address here can be
 * changed in Settings → Data sources; licences cannot.
 *
 *   SOURCE_CATALOGUE                    → SourcePolicy[] (as declared)
 *   sourcePolicy(db, id | policy)       → the policy in force (seed + settings), or null
 *   listSourcePolicies(db)              → every catalogued policy in force
 *   configureSource(db, id, override, { actor, expectedVersion? }) → the new settings
 */

const DAY_MS = 24 * 3_600_000;

const OSM_ODBL = {
  name: 'Open Database License (ODbL) 1.0',
  storable: true,
  cacheable: true,
  cacheTtlMs: 30 * DAY_MS,
  offlineUse: true,
  bulkDownload: false,
  attribution: '© OpenStreetMap contributors',
  url: 'https://www.openstreetmap.org/copyright',
} as const;

/** Works of the US federal government are public domain; we still credit the agency. */
function publicDomain(agency: string, cacheTtlMs: number | null): SourcePolicyInput['licence'] {
  return {
    name: 'Public domain (US government work)',
    storable: true,
    cacheable: true,
    cacheTtlMs,
    offlineUse: true,
    bulkDownload: true,
    attribution: agency,
    url: null,
  };
}

const CENSUS_RATE = { rateLimit: { requestsPerSecond: 2, burst: 2 }, dailyCap: 1_000 } as const;
const GOVERNMENT_RATE = { rateLimit: { requestsPerSecond: 0.5, burst: 1 }, dailyCap: 500 } as const;
const PAID_RATE = { rateLimit: { requestsPerSecond: 0.1, burst: 1 }, dailyCap: 100 } as const;

const declared: SourcePolicyInput[] = [
  {
    id: 'osm-overpass',
    name: 'OpenStreetMap Overpass',
    kind: 'free',
    baseUrl: 'https://overpass-api.de/api',
    rateLimit: { requestsPerSecond: 1, burst: 1 },
    // Note: the public Overpass instance asks for fewer than 10,000 queries a day.
    dailyCap: 10_000,
    price: null,
    licence: OSM_ODBL,
  },
  {
    id: 'nominatim',
    name: 'OpenStreetMap Nominatim',
    kind: 'free',
    baseUrl: 'https://nominatim.openstreetmap.org',
    // The Nominatim usage policy: at most one request a second, identifying User-Agent.
    rateLimit: { requestsPerSecond: 1, burst: 1 },
    dailyCap: null,
    price: null,
    licence: OSM_ODBL,
  },
  {
    id: 'osm-tiles',
    name: 'OpenStreetMap standard tiles',
    kind: 'free',
    baseUrl: 'https://tile.openstreetmap.org',
    rateLimit: { requestsPerSecond: 1, burst: 2 },
    dailyCap: null,
    price: null,
    // The tile usage policy forbids bulk downloading and offline use; browsing with a short
    // cache is allowed.
    licence: { ...OSM_ODBL, name: 'OSM tile usage policy (ODbL data)', cacheTtlMs: 7 * DAY_MS, offlineUse: false, url: 'https://operations.osmfoundation.org/policies/tiles/' },
  },
  {
    id: 'census-geocoder',
    name: 'US Census geocoder',
    kind: 'free',
    baseUrl: 'https://geocoding.geo.census.gov/geocoder',
    ...CENSUS_RATE,
    price: null,
    licence: publicDomain('US Census Bureau', 365 * DAY_MS),
  },
  {
    id: 'census-acs',
    name: 'US Census ACS 5-year',
    kind: 'free',
    baseUrl: 'https://api.census.gov/data',
    ...CENSUS_RATE,
    price: null,
    // A new 5-year release comes out once a year.
    licence: publicDomain('US Census Bureau, American Community Survey', 365 * DAY_MS),
  },
  {
    id: 'noaa-spc',
    name: 'NOAA SPC storm reports',
    kind: 'free',
    baseUrl: 'https://www.spc.noaa.gov',
    ...GOVERNMENT_RATE,
    price: null,
    licence: publicDomain('NOAA Storm Prediction Center', 30 * DAY_MS),
  },
  {
    id: 'ncei-storm-events',
    name: 'NOAA NCEI Storm Events',
    kind: 'free',
    baseUrl: 'https://www.ncei.noaa.gov',
    ...GOVERNMENT_RATE,
    price: null,
    licence: publicDomain('NOAA National Centers for Environmental Information', 30 * DAY_MS),
  },
  {
    id: 'arcgis-parcels',
    name: 'County parcels (ArcGIS FeatureServer)',
    kind: 'free',
    // Each county publishes its own FeatureServer; the address is set per territory.
    baseUrl: null,
    ...GOVERNMENT_RATE,
    price: null,
    licence: {
      name: 'County public records (terms vary by county)',
      storable: true,
      cacheable: true,
      cacheTtlMs: 90 * DAY_MS,
      offlineUse: true,
      bulkDownload: false,
      attribution: 'Parcel data courtesy of the county',
      url: null,
    },
  },
  {
    id: 'socrata-permits',
    name: 'Building permits (Socrata open data)',
    kind: 'free',
    // Each city or county runs its own Socrata domain; the address is set per territory.
    baseUrl: null,
    ...GOVERNMENT_RATE,
    price: null,
    licence: {
      name: 'Open data portal terms (vary by publisher)',
      storable: true,
      cacheable: true,
      cacheTtlMs: 30 * DAY_MS,
      offlineUse: true,
      bulkDownload: false,
      attribution: 'Permit data courtesy of the publishing city or county',
      url: null,
    },
  },
  {
    id: 'naip',
    name: 'USGS NAIP aerial imagery',
    kind: 'free',
    baseUrl: 'https://imagery.nationalmap.gov/arcgis/rest/services/USGSNAIPImagery/ImageServer',
    ...GOVERNMENT_RATE,
    price: null,
    // Note: public domain, and a flight's imagery never changes (NAIP is re-flown every two to
    // three years, as new images): a cached tile is kept indefinitely, until the cache's size
    // cap evicts it, so one fetch of a neighbourhood serves every later scan of it.
    licence: publicDomain('USDA Farm Service Agency NAIP imagery via USGS', null),
  },
  {
    id: 'google-static-maps',
    name: 'Google Static Maps (satellite)',
    kind: 'paid',
    baseUrl: 'https://maps.googleapis.com/maps/api/staticmap',
    ...PAID_RATE,
    price: { source: 'google-static-maps', operation: 'satellite-image' },
    // Google Maps Platform terms: imagery may be displayed, never stored or cached.
    licence: {
      name: 'Google Maps Platform Terms of Service',
      storable: false,
      cacheable: false,
      cacheTtlMs: null,
      offlineUse: false,
      bulkDownload: false,
      attribution: 'Imagery © Google',
      url: 'https://cloud.google.com/maps-platform/terms',
    },
  },
  {
    id: 'mapbox-static-images',
    name: 'Mapbox Static Images (satellite)',
    kind: 'paid',
    baseUrl: 'https://api.mapbox.com/styles/v1',
    ...PAID_RATE,
    price: { source: 'mapbox-static-images', operation: 'satellite-image' },
    // Mapbox terms allow no storing of Static Images outside its own SDK caches.
    licence: {
      name: 'Mapbox Terms of Service',
      storable: false,
      cacheable: false,
      cacheTtlMs: null,
      offlineUse: false,
      bulkDownload: false,
      attribution: '© Mapbox © OpenStreetMap © Maxar',
      url: 'https://www.mapbox.com/legal/tos',
    },
  },
  {
    id: 'property-records',
    name: 'Property records (paid, ATTOM-style property API)',
    kind: 'paid',
    baseUrl: 'https://api.gateway.attomdata.com',
    ...PAID_RATE,
    price: { source: 'property-records', operation: 'property-detail' },
    // Targeted enrichment of missing fields only. Typical commercial property-data terms: results
    // may be kept for 30 days for the licensee's own use and never passed on to third parties.
    licence: {
      name: 'Commercial property data licence (cache 30 days, no redistribution)',
      storable: true,
      cacheable: true,
      cacheTtlMs: 30 * DAY_MS,
      offlineUse: true,
      bulkDownload: false,
      attribution: 'Property data licensed from the property-records provider; not for redistribution',
      url: null,
    },
  },
  {
    id: 'user-files',
    name: 'Your own files (CSV / GeoJSON)',
    kind: 'local',
    baseUrl: null,
    rateLimit: null,
    dailyCap: null,
    price: null,
    licence: {
      name: 'Your own data',
      storable: true,
      cacheable: true,
      cacheTtlMs: null,
      offlineUse: true,
      bulkDownload: true,
      attribution: null,
      url: null,
    },
  },
];

export const SOURCE_CATALOGUE: readonly SourcePolicy[] = Object.freeze(declared.map(defineSourcePolicy));

/**
 * The policy in force for a source: its declaration (from the catalogue, or passed in by a
 * connector that declares its own) with the user's settings applied. null for an unknown id.
 */
export function sourcePolicy(db: Db, source: string | SourcePolicy, overrides: SourceOverrides = readSourceOverrides(db)): SourcePolicy | null {
  const declaredPolicy = typeof source === 'string' ? SOURCE_CATALOGUE.find((policy) => policy.id === source) : source;
  if (!declaredPolicy) return null;
  return applySourceOverride(declaredPolicy, overrides.overrides[declaredPolicy.id]);
}

export function listSourcePolicies(db: Db): SourcePolicy[] {
  const overrides = readSourceOverrides(db);
  return SOURCE_CATALOGUE.map((policy) => applySourceOverride(policy, overrides.overrides[policy.id]));
}

/** Changes one catalogued source's settings (null restores its defaults). */
export function configureSource(db: Db, sourceId: string, override: unknown, options: { actor: string; expectedVersion?: number }): SourceOverrides {
  return setSourceOverride(db, sourceId, override, { ...options, known: SOURCE_CATALOGUE });
}
