import { z } from 'zod';
import { idSchema } from '../../core/ids';
import { getLead, repNameSchema } from '../../core/leads/leads-store';
import { VISIT_OUTCOMES } from '../../core/leads/types';
import { logVisit } from '../../core/leads/visits-store';
import { commandOutput, defineCommand, EXIT, type CliContext, type ExitCode } from '../command';
import { DATA_HELP, dataOption } from '../options';
import { dayOrTimeText, failWith, latLngText, openDataFolder } from './leads';

/**
 * `fishmouth visit LEAD_ID --outcome OUTCOME`: logs a door knock. Saved on this device at once
 * (offline) and synced later; the lead's status follows its latest visit.
 */

const outcomeText = z
  .string()
  .trim()
  .transform((text) => text.toLowerCase().replace(/[ -]/g, '_'))
  .pipe(z.enum(VISIT_OUTCOMES, { message: `must be one of ${VISIT_OUTCOMES.join(', ')}` }));

const visitArgs = z.object({
  json: z.boolean().optional(),
  data: dataOption.optional(),
  outcome: outcomeText.optional(),
  note: z.string().trim().max(5_000, 'must be under 5,000 characters').optional(),
  at: latLngText.optional(),
  when: dayOrTimeText.optional(),
  rep: repNameSchema.optional(),
  positionals: z.array(z.string()),
}).superRefine((args, ctx) => {
  const [leadId, ...extra] = args.positionals;
  if (leadId === undefined) ctx.addIssue({ code: 'custom', path: ['positionals'], message: 'say which lead, e.g. fishmouth visit LEAD_ID --outcome not_home (fishmouth leads lists the ids)' });
  else if (!idSchema.safeParse(leadId).success) ctx.addIssue({ code: 'custom', path: ['positionals'], message: `"${leadId}" is not a lead id (a UUID, as fishmouth leads prints it)` });
  if (extra.length > 0) ctx.addIssue({ code: 'custom', path: ['positionals'], message: `unexpected argument "${extra[0]}"` });
  if (args.outcome === undefined) ctx.addIssue({ code: 'custom', path: ['outcome'], message: `is required: ${VISIT_OUTCOMES.join(', ')}` });
});
type VisitArgs = z.output<typeof visitArgs>;

export const visitCommand = defineCommand({
  name: 'visit',
  summary: 'log a door knock: the outcome, a note, where and who; the lead’s status follows',
  usage: 'fishmouth visit LEAD_ID --outcome OUTCOME [--note TEXT] [--at LAT,LNG] [--rep NAME] [--when TIME] [--json] [--data DIR]',
  help: [
    'Works on the data folder directly, offline; the visit syncs when a connection exists.',
    '',
    `  --outcome O       ${VISIT_OUTCOMES.join(', ')}`,
    '  --note TEXT       what the rep wants to remember',
    '  --at LAT,LNG      where the rep stood, e.g. 30.5083,-97.6789',
    '  --rep NAME        who knocked',
    '  --when TIME       when it happened (ISO-8601, default now), for visits logged later',
    '  --json            print exactly one JSON document',
    DATA_HELP,
    '',
    'Appointment and sold count as successes, not interested and not home as failures, when the',
    'lead model is retrained (fishmouth model train). Visits are permanent: a correction is a new visit.',
    'Exit code: 0 done, 1 failure (e.g. no such lead), 2 wrong arguments.',
  ].join('\n'),
  options: {
    json: { type: 'boolean' },
    data: { type: 'string' },
    outcome: { type: 'string' },
    note: { type: 'string' },
    at: { type: 'string' },
    when: { type: 'string' },
    rep: { type: 'string' },
  },
  allowPositionals: true,
  args: visitArgs,
  run: (args, ctx) => runVisit(args, ctx),
});

async function runVisit(args: VisitArgs, ctx: CliContext): Promise<ExitCode> {
  const output = commandOutput(ctx, args.json, 'fishmouth visit');
  const db = openDataFolder(args.data, ctx, output.fail);
  if (typeof db === 'number') return db;
  try {
    const visit = logVisit(db, { leadId: args.positionals[0]!, outcome: args.outcome!, note: args.note, position: args.at, at: args.when, rep: args.rep });
    const lead = getLead(db, visit.leadId)!;
    output.print(
      { ok: true, visit, lead: { id: lead.id, address: lead.address, status: lead.status } },
      [
        `Logged ${visit.outcome.replace('_', ' ')} at ${lead.address} (${visit.visitedAt}${visit.rep ? `, ${visit.rep}` : ''}).`,
        lead.status === visit.outcome ? `The lead is now ${lead.status.replace('_', ' ')}.` : `The lead stays ${lead.status.replace('_', ' ')}: a later visit says so.`,
      ].join('\n'),
    );
    return EXIT.ok;
  } catch (error) {
    return failWith(output.fail, error);
  } finally {
    db.close();
  }
}
