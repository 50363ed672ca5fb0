import type { CensusAreaFigures } from '../../core/domain/records';
import { htmlPage, notFound, textAnswer } from '../../emulators/respond';
import type { EmulatorRequest, EmulatorResponse, EmulatorRoute } from '../../emulators/route-types';
import type { World, WorldTract } from '../../emulators/world';
import { ACS_VARIABLES, type AcsField } from './parse';

/**
 * The Census ACS 5-year API on loopback: GET /{vintage}/acs/acs5?get=…&for=…&in=…[&key=…],
 * answered from the World's tracts in the real layout (array of string arrays, one row per line,
 * geography columns after the variables). Refusals as Census gives them:
 *   unknown variable            → 400 text "error: error: unknown variable 'X'"
 *   unknown geography / nesting → 400 text "error: unknown/unsupported geography heirarchy"
 *   a key that is not a key     → 302 to invalid_key.html, an HTML "Invalid Key" page (200)
 *   a vintage not published     → 404 page
 *   no rows                     → 204 with an empty body
 * Note: the World has no block groups, so they are refused like an unknown nesting. The World holds tract figures of one vintage; they are served for every vintage from 2009
 * up to it. County and ZCTA figures are the emulator's own aggregate of the tracts (unit-weighted
 * medians, summed counts), with ZCTAs taken from the buildings' postcodes.
 */

const KNOWN_GET = new Set<string>(['NAME', 'GEO_ID', ...Object.values(ACS_VARIABLES)]);
const FIELD_OF = new Map<string, AcsField>(Object.entries(ACS_VARIABLES).map(([field, variable]) => [variable, field as AcsField]));
// Real Census keys are 40 hexadecimal characters.
const KEY_SHAPE = /^[0-9a-f]{40}$/i;
const FIRST_VINTAGE = 2009;
const HIERARCHY_ERROR = 'error: unknown/unsupported geography heirarchy';

interface Area {
  figures: CensusAreaFigures;
  /** Geography column values, in the order Census appends them. */
  codes: Array<[string, string]>;
}

export const censusAcsEmulator: EmulatorRoute = {
  source: 'census-acs',
  prefix: '/census-acs',
  handle(request, world) {
    if (request.path === '/invalid_key.html') return invalidKeyPage();
    const match = /^\/(\d{4})\/acs\/acs5\/?$/.exec(request.path);
    if (!match) return notFound(request.path);
    const vintage = Number(match[1]);
    const newest = Math.max(...world.tracts().map((tract) => tract.figures.vintage), FIRST_VINTAGE);
    if (vintage < FIRST_VINTAGE || vintage > newest) return notFound(request.path);
    const key = request.query.get('key');
    if (key !== null && !KEY_SHAPE.test(key)) {
      return { status: 302, headers: { location: `${censusAcsEmulator.prefix}/invalid_key.html`, 'content-type': 'text/html' }, body: '' };
    }
    return answer(request, world, vintage);
  },
};

function answer(request: EmulatorRequest, world: World, vintage: number): EmulatorResponse {
  const get = (request.query.get('get') ?? '').split(',').map((name) => name.trim()).filter(Boolean);
  if (get.length === 0) return censusError("error: missing 'get' parameter");
  const unknown = get.find((name) => !KNOWN_GET.has(name));
  if (unknown) return censusError(`error: error: unknown variable '${unknown}'`);

  const forClause = parseClause(request.query.get('for') ?? '');
  // Census takes the nesting as one `in` ("state:48 county:085") or as several `in` parameters.
  const inClauses = request.query.getAll('in').join(' ').split(/\s+/).filter(Boolean).map(parseClause);
  if (!forClause || inClauses.some((clause) => clause === null)) return censusError(HIERARCHY_ERROR);
  const within = new Map(inClauses.map((clause) => [clause!.level, clause!.values]));
  const areas = areasFor(world, forClause.level, within, vintage);
  if (areas === null) return censusError(HIERARCHY_ERROR);
  const wanted = areas.filter((area) => forClause.values === '*' || forClause.values.includes(area.codes[area.codes.length - 1]![1]));
  if (wanted.length === 0) return { status: 204, headers: { 'content-type': 'application/json;charset=utf-8' }, body: '' };

  const geographyColumns = wanted[0]!.codes.map(([name]) => name);
  const rows = [[...get, ...geographyColumns], ...wanted.map((area) => [...get.map((name) => cell(area, name)), ...area.codes.map(([, code]) => code)])];
  // One row per line, as Census prints it.
  const body = `[${rows.map((row) => JSON.stringify(row)).join(',\n')}]`;
  return textAnswer(body, { contentType: 'application/json;charset=utf-8', gzip: true });
}

function cell(area: Area, name: string): string | null {
  if (name === 'NAME') return area.figures.name;
  if (name === 'GEO_ID') return `${area.figures.geography === 'zcta' ? '860Z200US' : area.figures.geography === 'county' ? '0500000US' : '1400000US'}${area.figures.geoid}`;
  const field = FIELD_OF.get(name)!;
  const value = area.figures[field];
  if (value !== null) return String(value);
  // Census's sentinel for an estimate it cannot give; counts are never withheld, only missing.
  return field === 'ownerOccupiedUnits' || field === 'renterOccupiedUnits' ? null : '-666666666';
}

function parseClause(text: string): { level: string; values: string[] | '*' } | null {
  const match = /^([a-z ]+):(\*|[0-9A-Za-z,]+)$/.exec(text.trim());
  if (!match) return null;
  return { level: match[1]!, values: match[2] === '*' ? '*' : match[2]!.split(',') };
}

function areasFor(world: World, level: string, within: Map<string, string[] | '*'>, vintage: number): Area[] | null {
  const allowed = (name: string, code: string) => {
    const values = within.get(name);
    return values === undefined || values === '*' || values.includes(code);
  };
  const tracts = world.tracts().filter((tract) => allowed('state', tract.stateFips) && allowed('county', tract.countyFips));
  const levels = [...within.keys()];
  if (level === 'tract') {
    // Tracts nest in a state (and optionally a county), as in the real API.
    if (!within.has('state') || levels.some((name) => name !== 'state' && name !== 'county')) return null;
    return tracts.map((tract) => ({
      figures: { ...tract.figures, geoid: tract.geoid, geography: 'tract', name: tract.name, vintage },
      codes: [['state', tract.stateFips], ['county', tract.countyFips], ['tract', tract.tractCode]],
    }));
  }
  if (level === 'county') {
    if (levels.some((name) => name !== 'state')) return null;
    const byCounty = groupBy(tracts, (tract) => tract.stateFips + tract.countyFips);
    return [...byCounty.values()].map((group) => {
      const first = group[0]!;
      // Since the 2023 release Census separates the parts of a name with ';' instead of ','.
      const separator = first.name.includes(';') ? ';' : ',';
      const countyName = first.name.split(separator).slice(1).map((part) => part.trim()).join(`${separator} `);
      return {
        figures: { ...aggregate(group), geoid: first.stateFips + first.countyFips, geography: 'county', name: countyName || null, vintage },
        codes: [['state', first.stateFips], ['county', first.countyFips]],
      };
    });
  }
  if (level === 'zip code tabulation area') {
    // Since 2020 ZCTAs are not nested in states.
    if (levels.length > 0) return null;
    return zctaAreas(world, vintage);
  }
  return null;
}

const zctaCache = new WeakMap<World, Map<string, WorldTract[]>>();

function zctaAreas(world: World, vintage: number): Area[] {
  let tractsByZcta = zctaCache.get(world);
  if (!tractsByZcta) {
    tractsByZcta = new Map();
    for (const building of world.buildingsIn(world.bbox)) {
      const postcode = building.tags['addr:postcode']?.slice(0, 5);
      const tract = postcode && /^\d{5}$/.test(postcode) ? world.tractAt(building.centroid) : null;
      if (!postcode || !tract) continue;
      const list = tractsByZcta.get(postcode) ?? [];
      if (!list.includes(tract)) list.push(tract);
      tractsByZcta.set(postcode, list);
    }
    zctaCache.set(world, tractsByZcta);
  }
  return [...tractsByZcta.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([zcta, group]) => ({ figures: { ...aggregate(group), geoid: zcta, geography: 'zcta', name: `ZCTA5 ${zcta}`, vintage }, codes: [['zip code tabulation area', zcta]] }));
}

type Figures = Pick<CensusAreaFigures, AcsField>;

function aggregate(tracts: readonly WorldTract[]): Figures {
  const units = (tract: WorldTract) => (tract.figures.ownerOccupiedUnits ?? 0) + (tract.figures.renterOccupiedUnits ?? 0);
  const weighted = (field: 'medianHouseholdIncomeUsd' | 'medianYearBuilt' | 'medianHomeValueUsd') => {
    let sum = 0;
    let weight = 0;
    for (const tract of tracts) {
      const value = tract.figures[field];
      if (value === null) continue;
      const w = Math.max(1, units(tract));
      sum += value * w;
      weight += w;
    }
    return weight === 0 ? null : Math.round(sum / weight);
  };
  const total = (field: 'ownerOccupiedUnits' | 'renterOccupiedUnits') => tracts.reduce((sum, tract) => sum + (tract.figures[field] ?? 0), 0);
  return {
    medianHouseholdIncomeUsd: weighted('medianHouseholdIncomeUsd'),
    medianYearBuilt: weighted('medianYearBuilt'),
    medianHomeValueUsd: weighted('medianHomeValueUsd'),
    ownerOccupiedUnits: total('ownerOccupiedUnits'),
    renterOccupiedUnits: total('renterOccupiedUnits'),
  };
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const list = groups.get(key(item)) ?? [];
    list.push(item);
    groups.set(key(item), list);
  }
  return groups;
}

function censusError(text: string): EmulatorResponse {
  return textAnswer(text, { status: 400, contentType: 'text/plain;charset=utf-8' });
}

function invalidKeyPage(): EmulatorResponse {
  const page = htmlPage(200, 'Invalid Key', 'A valid key must be included with each data API request. You included a key with this request, however, it is not valid. Please check your key and try again.');
  return { ...page, body: String(page.body).replace('A valid key', 'A valid <em>key</em>') };
}
