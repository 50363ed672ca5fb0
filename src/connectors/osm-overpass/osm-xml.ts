import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { createGunzip } from 'node:zlib';
import { SaxesParser, type SaxesTagPlain } from 'saxes';
import { ConnectorError } from '../../core/http/errors';
import { OsmElementSet, type OsmMember } from './osm-elements';
import { buildingsFromElements, OVERPASS_SOURCE, refuseRuntimeError, type OverpassBuildings, type ParseOverpassOptions } from './parse';

/**
 * OSM XML (.osm, as exported from openstreetmap.org, JOSM, osmconvert or Overpass [out:xml]) read
 * as a stream with saxes, into the same result as parseOverpassJson, for `fishmouth import osm`.
 *
 *   parseOsmXml(pathOrBytesOrStream, options) → Promise<OverpassBuildings>
 *
 * Only node coordinates and the tags of ways and relations are kept while reading, so a file far
 * larger than memory's comfort streams through. Gzip (.osm.gz) is unpacked on the fly; bzip2
 * (.osm.bz2, the format of many extracts) and PBF are refused with what to do instead, as
 * Fish Mouth ships no decoder for them.
 */

export type OsmXmlInput = string | Uint8Array | AsyncIterable<Uint8Array | string>;

export interface ParseOsmXmlOptions extends ParseOverpassOptions {
  signal?: AbortSignal;
}

/** An attribute as a number; absent or blank is NaN (Number('') would be 0, a real place). */
const numberAttribute = (value: string | undefined): number => (value === undefined || value.trim() === '' ? Number.NaN : Number(value));

const unreadable = (source: string, message: string): ConnectorError => new ConnectorError({ kind: 'malformed-body', source, message });

export async function parseOsmXml(input: OsmXmlInput, options: ParseOsmXmlOptions = {}): Promise<OverpassBuildings> {
  const source = options.source ?? OVERPASS_SOURCE;
  const label = options.inputLabel ?? (typeof input === 'string' ? `The file ${basename(input)}` : 'The OSM XML data');
  const set = new OsmElementSet(source, label);
  const reader = new OsmXmlReader(set, source, label);
  const decoder = new TextDecoder('utf-8');
  let first = true;
  for await (const chunk of chunksOf(input, source, label)) {
    if (options.signal?.aborted) throw new ConnectorError({ kind: 'cancelled', source, message: `Reading ${label.replace(/^The /, 'the ')} was cancelled; nothing was imported.` });
    let bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    if (first) {
      refuseUnsupportedFormat(bytes, source, label);
      if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
      first = false;
    }
    reader.write(decoder.decode(bytes, { stream: true }));
  }
  if (first) throw unreadable(source, `${label} is empty: download the OSM extract again.`);
  reader.write(decoder.decode());
  reader.close();
  return buildingsFromElements(set, { osmBase: reader.osmBase, remark: reader.remark }, options);
}

async function* chunksOf(input: OsmXmlInput, source: string, label: string): AsyncGenerator<Uint8Array | string> {
  if (typeof input === 'string') {
    if (/\.bz2$/i.test(input)) throw bzip2Refusal(source, label);
    if (/\.pbf$/i.test(input)) throw pbfRefusal(source, label);
    const file = createReadStream(input);
    try {
      yield* gunzipIfNeeded(file, source, label);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR') {
        throw new ConnectorError({ kind: 'malformed-body', source, cause: error, message: `${label} cannot be read (${code}): check the path and that the file is yours to read.` });
      }
      throw error;
    } finally {
      file.destroy();
    }
    return;
  }
  if (input instanceof Uint8Array) {
    yield* gunzipIfNeeded([input], source, label);
    return;
  }
  yield* gunzipIfNeeded(input, source, label);
}

/** Passes chunks through, unpacking them when the first starts with the gzip magic. */
async function* gunzipIfNeeded(chunks: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array>, source: string, label: string): AsyncGenerator<Uint8Array | string> {
  const iterator = (Symbol.asyncIterator in chunks ? chunks[Symbol.asyncIterator]() : (chunks as Iterable<Uint8Array>)[Symbol.iterator]()) as AsyncIterator<Uint8Array | string> | Iterator<Uint8Array>;
  const head = await iterator.next();
  if (head.done) return;
  const first = head.value;
  if (typeof first === 'string' || first.length < 2 || first[0] !== 0x1f || first[1] !== 0x8b) {
    yield first;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
    return;
  }
  const gunzip = createGunzip();
  const feed = (async () => {
    try {
      gunzip.write(first);
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
        if (!gunzip.write(next.value)) await new Promise((resolve) => gunzip.once('drain', resolve));
      }
      gunzip.end();
    } catch (error) {
      gunzip.destroy(error as Error);
    }
  })();
  try {
    for await (const chunk of gunzip) yield chunk as Buffer;
  } catch (error) {
    throw new ConnectorError({ kind: 'truncated', source, cause: error, message: `${label} is a damaged gzip file (${(error as Error).message}): download it again.` });
  }
  await feed;
}

function bzip2Refusal(source: string, label: string): ConnectorError {
  return unreadable(source, `${label} is compressed with bzip2, which Fish Mouth cannot unpack: decompress it first (e.g. "bunzip2 -k FILE.osm.bz2", or 7-Zip on Windows) and import the .osm file.`);
}

function pbfRefusal(source: string, label: string): ConnectorError {
  return unreadable(source, `${label} is in the binary PBF format, which Fish Mouth cannot read: export the area as .osm XML (openstreetmap.org Export, or "osmium cat FILE.pbf -o FILE.osm") and import that.`);
}

function refuseUnsupportedFormat(bytes: Uint8Array, source: string, label: string): void {
  const head = Buffer.from(bytes.subarray(0, 64)).toString('latin1');
  if (head.startsWith('BZh')) throw bzip2Refusal(source, label);
  if (head.includes('OSMHeader') || head.includes('OSMData')) throw pbfRefusal(source, label);
}

/** SAX events → the element set; one open element at a time, as OSM XML never nests them. */
class OsmXmlReader {
  private readonly parser = new SaxesParser({ xmlns: false, position: true });
  private current: { kind: 'node' | 'way' | 'relation'; id: number; lat: number; lon: number; tags: Record<string, string>; nodeIds: number[]; members: OsmMember[]; skip: boolean } | null = null;
  private rootSeen = false;
  private inRemark = false;
  osmBase: string | null = null;
  remark: string | null = null;

  constructor(
    private readonly set: OsmElementSet,
    private readonly source: string,
    private readonly label: string,
  ) {
    this.parser.on('error', (error) => {
      throw unreadable(this.source, `${this.label} is not well-formed XML (${error.message.replace(/^[^:]*:\d+:\d+: /, '')} at line ${this.parser.line}): download it again, or check it is an OSM extract.`);
    });
    this.parser.on('opentag', (tag) => this.open(tag));
    this.parser.on('closetag', (tag) => this.close_(tag.name));
    this.parser.on('text', (text) => {
      if (this.inRemark) this.remark = (this.remark ?? '') + text;
    });
  }

  write(text: string): void {
    this.parser.write(text);
  }

  close(): void {
    this.parser.close();
    if (!this.rootSeen) throw unreadable(this.source, `${this.label} holds no OSM data (no <osm> element): check it is an OSM XML extract.`);
    if (this.remark !== null) refuseRuntimeError(this.remark, this.source);
  }

  private open(tag: SaxesTagPlain): void {
    const a = tag.attributes;
    if (!this.rootSeen) {
      this.rootSeen = true;
      if (tag.name === 'html') throw new ConnectorError({ kind: 'html-error-page', source: this.source, message: `${this.label} is a web page, not OSM data: save the extract itself (File → Export → OSM XML).` });
      if (tag.name === 'osmChange') throw unreadable(this.source, `${this.label} is an OSM change file (.osc), not an extract of an area: download the area as .osm.`);
      if (tag.name !== 'osm') throw unreadable(this.source, `${this.label} is XML but not OSM data (its root is <${tag.name}>): import an .osm extract.`);
      return;
    }
    switch (tag.name) {
      case 'node':
      case 'way':
      case 'relation': {
        const id = numberAttribute(a['id']);
        // JOSM marks deleted objects with action="delete"; history extracts with visible="false".
        const skip = a['action'] === 'delete' || a['visible'] === 'false';
        this.current = { kind: tag.name, id, lat: numberAttribute(a['lat']), lon: numberAttribute(a['lon']), tags: {}, nodeIds: [], members: [], skip: skip || !Number.isSafeInteger(id) };
        if (!skip && !Number.isSafeInteger(id)) this.set.unreadableElements += 1;
        if (a['timestamp'] !== undefined) this.set.noteTimestamp(a['timestamp']);
        return;
      }
      case 'tag':
        if (this.current && a['k'] !== undefined && a['v'] !== undefined) this.current.tags[a['k']] = a['v'];
        return;
      case 'nd': {
        const ref = numberAttribute(a['ref']);
        if (this.current?.kind === 'way') {
          if (Number.isSafeInteger(ref)) this.current.nodeIds.push(ref);
          else this.current.skip = true;
        }
        return;
      }
      case 'member': {
        const type = String(a['type']);
        const ref = numberAttribute(a['ref']);
        if (this.current?.kind === 'relation' && (type === 'node' || type === 'way' || type === 'relation') && Number.isSafeInteger(ref)) {
          this.current.members.push({ type, ref, role: a['role'] ?? '', geometry: null });
        }
        return;
      }
      case 'meta':
        if (a['osm_base'] !== undefined) this.osmBase = a['osm_base'];
        return;
      case 'remark':
        this.inRemark = true;
        return;
      default:
        return;
    }
  }

  private close_(name: string): void {
    if (name === 'remark') this.inRemark = false;
    const element = this.current;
    if (element === null || name !== element.kind) return;
    this.current = null;
    if (element.skip) return;
    const tags = Object.keys(element.tags).length > 0 ? element.tags : null;
    if (element.kind === 'node') {
      if (Number.isNaN(element.lat) || Number.isNaN(element.lon)) this.set.unreadableElements += 1;
      else this.set.addNode(element.id, element.lat, element.lon);
    } else if (element.kind === 'way') this.set.addWay(element.id, element.nodeIds, tags);
    else this.set.addRelation(element.id, element.members, tags);
  }
}
