import { z } from 'zod';
import type { LngLat } from '../../core/domain/geo';
import { decodeText, gunzipLimited, isGzip, looksLikeHtml, parseJsonText } from '../../core/http/body';
import { ConnectorError } from '../../core/http/errors';
import { assembleBuildings, OsmElementSet, type AssembledBuildings, type OsmMember } from './osm-elements';

/**
 * Overpass API answers, read without touching the network: `[out:json]` building answers into
 * PropertyObservations (parseOverpassJson), the OSM3S HTML error page into its message
 * (describeOverpassErrorPage) and /api/status into free slots (parseOverpassStatus).
 *
 * Every failure is a ConnectorError whose message says what happened and what to do. A `remark`
 * is how Overpass reports trouble inside an HTTP 200: a runtime error (timeout, out of memory)
 * refuses the answer, because its elements are whatever was ready when the query died; any other
 * remark marks the result incomplete rather than letting it pass as the whole area.
 */

export const OVERPASS_SOURCE = 'osm-overpass';

/** JSON answers are read whole; above this they are refused (Overpass's own default maxsize is 512 MiB). */
export const DEFAULT_MAX_ANSWER_BYTES = 50 * 1024 * 1024;

export interface OverpassBuildings extends AssembledBuildings {
  /** osm3s.timestamp_osm_base: the moment of the OSM data the answer reflects. */
  osmBase: string | null;
  /** Overpass's remark, when it made one. */
  remark: string | null;
  /** False when a remark says the answer may not hold everything asked for. */
  complete: boolean;
  elementCounts: { nodes: number; ways: number; relations: number };
}

export interface ParseOverpassOptions {
  /** The record source written on each observation; defaults to 'osm-overpass'. */
  source?: string;
  /** When the data was observed; defaults to the answer's timestamp_osm_base. */
  observedAt?: string;
  onlyAddressed?: boolean;
  maxBytes?: number;
  /** Names the input in messages, e.g. 'The file piedmont.json'. */
  inputLabel?: string;
  /** Clock for answers that carry no timestamp at all. */
  now?: () => Date;
}

const isoTimeSchema = z.string().datetime({ offset: true });
const tagsSchema = z.record(z.string(), z.string());
const idSchema = z.number().int().safe();
const latLonSchema = z.object({ lat: z.number(), lon: z.number() });

const nodeSchema = z.object({ type: z.literal('node'), id: idSchema, lat: z.number(), lon: z.number(), tags: tagsSchema.optional(), timestamp: z.string().optional() });
const waySchema = z.object({
  type: z.literal('way'),
  id: idSchema,
  nodes: z.array(idSchema).optional(),
  // `out geom` gives positions inline; null where a node lies outside the query's box.
  geometry: z.array(latLonSchema.nullable()).optional(),
  tags: tagsSchema.optional(),
  timestamp: z.string().optional(),
});
const relationSchema = z.object({
  type: z.literal('relation'),
  id: idSchema,
  members: z.array(
    z.object({
      type: z.enum(['node', 'way', 'relation']),
      ref: idSchema,
      role: z.string(),
      geometry: z.array(latLonSchema.nullable()).optional(),
    }),
  ),
  tags: tagsSchema.optional(),
  timestamp: z.string().optional(),
});
const elementSchema = z.discriminatedUnion('type', [nodeSchema, waySchema, relationSchema]);

const envelopeSchema = z.object({
  version: z.number().optional(),
  generator: z.string().optional(),
  osm3s: z.object({ timestamp_osm_base: z.string().optional(), copyright: z.string().optional() }).optional(),
  elements: z.array(z.unknown()),
  remark: z.string().optional(),
});

/** Overpass's own words for a query that died part-way; its elements are not the whole answer. */
const RUNTIME_ERROR = /runtime error|timed out|out of memory|rate_limited|dispatcher/i;

/**
 * Throws 'refused-by-source' when Overpass's remark says the query died (timeout, out of memory,
 * no slot): its elements are then whatever was ready, so they must not pass as the area's data.
 */
export function refuseRuntimeError(remark: string, source = OVERPASS_SOURCE): void {
  if (!RUNTIME_ERROR.test(remark)) return;
  const advice = /memory|maxsize/i.test(remark)
    ? 'The area holds more data than the server allows per query: scan a smaller area.'
    : /rate_limited|dispatcher/i.test(remark)
      ? 'The server is busy or this address has used its query slots: wait a minute and try again.'
      : 'Scan a smaller area, or try again when the server is less busy.';
  throw new ConnectorError({ kind: 'refused-by-source', source, message: `OpenStreetMap Overpass stopped the query: ${remark.trim().slice(0, 300)} ${advice}` });
}

const toLngLat = (p: { lat: number; lon: number } | null): LngLat | null => (p === null ? null : [p.lon, p.lat]);

export function parseOverpassJson(input: unknown, options: ParseOverpassOptions = {}): OverpassBuildings {
  const source = options.source ?? OVERPASS_SOURCE;
  const label = options.inputLabel ?? 'The Overpass answer';
  const fail = (kind: ConnectorError['kind'], message: string): never => {
    throw new ConnectorError({ kind, source, message });
  };

  const document = typeof input === 'string' || input instanceof Uint8Array ? readJsonText(input, options, label, source) : input;
  const envelope = envelopeSchema.safeParse(document);
  if (!envelope.success) {
    fail('malformed-body', `${label} is not Overpass JSON (no "elements" list; ${envelope.error.issues[0]?.message ?? 'unexpected shape'}). Ask for [out:json], or check the file is an Overpass answer.`);
  }
  const { elements, remark, osm3s } = envelope.data!;
  if (remark !== undefined) refuseRuntimeError(remark, source);

  const set = new OsmElementSet(source, label);
  for (const raw of elements) {
    // Note: nodes are nine in ten elements; this hand check accepts exactly what nodeSchema does
    // (no tags, which building answers never give nodes) at a fraction of zod's cost.
    if (isPlainNode(raw)) {
      set.noteTimestamp(raw.timestamp);
      set.addNode(raw.id, raw.lat, raw.lon);
      continue;
    }
    const parsed = elementSchema.safeParse(raw);
    if (!parsed.success) {
      // Overpass also emits "area", "count" and "timeline" elements; only broken OSM elements count.
      const type = (raw as { type?: unknown } | null)?.type;
      if (type === 'node' || type === 'way' || type === 'relation') set.unreadableElements += 1;
      continue;
    }
    const element = parsed.data;
    set.noteTimestamp(element.timestamp);
    if (element.type === 'node') set.addNode(element.id, element.lat, element.lon);
    else if (element.type === 'way') {
      for (const p of element.geometry ?? []) if (p !== null) checkPosition(p, element.id, label, source);
      set.addWay(element.id, element.nodes ?? [], element.tags ?? null, element.geometry?.map(toLngLat) ?? null);
    } else {
      const members: OsmMember[] = element.members.map((m) => ({ type: m.type, ref: m.ref, role: m.role, geometry: m.geometry?.map(toLngLat) ?? null }));
      for (const m of element.members) for (const p of m.geometry ?? []) if (p !== null) checkPosition(p, m.ref, label, source);
      set.addRelation(element.id, members, element.tags ?? null);
    }
  }

  return buildingsFromElements(set, { osmBase: osm3s?.timestamp_osm_base ?? null, remark: remark ?? null }, options);
}

function isPlainNode(raw: unknown): raw is { id: number; lat: number; lon: number; timestamp?: string } {
  if (typeof raw !== 'object' || raw === null) return false;
  const node = raw as Record<string, unknown>;
  return (
    node['type'] === 'node' &&
    Number.isSafeInteger(node['id']) &&
    typeof node['lat'] === 'number' &&
    typeof node['lon'] === 'number' &&
    node['tags'] === undefined &&
    (node['timestamp'] === undefined || typeof node['timestamp'] === 'string')
  );
}

/** The finished result of either format's elements: "data as of", observations, skips, completeness. */
export function buildingsFromElements(set: OsmElementSet, said: { osmBase: string | null; remark: string | null }, options: ParseOverpassOptions): OverpassBuildings {
  const osmBase = validTime(said.osmBase);
  const observedAt = options.observedAt ?? osmBase ?? validTime(set.newestTimestamp) ?? (options.now?.() ?? new Date()).toISOString();
  const assembled = assembleBuildings(set, { source: options.source ?? OVERPASS_SOURCE, observedAt, onlyAddressed: options.onlyAddressed ?? false });
  const remark = said.remark?.trim() || null;
  return { ...assembled, osmBase, remark, complete: remark === null, elementCounts: set.counts };
}

function validTime(text: string | null | undefined): string | null {
  return text != null && isoTimeSchema.safeParse(text).success ? text : null;
}

function checkPosition(p: { lat: number; lon: number }, id: number, label: string, source: string): void {
  if (p.lat < -90 || p.lat > 90 || p.lon < -180 || p.lon > 180) {
    throw new ConnectorError({
      kind: 'malformed-body',
      source,
      message: `${label} places a position of OSM element ${id} at latitude ${p.lat}, longitude ${p.lon}, which is not on Earth: the data is corrupt. Fetch or download it again.`,
    });
  }
}

/** Text or bytes (gzip accepted, as files saved from a browser often are) → the parsed JSON document. */
function readJsonText(input: string | Uint8Array, options: ParseOverpassOptions, label: string, source: string): unknown {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_ANSWER_BYTES;
  const tooLarge = (bytes: number | null): never => {
    const size = bytes === null ? 'larger than' : `${megabytes(bytes)}, more than`;
    throw new ConnectorError({ kind: 'too-large', source, message: `${label} is ${size} the ${megabytes(maxBytes)} read at once: scan or export a smaller area (or split the file).` });
  };
  let text: string;
  if (typeof input === 'string') {
    if (input.length > maxBytes) tooLarge(Buffer.byteLength(input));
    text = input;
  } else {
    let bytes = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
    if (bytes.length > maxBytes) tooLarge(bytes.length);
    if (isGzip(bytes)) {
      const unpacked = gunzipLimited(bytes, maxBytes);
      if (!unpacked.ok && unpacked.reason === 'too-large') tooLarge(null);
      if (!unpacked.ok) {
        throw new ConnectorError({ kind: unpacked.reason === 'truncated' ? 'truncated' : 'malformed-body', source, message: `${label} is a damaged gzip file (${unpacked.detail}): fetch or download it again.` });
      }
      bytes = unpacked.bytes;
    }
    text = decodeText(bytes, null);
  }
  if (looksLikeHtml(text)) {
    throw new ConnectorError({ kind: 'html-error-page', source, message: `${label} is an error page, not data: ${describeOverpassErrorPage(text)}` });
  }
  if (/^\s*<(\?xml|osm[\s>])/.test(text.slice(0, 200))) {
    throw new ConnectorError({ kind: 'malformed-body', source, message: `${label} is OSM XML, not Overpass JSON: import it with "fishmouth import osm FILE".` });
  }
  const parsed = parseJsonText(text);
  if (parsed.ok) return parsed.value;
  throw new ConnectorError({
    kind: parsed.truncated ? 'truncated' : 'malformed-body',
    source,
    message: parsed.truncated
      ? `${label} stops part-way (${parsed.detail}): fetch or download it again.`
      : `${label} is not valid JSON (${parsed.detail}): check it is an Overpass [out:json] answer.`,
  });
}

function megabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/**
 * The OSM3S error page (HTTP 400 for a bad query, 429/504 when busy) → its error lines as plain
 * text, e.g. "line 2: parse error: ';' expected - 'out' found." Falls back to the page title.
 */
export function describeOverpassErrorPage(html: string): string {
  const plain = (fragment: string): string =>
    fragment
      .replace(/<[^>]*>/g, '')
      .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
        if (name.startsWith('#x') || name.startsWith('#X')) return String.fromCodePoint(Number.parseInt(name.slice(2), 16) || 0x3f);
        if (name.startsWith('#')) return String.fromCodePoint(Number(name.slice(1)) || 0x3f);
        return ENTITIES[name.toLowerCase()] ?? whole;
      })
      .replace(/\s+/g, ' ')
      .trim();
  const errors = [...html.matchAll(/<p>\s*<strong[^>]*>\s*Error\s*<\/strong>\s*:?([\s\S]*?)<\/p>/gi)].map((m) => plain(m[1] ?? '')).filter((line) => line.length > 0);
  if (errors.length > 0) return errors.join(' ').slice(0, 500);
  const title = html.match(/<title>([\s\S]*?)<\/title>/i);
  return title ? `the server answered with the page "${plain(title[1] ?? '').slice(0, 200)}".` : 'the server answered with an HTML page instead of data.';
}

/** What /api/status says about this client's query slots. */
export interface OverpassStatus {
  connectedAs: string | null;
  currentTime: string | null;
  /** Slots per client; 0 means the server sets no limit. */
  rateLimit: number;
  slotsAvailableNow: number;
  /** Seconds until each busy slot frees, soonest first. */
  slotFreeInSeconds: number[];
  runningQueries: number;
}

/**
 * /api/status text:
 *   Connected as: 8675309 / Current time: … / Rate limit: 3 / 3 slots available now.
 *   or "Slot available after: 2024-01-01T00:00:12Z, in 12 seconds." per busy slot,
 *   then "Currently running queries (pid, space limit, time limit, start time):" and one line each.
 */
export function parseOverpassStatus(text: string, source = OVERPASS_SOURCE): OverpassStatus {
  const rate = text.match(/^Rate limit:\s*(\d+)\s*$/m);
  if (!rate) {
    throw new ConnectorError({ kind: 'malformed-body', source, message: 'The Overpass /api/status answer has no "Rate limit:" line: check the Overpass address in Settings → Data sources.' });
  }
  const available = text.match(/^(\d+) slots? available now\.?\s*$/m);
  const slotFreeInSeconds = [...text.matchAll(/^Slot available after: \S+, in (-?\d+) seconds?\.?\s*$/gm)].map((m) => Math.max(0, Number(m[1]))).sort((a, b) => a - b);
  const running = text.split(/^Currently running queries[^\n]*\n/m)[1] ?? '';
  return {
    connectedAs: text.match(/^Connected as:\s*(.+?)\s*$/m)?.[1] ?? null,
    currentTime: text.match(/^Current time:\s*(.+?)\s*$/m)?.[1] ?? null,
    rateLimit: Number(rate[1]),
    slotsAvailableNow: available ? Number(available[1]) : 0,
    slotFreeInSeconds,
    runningQueries: running.split('\n').filter((line) => /^\d+\s/.test(line.trim())).length,
  };
}
