import { z } from 'zod';
import { listLeads } from '../../core/leads/leads-store';
import { OPEN_STATUSES } from '../../core/leads/lead-lists';
import type { LeadStatus } from '../../core/leads/types';
import { MAX_ROUTE_STOPS, walkRoute } from '../../core/leads/walk-route';
import { findTerritory } from '../../workers/orchestrator/scan-territory';
import { commandOutput, defineCommand, EXIT, type CliContext, type ExitCode } from '../command';
import { formatTable } from '../format';
import { DATA_HELP, dataOption } from '../options';
import { failWith, latLngText, numberText, openDataFolder, statusListText, wholeNumberText } from './leads';

/**
 * `fishmouth route --territory NAME --from LAT,LNG --top N`: the order to knock the best N doors
 * in, walking from where the rep stands, with each leg and the total. Offline, on the data folder.
 */

export const DEFAULT_ROUTE_STOPS = 25;
const M_PER_MILE = 1_609.344;
const FT_PER_M = 3.280_84;

const routeArgs = z.object({
  json: z.boolean().optional(),
  data: dataOption.optional(),
  territory: z.string({ message: 'is required: the territory to walk (by name or id)' }).trim().min(1, 'must name a territory'),
  from: latLngText.optional(),
  top: wholeNumberText(1, MAX_ROUTE_STOPS).optional(),
  rep: z.string().trim().min(1).max(200).optional(),
  'min-score': numberText.pipe(z.number().min(0, 'must be from 0 to 100').max(100, 'must be from 0 to 100')).optional(),
  status: statusListText.optional(),
  positionals: z.array(z.string()).max(0, 'route takes no arguments besides its options'),
}).refine((args) => args.from !== undefined, { path: ['from'], message: 'is required: where the walk starts, as LAT,LNG (e.g. --from 30.5083,-97.6789)' });
type RouteArgs = z.output<typeof routeArgs>;

export const routeCommand = defineCommand({
  name: 'route',
  summary: 'a door-knocking walk through the best leads of a territory, from where you stand',
  usage: 'fishmouth route --territory NAME --from LAT,LNG [--top N] [--rep NAME] [--min-score N] [--status S] [--json] [--data DIR]',
  help: [
    'Works on the data folder directly, offline.',
    '',
    '  --territory NAME  a saved territory (by name or id)',
    '  --from LAT,LNG    where the walk starts, e.g. 30.5083,-97.6789 (south or west: --from=-33.9,151.2)',
    `  --top N           the N best leads (default ${DEFAULT_ROUTE_STOPS}, at most ${MAX_ROUTE_STOPS})`,
    '  --rep NAME        only leads assigned to this rep',
    '  --min-score N     only leads scoring at least N',
    `  --status S[,S]    which leads to walk to (default ${OPEN_STATUSES.join(', ')})`,
    '  --json            print exactly one JSON document',
    DATA_HELP,
    '',
    'The route is an open walk (no return to the start), shortest-first by straight-line distance:',
    'exact up to 12 doors, else nearest-neighbour improved by 2-opt and Or-opt. Streets make the real',
    'walk longer; the order is what counts.',
    'Exit code: 0 done, 1 failure, 2 wrong arguments.',
  ].join('\n'),
  options: {
    json: { type: 'boolean' },
    data: { type: 'string' },
    territory: { type: 'string' },
    from: { type: 'string' },
    top: { type: 'string' },
    rep: { type: 'string' },
    'min-score': { type: 'string' },
    status: { type: 'string' },
  },
  allowPositionals: true,
  args: routeArgs,
  run: (args, ctx) => runRoute(args, ctx),
});

async function runRoute(args: RouteArgs, ctx: CliContext): Promise<ExitCode> {
  const output = commandOutput(ctx, args.json, 'fishmouth route');
  const db = openDataFolder(args.data, ctx, output.fail);
  if (typeof db === 'number') return db;
  try {
    const territory = findTerritory(db, args.territory);
    const from = args.from!;
    const leads = listLeads(db, {
      territoryId: territory.id,
      assignedTo: args.rep,
      minScore: args['min-score'],
      statuses: args.status ?? OPEN_STATUSES,
      limit: args.top ?? DEFAULT_ROUTE_STOPS,
    });
    const route = walkRoute(from, leads);
    const byId = new Map(leads.map((lead) => [lead.id, lead]));
    let walked = 0;
    const stops = route.order.map((id, i) => {
      const lead = byId.get(id)!;
      walked += route.legsM[i]!;
      return { stop: i + 1, leadId: id, address: lead.address, lat: lead.lat, lng: lead.lng, score: lead.score, status: lead.status, legM: round1(route.legsM[i]!), cumulativeM: round1(walked) };
    });
    const document = {
      ok: true,
      territory: { id: territory.id, name: territory.name },
      from,
      method: route.method,
      stops,
      totalM: round1(route.totalM),
      totalKm: round3(route.totalM / 1000),
      totalMi: round3(route.totalM / M_PER_MILE),
      nearestNeighbourM: round1(route.nearestNeighbourM),
    };
    output.print(document, formatRoute(territory.name, stops, route.totalM, route.nearestNeighbourM));
    return EXIT.ok;
  } catch (error) {
    return failWith(output.fail, error);
  } finally {
    db.close();
  }
}

const round1 = (n: number) => Math.round(n * 10) / 10;
const round3 = (n: number) => Math.round(n * 1000) / 1000;

function distance(m: number): string {
  return `${Math.round(m)} m / ${Math.round(m * FT_PER_M)} ft`;
}

function formatRoute(territory: string, stops: { stop: number; address: string; score: number; status: string; legM: number; cumulativeM: number; leadId: string }[], totalM: number, nearestM: number): string {
  if (stops.length === 0) return `No leads to walk to in ${territory}: none match (a scan scores them; --status widens the choice).`;
  const rows = stops.map((s) => [String(s.stop), s.address.replace(/\s+/g, ' '), String(s.score), s.status.replace('_', ' '), distance(s.legM), `${(s.cumulativeM / 1000).toFixed(2)} km`, s.leadId]);
  const saved = nearestM > totalM ? ` (${Math.round(nearestM - totalM)} m shorter than always walking to the nearest door)` : '';
  return [
    `Walk through ${stops.length} lead${stops.length === 1 ? '' : 's'} in ${territory}:`,
    '',
    formatTable(['STOP', 'ADDRESS', 'SCORE', 'STATUS', 'LEG', 'SO FAR', 'LEAD ID'], rows, new Set([0, 2, 4, 5])),
    '',
    `Total walking distance ${(totalM / 1000).toFixed(2)} km (${(totalM / M_PER_MILE).toFixed(2)} mi), straight lines${saved}.`,
  ].join('\n');
}
