import { jsonAnswer, notFound } from '../../emulators/respond';
import type { EmulatorResponse, EmulatorRoute } from '../../emulators/route-types';
import type { WorldPropertyRecord } from '../../emulators/world';

/**
 * The paid property-records API (ATTOM Property API shape, see parse.ts) answered from
 * `world.propertyRecordByAddress` (address1 + address2) or `world.propertyRecordAt` (latitude,
 * longitude, radius in miles):
 *
 *   GET /propertyapi/v1.0.0/property/detail   header apikey: …
 *
 * No key → 401 with a JSON status; a key starting with "bad" → 401 as well. Missing or mixed
 * parameters → 400 with a failure status; no property → 400 "SuccessWithoutResult" (how the
 * vendor answers an unmatched address). Addresses come back upper-case, coordinates as strings,
 * and with a synthetic owner name the connector must never read.
 *
 * Note: no real answer of this API was available; this emulator is the format check.
 */

const VERSION = '1.0.0';

function status(code: number, msg: string, total: number): Record<string, unknown> {
  return { version: VERSION, code, msg, total, page: total > 0 ? 1 : 0, pagesize: total > 0 ? 10 : 0, responseDateTime: null, transactionID: `emu${code}${total}` };
}

function failure(httpStatus: number, code: number, msg: string): EmulatorResponse {
  return jsonAnswer({ status: status(code, msg, 0) }, { status: httpStatus });
}

export function attomProperty(record: WorldPropertyRecord): Record<string, unknown> {
  const a = record.address;
  const line1 = [a.houseNumber, a.street, a.unit ? `#${a.unit}` : null].filter(Boolean).join(' ').toUpperCase();
  const line2 = `${(a.city ?? '').toUpperCase()}, ${a.state ?? ''} ${a.postcode ?? ''}`.trim();
  const id = Number(record.recordId) || record.recordId;
  const reroofed = record.roofInstalledYear > record.yearBuilt;
  return {
    identifier: { Id: id, fips: '48085', apn: `R${record.recordId}`, attomId: id },
    lot: { lotsize1: 0.18 },
    address: {
      country: 'US',
      countrySubd: a.state,
      line1,
      line2,
      locality: (a.city ?? '').toUpperCase(),
      matchCode: 'ExaStr',
      oneLine: `${line1}, ${line2}`,
      postal1: a.postcode,
    },
    location: { accuracy: 'Rooftop', latitude: record.location.lat.toFixed(6), longitude: record.location.lng.toFixed(6), distance: 0.0 },
    summary: {
      absenteeInd: record.ownerOccupied ? 'OWNER OCCUPIED' : 'ABSENTEE(MAIL AND SITUS NOT =)',
      propclass: 'Single Family Residence / Townhouse',
      propsubtype: 'RESIDENTIAL',
      proptype: 'SFR',
      yearbuilt: record.yearBuilt,
      propLandUse: 'SFR',
    },
    building: {
      size: { bldgsize: record.livingAreaSqft, livingsize: record.livingAreaSqft, universalsize: record.livingAreaSqft },
      construction: { roofcover: record.roofMaterial },
      summary: { levels: record.stories },
    },
    assessment: { market: { mktttlvalue: record.marketValueUsd } },
    owner: { absenteeownerstatus: record.ownerOccupied ? 'O' : 'A', owner1: { fullname: `SYNTHETIC OWNER ${record.recordId}` } },
    buildingPermits: reroofed ? [{ effectiveDate: `${record.roofInstalledYear}-05-14`, permitNumber: `R${record.recordId}`, status: 'Final', type: 'Roofing', description: 'REROOF - TEAR OFF AND REPLACE' }] : [],
    vintage: { lastModified: '2026-01-15', pubDate: '2026-01-15' },
  };
}

export const propertyRecordsEmulator: EmulatorRoute = {
  source: 'property-records',
  prefix: '/property-records',
  handle(request, world) {
    if (request.path !== '/propertyapi/v1.0.0/property/detail') return notFound(request.path);
    const key = request.headers.apikey;
    if (!key || key.trim() === '') return failure(401, 401, 'Missing API key: send it in the apikey header');
    if (/^bad/i.test(key)) return failure(401, 401, 'Invalid API key');
    const q = request.query;
    const address1 = q.get('address1');
    const address2 = q.get('address2');
    const lat = q.get('latitude');
    const lng = q.get('longitude');
    let record: WorldPropertyRecord | null;
    if (address1 !== null || address2 !== null) {
      if (!address1?.trim() || !address2?.trim() || lat !== null || lng !== null) return failure(400, -1, 'Invalid Parameter Combination');
      record = world.propertyRecordByAddress(`${address1}, ${address2}`);
    } else if (lat !== null && lng !== null) {
      const point = { lat: Number(lat), lng: Number(lng) };
      const radiusMiles = Number(q.get('radius') ?? '0.05');
      if (!Number.isFinite(point.lat) || !Number.isFinite(point.lng) || Math.abs(point.lat) > 90 || Math.abs(point.lng) > 180 || !(radiusMiles > 0 && radiusMiles <= 20)) {
        return failure(400, -1, 'Invalid Parameter Value');
      }
      record = world.propertyRecordAt(point, radiusMiles * 1609.344);
    } else {
      return failure(400, -1, 'Invalid Parameter Combination');
    }
    if (!record) return failure(400, 1, 'SuccessWithoutResult');
    return jsonAnswer({ status: status(0, 'SuccessWithResult', 1), property: [attomProperty(record)] }, { gzip: true });
  },
};
