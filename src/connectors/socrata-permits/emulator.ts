import { jsonAnswer, notFound } from '../../emulators/respond';
import type { EmulatorRequest, EmulatorResponse, EmulatorRoute } from '../../emulators/route-types';
import type { World, WorldPermit } from '../../emulators/world';
import { utcToFloating } from './floating-time';
import { findPortal, type PortalConfig } from './portals';
import { matches, parseWhere, SoqlError, type SoqlNode } from './soql';

/**
 * A Socrata portal serving the demo permit dataset from `world.permits()`, in SODA's format:
 * `/resource/demo-perm.json` with the 'demo' portal's column names (portals.ts), every value a
 * string, floating timestamps in the portal's zone, a Point location, null columns left out, rows
 * written comma-first as Socrata does, plus a contractor column the connector must not ask for.
 *
 * SoQL: $select (columns, :id), $where (soql.ts), $order (column or :id, ASC/DESC), $limit
 * (≤ 50,000) and $offset, and simple column=value filters. Anything else is refused with
 * Socrata's 400 JSON ({"code":"query.…","error":true,"message":…}). An X-App-Token that is
 * malformed or starts with "bad" is refused with 403; the dataset 'priv-ate0' answers 403 with
 * the real "must be logged in" body; other dataset ids 404.
 */

const DATASET_LIMIT = 50_000;
const demo = findPortal('demo')!;

function sodaError(status: number, code: string, message: string, data: Record<string, unknown> = {}): EmulatorResponse {
  return jsonAnswer({ code, error: true, message, data }, { status, contentType: 'application/json;charset=utf-8' });
}

type Row = Record<string, unknown>;

function column(portal: PortalConfig, key: 'houseNumber' | 'city' | 'state' | 'postcode' | 'workClass' | 'valuation' | 'location'): string {
  return portal.fields[key] as string;
}

const rowsByWorld = new WeakMap<World, Row[]>();
function rowsOf(world: World): Row[] {
  let rows = rowsByWorld.get(world);
  if (!rows) {
    rows = world.permits().map((permit, index) => permitRow(permit, index));
    rowsByWorld.set(world, rows);
  }
  return rows;
}

function permitRow(permit: WorldPermit, index: number): Row {
  const f = demo.fields;
  const row: Row = {
    ':id': `row-${index.toString(36).padStart(6, '0')}`,
    [f.permitNumber]: permit.permitNumber,
    [f.issuedAt]: utcToFloating(permit.issuedAt, demo.timeZone),
    [f.description as string]: permit.description,
    [column(demo, 'workClass')]: permit.workClass,
    [column(demo, 'valuation')]: permit.valuationUsd === null ? null : String(permit.valuationUsd),
    [column(demo, 'houseNumber')]: permit.address.houseNumber,
    [f.street as string]: permit.address.street,
    [column(demo, 'city')]: permit.address.city,
    [column(demo, 'state')]: permit.address.state,
    [column(demo, 'postcode')]: permit.address.postcode,
    [column(demo, 'location')]: { type: 'Point', coordinates: [permit.location.lng, permit.location.lat] },
    contractor_name: `Contractor ${index % 17}`,
  };
  // SODA leaves null columns out of the row.
  return Object.fromEntries(Object.entries(row).filter(([, value]) => value !== null && value !== undefined));
}

const COLUMNS = new Set([':id', ...Object.keys(permitRow({ permitNumber: 'x', issuedAt: '2020-01-01T00:00:00Z', description: 'x', workClass: 'x', isRoofing: false, valuationUsd: 1, address: { houseNumber: '1', street: 'x', unit: null, city: 'x', state: 'TX', postcode: '75001' }, location: { lat: 0, lng: 0 } }, 0))]);
const DATA_COLUMNS = [...COLUMNS].filter((name) => !name.startsWith(':'));

function soqlRefusal(error: SoqlError, parameter: string, text: string): EmulatorResponse {
  const position = { row: 1, column: error.position + 1, line: `${text}\n${' '.repeat(error.position)}^` };
  if (error.code === 'query.soql.no-such-column') {
    const name = error.message.replace(/^No such column: /, '');
    return sodaError(400, error.code, `${error.message}; position: Map(row -> 1, column -> ${error.position + 1}, line -> "${text}")`, { dataset: `alpha.${demo.datasetId}`, name, position });
  }
  if (error.code === 'query.soql.type-mismatch') return sodaError(400, error.code, error.message, { dataset: `alpha.${demo.datasetId}`, position });
  return sodaError(400, error.code, `Could not parse SoQL query "${text}" at line 1 character ${error.position + 1}: ${error.message} (in ${parameter})`, { query: text, position });
}

function wholeNumber(text: string | null, fallback: number): number | null {
  if (text === null) return fallback;
  return /^\d{1,9}$/.test(text.trim()) ? Number(text.trim()) : null;
}

function answer(request: EmulatorRequest, world: World): EmulatorResponse {
  const q = request.query;
  const known = new Set(['$select', '$where', '$order', '$limit', '$offset', '$$app_token']);
  for (const name of q.keys()) {
    if (name.startsWith('$') && !known.has(name)) return sodaError(400, 'query.soql.unknown-parameter', `Unrecognized query parameter: ${name}`, { parameter: name });
    if (!name.startsWith('$') && !COLUMNS.has(name)) return soqlRefusal(new SoqlError('query.soql.no-such-column', `No such column: ${name}`, 0), name, name);
  }
  const selectText = q.get('$select');
  const selected = selectText === null || selectText.trim() === '*' ? DATA_COLUMNS : selectText.split(',').map((name) => name.trim());
  const unknown = selected.findIndex((name) => !COLUMNS.has(name));
  if (unknown >= 0) return soqlRefusal(new SoqlError(/^[:A-Za-z_@][A-Za-z0-9_]*$/.test(selected[unknown]!) ? 'query.soql.no-such-column' : 'query.compiler.malformed', `No such column: ${selected[unknown]}`, selectText!.indexOf(selected[unknown]!)), '$select', selectText!);

  let where: SoqlNode | null = null;
  const whereText = q.get('$where');
  if (whereText !== null && whereText.trim() !== '') {
    try {
      where = parseWhere(whereText, COLUMNS);
    } catch (error) {
      if (error instanceof SoqlError) return soqlRefusal(error, '$where', whereText);
      throw error;
    }
  }
  const orderText = q.get('$order') ?? ':id';
  const order = /^\s*([:A-Za-z_@][A-Za-z0-9_]*)(?:\s+(ASC|DESC))?\s*$/i.exec(orderText);
  if (!order) return sodaError(400, 'query.compiler.malformed', `Could not parse SoQL query "${orderText}" (in $order)`, { query: orderText });
  if (!COLUMNS.has(order[1]!)) return soqlRefusal(new SoqlError('query.soql.no-such-column', `No such column: ${order[1]}`, 0), '$order', orderText);
  const limit = wholeNumber(q.get('$limit'), 1000);
  const offset = wholeNumber(q.get('$offset'), 0);
  if (limit === null || limit > DATASET_LIMIT) return sodaError(400, 'query.soql.invalid-limit', `Invalid $limit: must be a whole number from 0 to ${DATASET_LIMIT}`, { limit: q.get('$limit') });
  if (offset === null) return sodaError(400, 'query.soql.invalid-offset', 'Invalid $offset: must be a whole number', { offset: q.get('$offset') });

  let rows = rowsOf(world);
  try {
    rows = rows.filter((row) => (where === null || matches(where, row)) && [...q.entries()].every(([name, value]) => name.startsWith('$') || String(row[name] ?? '') === value));
  } catch (error) {
    if (error instanceof SoqlError) return soqlRefusal(error, '$where', whereText ?? '');
    throw error;
  }
  const key = order[1]!;
  const direction = (order[2] ?? 'ASC').toUpperCase() === 'DESC' ? -1 : 1;
  const sorted = [...rows].sort((a, b) => {
    const x = String(a[key] ?? '');
    const y = String(b[key] ?? '');
    return (x < y ? -1 : x > y ? 1 : 0) * direction;
  });
  const page = sorted.slice(offset, offset + limit).map((row) => Object.fromEntries(selected.filter((name) => row[name] !== undefined).map((name) => [name, row[name]])));
  // Socrata writes one row per line, commas first.
  const body = `[${page.map((row) => JSON.stringify(row)).join('\n,')}]\n`;
  return {
    status: 200,
    headers: {
      'content-type': 'application/json;charset=utf-8',
      'x-soda2-fields': JSON.stringify(selected),
      'x-soda2-types': JSON.stringify(selected.map((name) => (name === column(demo, 'location') ? 'point' : name === demo.fields.issuedAt ? 'floating_timestamp' : name === column(demo, 'valuation') ? 'number' : 'text'))),
    },
    body,
    gzip: true,
  };
}

export const socrataPermitsEmulator: EmulatorRoute = {
  source: 'socrata-permits',
  prefix: '/socrata-permits',
  handle(request, world) {
    const match = /^\/resource\/([a-z0-9]{4}-[a-z0-9]{4})\.json$/.exec(request.path);
    if (!match) return notFound(request.path);
    const token = request.headers['x-app-token'] ?? request.query.get('$$app_token');
    if (token !== undefined && token !== null && (!/^[A-Za-z0-9]{8,64}$/.test(token) || /^bad/i.test(token))) {
      return sodaError(403, 'permission_denied', 'Invalid app_token specified');
    }
    // The real body a private dataset answers with (fixture sodapy_403_response_json.txt).
    if (match[1] === 'priv-ate0') return jsonAnswer({ message: 'You must be logged in to access this resource', error: true }, { status: 403 });
    if (match[1] !== demo.datasetId) return sodaError(404, 'not_found', `Cannot find view with id ${match[1]}`);
    if (request.method !== 'GET') return sodaError(405, 'method_not_allowed', 'Only GET reads rows from this endpoint');
    return answer(request, world);
  },
};
