import type { BBox, LngLat, Polygon } from '../../core/domain/geo';

/**
 * Overpass QL for buildings in an area, written (buildingsQuery) and read back (readBuildingsQuery,
 * what the emulator does with what it receives). The query asks for building ways and building
 * multipolygons, then recurses down (`>`) for the nodes and member ways their outlines need:
 *
 *   [out:json][timeout:180][maxsize:536870912];(way["building"](S,W,N,E);relation["building"]["type"="multipolygon"](S,W,N,E););out body;>;out skel qt;
 *
 * Overpass boxes are (south, west, north, east); polygons are poly:"lat lon lat lon …".
 */

export type BuildingArea = { bbox: BBox } | { polygon: Polygon };

export interface BuildingsQueryOptions {
  /** Server-side time limit, seconds. Overpass refuses to start queries it expects to exceed it. */
  timeoutSeconds?: number;
  /** Server-side memory limit, bytes. */
  maxSizeBytes?: number;
  /** Only buildings with addr:housenumber. */
  onlyAddressed?: boolean;
}

export const DEFAULT_QUERY_TIMEOUT_SECONDS = 180;
/** Overpass's own default (512 MiB); a large county fits, a state does not. */
export const DEFAULT_QUERY_MAX_SIZE_BYTES = 536_870_912;

/** Degrees with at most 7 decimals (OSM's precision), never in exponent notation. */
export function degrees(value: number): string {
  const fixed = value.toFixed(7);
  return fixed.includes('.') ? fixed.replace(/0+$/, '').replace(/\.$/, '') : fixed;
}

function areaFilter(area: BuildingArea): string {
  if ('bbox' in area) {
    const [west, south, east, north] = area.bbox;
    return `(${degrees(south)},${degrees(west)},${degrees(north)},${degrees(east)})`;
  }
  // Overpass's poly filter takes the outline only (no holes) and closes it itself.
  const ring = area.polygon.coordinates[0]!;
  const open = ring.slice(0, -1);
  return `(poly:"${open.map(([lng, lat]) => `${degrees(lat)} ${degrees(lng)}`).join(' ')}")`;
}

export function buildingsQuery(area: BuildingArea, options: BuildingsQueryOptions = {}): string {
  const timeout = Math.max(1, Math.round(options.timeoutSeconds ?? DEFAULT_QUERY_TIMEOUT_SECONDS));
  const maxSize = Math.max(1, Math.round(options.maxSizeBytes ?? DEFAULT_QUERY_MAX_SIZE_BYTES));
  const addressed = options.onlyAddressed ? '["addr:housenumber"]' : '';
  const filter = areaFilter(area);
  return (
    `[out:json][timeout:${timeout}][maxsize:${maxSize}];` +
    `(way["building"]${addressed}${filter};relation["building"]["type"="multipolygon"]${addressed}${filter};);` +
    'out body;>;out skel qt;'
  );
}

/** What a buildings query asks for, as the emulator understands it. */
export interface ReadQuery {
  output: 'json' | 'xml';
  timeoutSeconds: number;
  maxSizeBytes: number;
  statements: QueryStatement[];
  /** `>` after the first output: the nodes (and member ways) of what was found. */
  recurseDown: boolean;
}

export interface QueryStatement {
  type: 'node' | 'way' | 'relation' | 'nwr';
  /** [key, value | null]: ["building"] is ['building', null]. */
  tagFilters: [string, string | null][];
  /** A box (S,W,N,E read back as [W,S,E,N]) or a polygon outline [lng, lat]. */
  area: { bbox: BBox } | { ring: LngLat[] };
}

/** Overpass's own wording: "line N: parse error: …" or "line N: static error: …". */
export class OverpassQueryError extends Error {
  constructor(line: number, kind: 'parse' | 'static', detail: string) {
    super(`line ${line}: ${kind} error: ${detail}`);
    this.name = 'OverpassQueryError';
  }
}

type Token = { text: string; line: number; quoted: boolean };

function tokenize(ql: string): Token[] {
  const tokens: Token[] = [];
  let line = 1;
  for (let i = 0; i < ql.length; ) {
    const ch = ql[i]!;
    if (ch === '\n') line += 1;
    if (/\s/.test(ch)) {
      i += 1;
    } else if (ch === '"' || ch === "'") {
      let j = i + 1;
      let text = '';
      while (j < ql.length && ql[j] !== ch) {
        if (ql[j] === '\\' && j + 1 < ql.length) j += 1;
        if (ql[j] === '\n') line += 1;
        text += ql[j];
        j += 1;
      }
      if (j >= ql.length) throw new OverpassQueryError(line, 'parse', 'Unexpected end of input.');
      tokens.push({ text, line, quoted: true });
      i = j + 1;
    } else if (/[A-Za-z0-9_.+-]/.test(ch)) {
      const word = /^[A-Za-z0-9_.+-]+/.exec(ql.slice(i))![0];
      tokens.push({ text: word, line, quoted: false });
      i += word.length;
    } else {
      tokens.push({ text: ch, line, quoted: false });
      i += 1;
    }
  }
  return tokens;
}

/** Reads the query a buildings request sends; throws OverpassQueryError where Overpass would answer 400. */
export function readBuildingsQuery(ql: string): ReadQuery {
  const tokens = tokenize(ql);
  let at = 0;
  const peek = () => tokens[at];
  const lastLine = () => tokens[Math.min(at, tokens.length - 1)]?.line ?? 1;
  const expect = (text: string): Token => {
    const token = tokens[at];
    if (token === undefined) throw new OverpassQueryError(lastLine(), 'parse', `'${text}' expected - end of input found.`);
    if (token.quoted || token.text !== text) throw new OverpassQueryError(token.line, 'parse', `'${text}' expected - '${token.text}' found.`);
    at += 1;
    return token;
  };
  const word = (): Token => {
    const token = tokens[at];
    if (token === undefined) throw new OverpassQueryError(lastLine(), 'parse', 'Unexpected end of input.');
    at += 1;
    return token;
  };

  const query: ReadQuery = { output: 'xml', timeoutSeconds: DEFAULT_QUERY_TIMEOUT_SECONDS, maxSizeBytes: DEFAULT_QUERY_MAX_SIZE_BYTES, statements: [], recurseDown: false };
  // Settings: [out:json][timeout:25][maxsize:…];
  if (peek()?.text === '[') {
    while (peek()?.text === '[') {
      expect('[');
      const key = word();
      expect(':');
      const value = word();
      expect(']');
      if (key.text === 'out') {
        if (value.text !== 'json' && value.text !== 'xml') throw new OverpassQueryError(key.line, 'static', `Unknown output format: ${value.text}`);
        query.output = value.text;
      } else if (key.text === 'timeout' || key.text === 'maxsize') {
        const n = Number(value.text);
        if (!Number.isInteger(n) || n <= 0) throw new OverpassQueryError(key.line, 'static', `For the attribute "${key.text}" of the element "osm-script" the only allowed values are positive integers.`);
        if (key.text === 'timeout') query.timeoutSeconds = n;
        else query.maxSizeBytes = n;
      } else if (key.text !== 'bbox' && key.text !== 'date' && key.text !== 'diff') {
        throw new OverpassQueryError(key.line, 'static', `Unknown global setting "${key.text}".`);
      }
    }
    expect(';');
  }

  let outputs = 0;
  while (at < tokens.length) {
    const token = word();
    if (token.text === '(') {
      while (peek()?.text !== ')') {
        query.statements.push(readStatement());
        expect(';');
      }
      expect(')');
      expect(';');
    } else if (token.text === 'out') {
      while (peek() !== undefined && peek()!.text !== ';') {
        const mode = word();
        if (!['body', 'skel', 'ids', 'meta', 'tags', 'geom', 'center', 'bb', 'qt', 'asc', 'count'].includes(mode.text) && !/^\d+$/.test(mode.text)) {
          throw new OverpassQueryError(mode.line, 'static', `Unknown output mode "${mode.text}".`);
        }
      }
      expect(';');
      outputs += 1;
    } else if (token.text === '>' || token.text === '<') {
      if (token.text === '>' && outputs > 0) query.recurseDown = true;
      expect(';');
    } else if (['node', 'way', 'relation', 'nwr'].includes(token.text) && !token.quoted) {
      at -= 1;
      query.statements.push(readStatement());
      expect(';');
    } else {
      throw new OverpassQueryError(token.line, 'parse', `Unknown type "${token.text}"`);
    }
  }
  if (query.statements.length === 0) throw new OverpassQueryError(lastLine(), 'static', 'The query asks for no elements.');
  if (outputs === 0) throw new OverpassQueryError(lastLine(), 'static', 'The query has no "out" statement.');
  return query;

  function readStatement(): QueryStatement {
    const type = word();
    if (!['node', 'way', 'relation', 'nwr'].includes(type.text) || type.quoted) throw new OverpassQueryError(type.line, 'parse', `Unknown type "${type.text}"`);
    const tagFilters: [string, string | null][] = [];
    let area: QueryStatement['area'] | null = null;
    while (peek()?.text === '[' || peek()?.text === '(') {
      if (word().text === '[') {
        const key = word();
        let value: string | null = null;
        if (peek()?.text === '=') {
          expect('=');
          value = word().text;
        }
        expect(']');
        tagFilters.push([key.text, value]);
      } else {
        area = readArea(type.line);
        expect(')');
      }
    }
    if (area === null) throw new OverpassQueryError(type.line, 'static', 'This emulator answers building queries within a box or polygon only; give (south,west,north,east) or (poly:"…").');
    return { type: type.text as QueryStatement['type'], tagFilters, area };
  }

  function readArea(line: number): QueryStatement['area'] {
    if (peek()?.text === 'poly') {
      word();
      expect(':');
      const text = word();
      const numbers = text.text.trim().split(/\s+/).map(Number);
      if (!text.quoted || numbers.length < 6 || numbers.length % 2 !== 0 || numbers.some((n) => !Number.isFinite(n))) {
        throw new OverpassQueryError(text.line, 'static', 'A polygon needs an even number of numbers, at least three latitude longitude pairs.');
      }
      const ring: LngLat[] = [];
      for (let i = 0; i < numbers.length; i += 2) ring.push([checkLon(numbers[i + 1]!, line), checkLat(numbers[i]!, line)]);
      ring.push(ring[0]!);
      return { ring };
    }
    const parts: number[] = [];
    for (;;) {
      const n = word();
      parts.push(Number(n.text));
      if (peek()?.text !== ',') break;
      expect(',');
    }
    if (parts.length !== 4 || parts.some((n) => !Number.isFinite(n))) throw new OverpassQueryError(line, 'parse', 'A bounding box needs four numbers: south,west,north,east.');
    const [south, west, north, east] = parts as [number, number, number, number];
    checkLat(south, line);
    checkLat(north, line);
    checkLon(west, line);
    checkLon(east, line);
    if (south > north) throw new OverpassQueryError(line, 'static', 'The first latitude of a bounding box must be less than or equal to the second.');
    return { bbox: [west, south, east, north] };
  }
}

function checkLat(value: number, line: number): number {
  if (!(value >= -90 && value <= 90)) throw new OverpassQueryError(line, 'static', 'Latitudes must be between -90.0 and 90.0.');
  return value;
}

function checkLon(value: number, line: number): number {
  if (!(value >= -180 && value <= 180)) throw new OverpassQueryError(line, 'static', 'Longitudes must be between -180.0 and 180.0.');
  return value;
}
