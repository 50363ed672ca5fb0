import type { CensusResult } from '../../core/contracts/enrichment-contract';
import type { censusRequestSchema } from '../../core/contracts/enrichment-contract';
import { resolveNeed } from '../../core/cost';
import { distanceMeters, metersToDegrees } from '../../core/address';
import type { HandlerContext } from '../../core/rpc/peer';
import { RpcError } from '../../core/rpc/protocol';
import { statement, writeTransaction, type Db } from '../../core/store/database';
import { upsertCensusAreas } from '../../core/store/census-areas';
import { propertiesInBBox, type Property } from '../../core/store/property-rows';
import { setPropertyCensusArea } from '../../core/store/properties';
import type { z } from 'zod';
import { acsVintage, type CensusChains } from './census-chains';
import type { WriteTurns } from '../scraper/write-turns';

/**
 * The census stage of a scan: which tract every property is in, and that tract's ACS figures.
 *
 *   1. Properties with a street address are geocoded in batches (the Census geocoder's
 *      addressbatch, up to 10,000 a request), which answers each with its state, county and tract.
 *   2. A property the geocoder could not match, or without an address, takes the tract of its
 *      nearest neighbour already placed within NEIGHBOUR_METERS (tracts are many blocks across,
 *      so a neighbour's tract is nearly always right); its provenance says so.
 *   3. ACS 5-year figures are asked for once per county (every tract of the county in one
 *      answer), unless the store holds every tract's figures of that vintage already (the
 *      chain's cache step).
 * Properties are linked to their tracts last, so their completeness counts the census income.
 */

export type CensusRequest = z.output<typeof censusRequestSchema>;

const NEIGHBOUR_METERS = 400;
const LINK_BATCH = 250;
export const NEIGHBOUR_SOURCE = 'nearest-neighbour';

export async function censusStage(db: Db, chains: CensusChains, turns: WriteTurns, request: CensusRequest, call: HandlerContext): Promise<CensusResult> {
  const [west, south, east, north] = request.bbox;
  const properties = propertiesInBBox(db, request.bbox).filter(
    (property) => property.location !== null && property.location.lng >= west && property.location.lng <= east && property.location.lat >= south && property.location.lat <= north,
  );
  const options = { db, service: 'enrichment', requestId: request.runId, territoryId: request.territoryId, signal: call.signal, rateWaitMs: 120_000 };
  const tractOf = new Map<string, { geoid: string; source: string }>();
  for (const property of properties) if (property.censusGeoid) tractOf.set(property.id, { geoid: property.censusGeoid, source: property.fieldSources.censusGeoid ?? 'store' });

  const toGeocode = properties.filter((property) => !tractOf.has(property.id) && property.address.houseNumber && property.address.street);
  const warnings: string[] = [];
  let geocodeSource = 'census-geocoder';
  for (let start = 0; start < toGeocode.length; start += chains.batchSize) {
    const batch = toGeocode.slice(start, start + chains.batchSize);
    call.progress({ stage: 'geocode', done: start, total: toGeocode.length, message: 'Finding census tracts (Census geocoder)' });
    const outcome = await resolveNeed(chains.tracts, { properties: batch.map(batchAddress) }, options);
    if (!outcome.ok) {
      if (outcome.failure.kind === 'cancelled') throw new RpcError('cancelled', outcome.failure.message);
      if (outcome.failure.kind === 'ledger-unavailable') throw new RpcError('timeout', outcome.failure.message);
      warnings.push(outcome.sourcesTried.at(-1)?.message ?? outcome.failure.message);
      continue;
    }
    geocodeSource = outcome.source;
    for (const [id, geoid] of outcome.value) tractOf.set(id, { geoid, source: outcome.source });
  }
  const nearest = neighbourFinder(properties.filter((property) => tractOf.has(property.id)));
  let inferred = 0;
  for (const property of properties) {
    if (tractOf.has(property.id)) continue;
    const neighbour = nearest(property);
    if (neighbour) {
      tractOf.set(property.id, { geoid: tractOf.get(neighbour.id)!.geoid, source: NEIGHBOUR_SOURCE });
      inferred += 1;
    }
  }

  const geoids = [...new Set([...tractOf.values()].map((tract) => tract.geoid))].sort();
  const vintage = acsVintage(new Date());
  let acsSource = 'census-acs';
  let asked = 0;
  for (const [county, tracts] of byCounty(geoids)) {
    call.progress({ stage: 'acs', done: asked, total: geoids.length, message: 'Reading ACS figures (Census ACS)' });
    asked += tracts.length;
    const outcome = await resolveNeed(chains.figures, { state: county.slice(0, 2), county: county.slice(2), vintage, tracts }, options);
    if (!outcome.ok) {
      if (outcome.failure.kind === 'cancelled') throw new RpcError('cancelled', outcome.failure.message);
      if (outcome.failure.kind === 'ledger-unavailable') throw new RpcError('timeout', outcome.failure.message);
      warnings.push(outcome.sourcesTried.at(-1)?.message ?? outcome.failure.message);
      continue;
    }
    acsSource = outcome.source;
    // Every tract of the county is kept, not just these: the next tiles' tracts are then on file.
    if (outcome.kind !== 'cache') upsertCensusAreas(db, outcome.value, { source: outcome.source });
  }

  // In batches, taking turns with the scraper, which writes to the same database meanwhile.
  for (let start = 0; start < properties.length; start += LINK_BATCH) {
    await turns.write(call.signal, () =>
      writeTransaction(db, () => {
        for (const property of properties.slice(start, start + LINK_BATCH)) {
          const tract = tractOf.get(property.id);
          if (tract && tract.geoid !== property.censusGeoid) setPropertyCensusArea(db, property.id, tract.geoid, tract.source);
        }
      }),
    );
  }
  const withFigures = Number(
    statement(db, 'SELECT count(*) FROM census_areas WHERE geoid IN (SELECT value FROM json_each(?))').pluck().get(JSON.stringify(geoids)),
  );
  const geocoded = properties.filter((property) => tractOf.has(property.id)).length;
  const outcome = geocoded === 0 && properties.length > 0 ? 'unavailable' : geocoded < properties.length || withFigures < geoids.length ? 'partial' : 'ok';
  const notes = [...new Set(warnings)];
  if (inferred > 0) notes.push(`${inferred} properties took the census tract of a neighbour (no address the geocoder could match).`);
  return {
    properties: properties.length,
    geocoded,
    tracts: withFigures,
    source: `${geocodeSource} + ${acsSource}`,
    outcome,
    message: notes.length > 0 ? notes.join(' ').slice(0, 2_000) : null,
  };
}

function batchAddress(property: Property) {
  return {
    id: property.id,
    street: `${property.address.houseNumber} ${property.address.street}${property.address.unit ? ` ${property.address.unit}` : ''}`,
    city: property.address.city,
    state: property.address.state,
    zip: property.address.postcode,
  };
}

/** The nearest placed property within NEIGHBOUR_METERS, through a grid of NEIGHBOUR_METERS cells. */
function neighbourFinder(placed: Property[]): (property: Property) => Property | null {
  if (placed.length === 0) return () => null;
  const span = metersToDegrees(NEIGHBOUR_METERS, placed[0]!.location!.lat);
  const cellOf = (lat: number, lng: number) => [Math.floor(lat / span.lat), Math.floor(lng / span.lng)] as const;
  const grid = new Map<string, Property[]>();
  for (const property of placed) {
    const [row, col] = cellOf(property.location!.lat, property.location!.lng);
    const key = `${row}:${col}`;
    grid.set(key, [...(grid.get(key) ?? []), property]);
  }
  return (property) => {
    const point = property.location!;
    const [row, col] = cellOf(point.lat, point.lng);
    let best: { property: Property; meters: number } | null = null;
    for (let dr = -1; dr <= 1; dr += 1) {
      for (let dc = -1; dc <= 1; dc += 1) {
        for (const candidate of grid.get(`${row + dr}:${col + dc}`) ?? []) {
          const meters = distanceMeters(point, candidate.location!);
          if (meters <= NEIGHBOUR_METERS && (!best || meters < best.meters)) best = { property: candidate, meters };
        }
      }
    }
    return best?.property ?? null;
  };
}

/** 11-digit tract GEOIDs grouped by their 5-digit state+county. */
function byCounty(geoids: string[]): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const geoid of geoids) {
    const county = geoid.slice(0, 5);
    groups.set(county, [...(groups.get(county) ?? []), geoid]);
  }
  return groups;
}
