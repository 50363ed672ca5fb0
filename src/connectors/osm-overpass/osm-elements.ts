import type { LatLng, LngLat, Polygon } from '../../core/domain/geo';
import { propertyObservationSchema, type PropertyObservation } from '../../core/domain/records';
import { ConnectorError } from '../../core/http/errors';
import { buildingObservation, hasHouseNumber, isBuildingTagged, type OsmTags } from './observation';
import { joinIntoRings, ringCentroid, ringContains, ringProblem, signedArea, wound } from './rings';

/**
 * The OSM elements of one answer or file (nodes, ways, relations), whichever format they came
 * in (Overpass JSON, OSM XML), and their assembly into building observations. Both parsers feed
 * an `OsmElementSet`; `assembleBuildings` then resolves every building way and multipolygon into
 * a footprint, skipping (and counting, by reason) what cannot be one. Nothing here throws on a
 * bad building; only data that cannot be real (absurd coordinates) refuses the whole input.
 */

export interface SkipCount {
  reason: string;
  count: number;
}

export interface AssembledBuildings {
  observations: PropertyObservation[];
  skipped: SkipCount[];
}

export interface OsmMember {
  type: 'node' | 'way' | 'relation';
  ref: number;
  role: string;
  /** Inline member geometry from `out geom`; null positions are nodes the server left out. */
  geometry: (LngLat | null)[] | null;
}

interface OsmWay {
  nodeIds: number[];
  tags: OsmTags | null;
  geometry: (LngLat | null)[] | null;
}

interface OsmRelation {
  members: OsmMember[];
  tags: OsmTags | null;
}

const hasTags = (tags: OsmTags | null): tags is OsmTags => tags !== null && Object.keys(tags).length > 0;

export class OsmElementSet {
  // Note: node coordinates live in one growing Float64Array (id → slot) rather than an object per
  // node: a county-sized file has millions of nodes and this keeps them at 16 bytes apiece.
  private readonly nodeSlots = new Map<number, number>();
  private coordinates = new Float64Array(2 * 4096);
  private readonly ways = new Map<number, OsmWay>();
  private readonly relations = new Map<number, OsmRelation>();
  /** Newest element timestamp seen, the best "data as of" when the input names none. */
  newestTimestamp: string | null = null;
  /** OSM elements too broken to read (counted, so a damaged input never looks complete). */
  unreadableElements = 0;

  /** `inputLabel` names the input in messages, e.g. "The Overpass answer" or "The file West-Oakland.osm". */
  constructor(
    private readonly source: string,
    private readonly inputLabel: string,
  ) {}

  addNode(id: number, lat: number, lon: number): void {
    if (!Number.isFinite(lat) || !Number.isFinite(lon) || lat < -90 || lat > 90 || lon < -180 || lon > 180) {
      throw new ConnectorError({
        kind: 'malformed-body',
        source: this.source,
        message: `${this.inputLabel} places OSM node ${id} at latitude ${lat}, longitude ${lon}, which is not on Earth: the data is corrupt. Fetch or download it again.`,
      });
    }
    let slot = this.nodeSlots.get(id);
    if (slot === undefined) {
      slot = this.nodeSlots.size;
      if (2 * slot + 2 > this.coordinates.length) {
        const grown = new Float64Array(this.coordinates.length * 2);
        grown.set(this.coordinates);
        this.coordinates = grown;
      }
      this.nodeSlots.set(id, slot);
    }
    this.coordinates[2 * slot] = lon;
    this.coordinates[2 * slot + 1] = lat;
  }

  /** Overpass sends a member way twice (`out body` with tags, `out skel` without): keep the tags. */
  addWay(id: number, nodeIds: number[], tags: OsmTags | null, geometry: (LngLat | null)[] | null = null): void {
    const known = this.ways.get(id);
    this.ways.set(id, {
      nodeIds: nodeIds.length > 0 ? nodeIds : (known?.nodeIds ?? []),
      tags: hasTags(tags) ? tags : (known?.tags ?? null),
      geometry: geometry ?? known?.geometry ?? null,
    });
  }

  addRelation(id: number, members: OsmMember[], tags: OsmTags | null): void {
    const known = this.relations.get(id);
    this.relations.set(id, { members: members.length > 0 ? members : (known?.members ?? []), tags: hasTags(tags) ? tags : (known?.tags ?? null) });
  }

  noteTimestamp(timestamp: string | undefined): void {
    if (timestamp !== undefined && (this.newestTimestamp === null || timestamp > this.newestTimestamp)) this.newestTimestamp = timestamp;
  }

  get counts(): { nodes: number; ways: number; relations: number } {
    return { nodes: this.nodeSlots.size, ways: this.ways.size, relations: this.relations.size };
  }

  position(nodeId: number): LngLat | null {
    const slot = this.nodeSlots.get(nodeId);
    return slot === undefined ? null : [this.coordinates[2 * slot]!, this.coordinates[2 * slot + 1]!];
  }

  /** The way's positions, or null when any of its nodes is missing from the input. */
  wayPositions(id: number): LngLat[] | null {
    const way = this.ways.get(id);
    return way === undefined ? null : this.resolve(way);
  }

  private resolve(way: OsmWay): LngLat[] | null {
    if (way.geometry !== null && way.geometry.length > 0) return way.geometry.every((p) => p !== null) ? (way.geometry as LngLat[]) : null;
    const positions: LngLat[] = [];
    for (const id of way.nodeIds) {
      const position = this.position(id);
      if (position === null) return null;
      positions.push(position);
    }
    return positions;
  }

  *entries(): Generator<['way', number, OsmWay] | ['relation', number, OsmRelation]> {
    for (const [id, way] of this.ways) yield ['way', id, way];
    for (const [id, relation] of this.relations) yield ['relation', id, relation];
  }

  /** Ways that outline (part of) a building relation: geometry, not features of their own. */
  buildingOutlineWays(): Set<number> {
    const members = new Set<number>();
    for (const relation of this.relations.values()) {
      if (isBuildingTagged(relation.tags)) for (const m of relation.members) if (m.type === 'way') members.add(m.ref);
    }
    return members;
  }
}

export interface AssembleOptions {
  source: string;
  observedAt: string;
  /** Keep only buildings with addr:housenumber (the others are counted as skipped). */
  onlyAddressed?: boolean;
}

class SkipTally {
  private readonly counts = new Map<string, number>();
  add(reason: string, count = 1): void {
    if (count > 0) this.counts.set(reason, (this.counts.get(reason) ?? 0) + count);
  }
  list(): SkipCount[] {
    return [...this.counts].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason));
  }
}

export function assembleBuildings(set: OsmElementSet, options: AssembleOptions): AssembledBuildings {
  const skipped = new SkipTally();
  const observations: PropertyObservation[] = [];
  const outlineWays = set.buildingOutlineWays();
  skipped.add('OSM element the app cannot read', set.unreadableElements);
  const context = { source: options.source, observedAt: options.observedAt };

  const accept = (sourceRecordId: string, tags: OsmTags, shape: { footprint: Polygon; centroid: LatLng }): void => {
    if (options.onlyAddressed && !hasHouseNumber(tags)) return skipped.add('building has no house number');
    const observation = buildingObservation({ sourceRecordId, tags, ...shape }, context);
    // Note: the shape is built to fit the record, so this only catches what no test foresaw; the
    // building is then counted, not lost in silence and not allowed to stop the whole import.
    const checked = propertyObservationSchema.safeParse(observation);
    if (checked.success) observations.push(checked.data);
    else skipped.add(`building the app cannot read (${checked.error.issues[0]?.path.join('.') || 'record'})`);
  };

  for (const entry of set.entries()) {
    if (entry[0] === 'way') {
      const [, id, way] = entry;
      if (!isBuildingTagged(way.tags)) {
        // Untagged ways are outlines of a relation or bare geometry; only tagged ones are "not a building".
        if (hasTags(way.tags) && !outlineWays.has(id)) skipped.add('not a building (road, land use or other feature)');
        continue;
      }
      const positions = set.wayPositions(id);
      if (positions === null) {
        skipped.add('building way whose nodes are missing from the data');
        continue;
      }
      const problem = ringProblem(positions);
      if (problem !== null) {
        skipped.add(`building way: ${problem}`);
        continue;
      }
      const outer = wound(positions, false);
      accept(`way/${id}`, way.tags!, { footprint: { type: 'Polygon', coordinates: [outer] }, centroid: ringCentroid(outer) });
    } else {
      const [, id, relation] = entry;
      if (!isBuildingTagged(relation.tags)) {
        if (hasTags(relation.tags)) skipped.add('not a building (road, land use or other feature)');
        continue;
      }
      if (relation.tags!['type'] !== 'multipolygon') {
        skipped.add('building relation that is not a multipolygon');
        continue;
      }
      const shape = multipolygonShape(set, relation, skipped);
      if (shape !== null) accept(`relation/${id}`, relation.tags!, shape);
    }
  }
  return { observations, skipped: skipped.list() };
}

/**
 * The footprint of a building multipolygon: its largest outer ring with the inner rings (courtyards)
 * that lie inside it as holes. Note: a record holds one Polygon, so a building mapped as several
 * separate outer parts keeps its largest part, which is where the roof a rep visits is.
 */
function multipolygonShape(set: OsmElementSet, relation: OsmRelation, skipped: SkipTally): { footprint: Polygon; centroid: LatLng } | null {
  const outerWays: LngLat[][] = [];
  const innerWays: LngLat[][] = [];
  let missing = 0;
  for (const member of relation.members) {
    if (member.type !== 'way' || (member.role !== 'outer' && member.role !== 'inner' && member.role !== '')) continue;
    const positions =
      member.geometry !== null && member.geometry.length > 0
        ? member.geometry.every((p) => p !== null)
          ? (member.geometry as LngLat[])
          : null
        : set.wayPositions(member.ref);
    if (positions === null) missing += 1;
    // Old multipolygons leave the role empty; those members are outlines.
    else (member.role === 'inner' ? innerWays : outerWays).push(positions);
  }
  const outer = joinIntoRings(outerWays)
    .rings.filter((ring) => ringProblem(ring) === null)
    .sort((a, b) => Math.abs(signedArea(b)) - Math.abs(signedArea(a)))[0];
  if (outer === undefined) {
    skipped.add(missing > 0 ? 'building multipolygon whose member ways are missing from the data' : 'building multipolygon without a closed outer ring');
    return null;
  }
  const holes = joinIntoRings(innerWays).rings.filter((ring) => ringProblem(ring) === null && ringContains(outer, ring[0]!));
  const outerRing = wound(outer, false);
  return {
    footprint: { type: 'Polygon', coordinates: [outerRing, ...holes.map((hole) => wound(hole, true))] },
    centroid: ringCentroid(outerRing),
  };
}
