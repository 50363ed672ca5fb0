import type { BBox, LngLat } from '../../core/domain/geo';
import { notFound, textAnswer } from '../../emulators/respond';
import type { EmulatorRequest, EmulatorResponse, EmulatorRoute } from '../../emulators/route-types';
import type { World, WorldBuilding } from '../../emulators/world';
import { OVERPASS_SOURCE } from './parse';
import { OverpassQueryError, readBuildingsQuery, type QueryStatement, type ReadQuery } from './query';
import { ringContains } from './rings';

/**
 * The Overpass API on loopback: `/api/interpreter` (GET ?data= or POST, form-encoded or raw QL)
 * answers building queries from a World's buildings in the real `[out:json]` layout (or OSM XML
 * when the query does not ask for JSON), and `/api/status` answers in its real text format.
 * A query Overpass could not parse gets the real 400 "OSM3S Response" page; an answer larger than
 * the query's [maxsize:] gets the real HTTP 200 with an out-of-memory `remark`.
 */

const COPYRIGHT = 'The data included in this document is from www.openstreetmap.org. The data is made available under ODbL.';
const GENERATOR = 'Overpass API 0.7.62.1 084b4234';
/** The answer's size stands in for the server's memory when judging [maxsize:]. */
const BYTES_PER_NODE = 90;
const BYTES_PER_WAY = 400;

export const overpassEmulator: EmulatorRoute = {
  source: OVERPASS_SOURCE,
  prefix: '/osm-overpass/api',
  handle(request, world) {
    if (request.path === '/status') return statusAnswer();
    if (request.path !== '/interpreter') return notFound(`/api${request.path}`);
    if (request.method !== 'GET' && request.method !== 'POST') return errorPage(405, 'line 1: static error: Only GET and POST requests are supported.');
    const ql = queryText(request);
    if (ql === null || ql.trim() === '') return errorPage(400, 'line 1: parse error: Unexpected end of input.');
    let query: ReadQuery;
    try {
      query = readBuildingsQuery(ql);
    } catch (error) {
      if (error instanceof OverpassQueryError) return errorPage(400, error.message);
      throw error;
    }
    return interpreterAnswer(query, world);
  },
};

function queryText(request: EmulatorRequest): string | null {
  if (request.method === 'GET') return request.query.get('data');
  const body = request.body.toString('utf8');
  // Overpass takes a form field `data` or, failing that, the raw body as the query.
  if ((request.headers['content-type'] ?? '').includes('application/x-www-form-urlencoded') || /^data=/.test(body)) {
    return new URLSearchParams(body).get('data');
  }
  return body;
}

function osmBase(): string {
  // Overpass's data lags real time by a minute or so and is stamped to the second.
  return new Date(Math.floor(Date.now() / 60_000) * 60_000 - 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function selectBuildings(query: ReadQuery, world: World): WorldBuilding[] {
  const found = new Map<number, WorldBuilding>();
  for (const statement of query.statements) {
    // The World's buildings are all simple ways; it holds no building relations or tagged nodes.
    if (statement.type !== 'way' && statement.type !== 'nwr') continue;
    for (const building of buildingsInArea(statement.area, world)) {
      if (statement.tagFilters.every(([key, value]) => building.tags[key] !== undefined && (value === null || building.tags[key] === value))) {
        found.set(building.osmWayId, building);
      }
    }
  }
  return [...found.values()].sort((a, b) => a.osmWayId - b.osmWayId);
}

function buildingsInArea(area: QueryStatement['area'], world: World): WorldBuilding[] {
  if ('bbox' in area) return world.buildingsIn(area.bbox);
  const box = ringBox(area.ring);
  // Like Overpass's poly filter: a way is in when any of its nodes is inside the outline.
  return world.buildingsIn(box).filter((b) => b.ring.some((position) => ringContains(area.ring, position)));
}

function ringBox(ring: readonly LngLat[]): BBox {
  const lngs = ring.map((p) => p[0]);
  const lats = ring.map((p) => p[1]);
  return [Math.min(...lngs), Math.min(...lats), Math.max(...lngs), Math.max(...lats)];
}

interface NodeOut {
  id: number;
  lat: number;
  lon: number;
}

function nodesOf(buildings: readonly WorldBuilding[]): NodeOut[] {
  const nodes = new Map<number, NodeOut>();
  for (const building of buildings) {
    building.nodeIds.forEach((id, i) => {
      const [lon, lat] = building.ring[i]!;
      nodes.set(id, { id, lat, lon });
    });
  }
  return [...nodes.values()].sort((a, b) => a.id - b.id);
}

function interpreterAnswer(query: ReadQuery, world: World): EmulatorResponse {
  const ways = selectBuildings(query, world);
  const nodes = query.recurseDown ? nodesOf(ways) : [];
  const base = osmBase();
  const estimated = ways.length * BYTES_PER_WAY + nodes.length * BYTES_PER_NODE;
  if (estimated > query.maxSizeBytes) {
    const remark = `runtime error: Query run out of memory in "recurse" at line 1 using about ${Math.ceil(estimated / 1_048_576)} MB of RAM.`;
    return query.output === 'json' ? jsonEnvelope(base, [], remark) : xmlEnvelope(base, [], remark);
  }
  if (query.output === 'xml') return xmlEnvelope(base, [...ways.map(wayXml), ...nodes.map(nodeXml)], null);
  return jsonEnvelope(base, [...ways.map(wayJson), ...nodes.map(nodeJson)], null);
}

// Note: written by hand, not JSON.stringify of the whole, to match Overpass byte for byte: blank
// lines around the element list, two-space indents and coordinates with exactly seven decimals.
function jsonEnvelope(base: string, elements: string[], remark: string | null): EmulatorResponse {
  const header = `{\n  "version": 0.6,\n  "generator": "${GENERATOR}",\n  "osm3s": {\n    "timestamp_osm_base": "${base}",\n    "copyright": "${COPYRIGHT}"\n  },\n  "elements": [\n\n`;
  const footer = remark === null ? '\n\n  ]\n}\n' : `\n\n  ],\n"remark": ${JSON.stringify(remark)}\n}\n`;
  return textAnswer(header + elements.join(',\n') + footer, { contentType: 'application/json', gzip: true });
}

function wayJson(building: WorldBuilding): string {
  return JSON.stringify({ type: 'way', id: building.osmWayId, nodes: building.nodeIds, tags: building.tags }, null, 2);
}

function nodeJson(node: NodeOut): string {
  return `{\n  "type": "node",\n  "id": ${node.id},\n  "lat": ${node.lat.toFixed(7)},\n  "lon": ${node.lon.toFixed(7)}\n}`;
}

const xmlEscape = (text: string) => text.replace(/[&<>"']/g, (ch) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' }[ch]};`);

function xmlEnvelope(base: string, elements: string[], remark: string | null): EmulatorResponse {
  const body =
    `<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6" generator="${GENERATOR}">\n<note>${COPYRIGHT}</note>\n<meta osm_base="${base}"/>\n\n` +
    (remark === null ? '' : `<remark> ${xmlEscape(remark)} </remark>\n\n`) +
    elements.join('') +
    '\n</osm>\n';
  return textAnswer(body, { contentType: 'application/osm3s+xml', gzip: true });
}

function wayXml(building: WorldBuilding): string {
  const nds = building.nodeIds.map((id) => `    <nd ref="${id}"/>\n`).join('');
  const tags = Object.entries(building.tags)
    .map(([k, v]) => `    <tag k="${xmlEscape(k)}" v="${xmlEscape(v)}"/>\n`)
    .join('');
  return `  <way id="${building.osmWayId}">\n${nds}${tags}  </way>\n`;
}

function nodeXml(node: NodeOut): string {
  return `  <node id="${node.id}" lat="${node.lat.toFixed(7)}" lon="${node.lon.toFixed(7)}"/>\n`;
}

/** The real OSM3S error page (see ../shared/fixtures/osm-overpass/overpy_bad-request.html). */
export function errorPage(status: number, message: string): EmulatorResponse {
  const body = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN"
    "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">
<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en">
<head>
  <meta http-equiv="content-type" content="text/html; charset=utf-8" lang="en"/>
  <title>OSM3S Response</title>
</head>
<body>

<p>${COPYRIGHT}</p>
<p><strong style="color:#FF0000">Error</strong>: ${message.replace(/[&<>]/g, (ch) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt' }[ch]};`)} </p>

</body>
</html>
`;
  return textAnswer(body, { status, contentType: 'text/html; charset=utf-8' });
}

function statusAnswer(): EmulatorResponse {
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  // "Connected as" is the client's IPv4 address as a number: 127.0.0.1 on loopback.
  const text = `Connected as: 2130706433\nCurrent time: ${now}\nAnnounced endpoint: none\nRate limit: 2\n2 slots available now.\nCurrently running queries (pid, space limit, time limit, start time):\n`;
  return textAnswer(text);
}
