import { z } from 'zod';
import { resolveDataDir } from '../../core/data-dir';
import { LEAD_FEATURES } from '../../core/leads/lead-features';
import { trainingOutcomes } from '../../core/leads/visits-store';
import { openDatabase, runMigrations, StoreError, type Db } from '../../core/store';
import { isMlError } from '../../ml/errors';
import { buildLeadModelOnnx, DEFAULT_LEAD_PRIOR } from '../../ml/lead-model';
import { trainLeadModel, type CalibrationBin, type TrainingMetrics } from '../../ml/lead-training';
import { defaultModelsDir } from '../../ml/model-files';
import { activeModel, listModels, MODEL_KINDS, registerModel, rollbackModel, type ModelKind, type RegisteredModel } from '../../ml/model-registry';
import { commandOutput, defineCommand, EXIT, type CliContext, type CommandOutput, type ExitCode } from '../command';
import { formatTable } from '../format';
import { DATA_HELP, dataOption } from '../options';

/**
 * `fishmouth model [list] | train | rollback`: the local models' versions, retraining the lead
 * model from the team's logged visit outcomes, and going back to the previous version. Opens
 * the data folder directly (and migrates it, as the host does).
 */

const ACTIONS = ['list', 'train', 'rollback'] as const;
type Action = (typeof ACTIONS)[number];

const modelArgs = z
  .object({
    json: z.boolean().optional(),
    data: dataOption.optional(),
    kind: z.enum(MODEL_KINDS, { message: `must be ${MODEL_KINDS.join(' or ')}` }).optional(),
    positionals: z.array(z.string()),
  })
  .superRefine((args, ctx) => {
    const [action = 'list', extra] = args.positionals;
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if (!(ACTIONS as readonly string[]).includes(action)) return issue('positionals', `unknown action "${action}" (use list, train or rollback)`);
    if (extra !== undefined) issue('positionals', `unexpected argument "${extra}"`);
    if (action === 'train' && args.kind !== undefined && args.kind !== 'lead-score') issue('kind', 'only the lead-score model is trained from visit outcomes');
  });
type ModelArgs = z.output<typeof modelArgs>;

export const modelCommand = defineCommand({
  name: 'model',
  summary: 'lead model versions: retrain from visit outcomes, list, roll back',
  usage: 'fishmouth model [list] | model train | model rollback [--kind lead-score|roof-condition] [--json] [--data DIR]',
  help: [
    'Works on the data folder directly, with or without a running Fish Mouth.',
    '',
    '  model [list]      every version of the model, the active one marked, with its held-out figures',
    '  model train       fit the lead model to the logged visit outcomes (appointment or sold against',
    '                    not interested or not home; the latest outcome of each lead), validate it on',
    '                    the newest 25% of them against the default prior (AUC, Brier, calibration),',
    '                    and make it the active version; the previous version is kept',
    '  model rollback    make the version before the active one active again',
    '',
    '  --kind K          lead-score (default) or roof-condition, for list and rollback',
    '  --json            print exactly one JSON document',
    DATA_HELP,
    '',
    'Exit code: 0 done, 1 failure (too few outcomes to train: the message says how many more), 2 wrong arguments.',
  ].join('\n'),
  options: {
    json: { type: 'boolean' },
    data: { type: 'string' },
    kind: { type: 'string' },
  },
  allowPositionals: true,
  args: modelArgs,
  run: (args, ctx) => runModel(args, ctx),
});

async function runModel(args: ModelArgs, ctx: CliContext): Promise<ExitCode> {
  const action = (args.positionals[0] ?? 'list') as Action;
  const kind: ModelKind = args.kind ?? 'lead-score';
  const output = commandOutput(ctx, args.json, `fishmouth model ${action}`);
  const dataDir = resolveDataDir(args.data, ctx.env);
  let db: Db;
  try {
    db = openDatabase(dataDir);
    runMigrations(db);
  } catch (error) {
    return output.fail(error instanceof StoreError ? error.kind : 'cannot-open', error instanceof Error ? error.message : String(error));
  }
  try {
    switch (action) {
      case 'list':
        return showList(db, kind, dataDir, output);
      case 'train':
        return train(db, dataDir, ctx, args.json === true, output);
      case 'rollback': {
        const from = listModels(db, kind).find((m) => m.active);
        const now = rollbackModel(db, kind);
        output.print({ ok: true, kind, from: from?.id ?? null, active: now }, `Rolled back ${kind}: ${from?.id ?? '?'} → ${now.id} (${describeOrigin(now)}). ${from?.id ?? 'The newer version'} is kept; training again makes a new version.`);
        return EXIT.ok;
      }
    }
  } catch (error) {
    const kindOf = isMlError(error) ? error.kind : error instanceof StoreError ? error.kind : 'failure';
    return output.fail(kindOf, error instanceof Error ? error.message : String(error));
  } finally {
    db.close();
  }
}

const builtIn = (dataDir: string) => ({ dataDir, builtModelsDir: defaultModelsDir(), builtDefault: () => buildLeadModelOnnx(DEFAULT_LEAD_PRIOR) });

function showList(db: Db, kind: ModelKind, dataDir: string, output: CommandOutput): ExitCode {
  // Note: the lead model's default is registered on first use, so a new data folder lists v1.
  if (kind === 'lead-score') activeModel(db, kind, builtIn(dataDir));
  const models = listModels(db, kind);
  if (models.length === 0) {
    output.print({ ok: true, kind, models }, `No ${kind} model is registered yet: the first scan registers the built default.`);
    return EXIT.ok;
  }
  const figure = (m: RegisteredModel, key: string) => (typeof m.metrics[key] === 'number' ? (m.metrics[key] as number).toFixed(3) : '-');
  const table = formatTable(
    ['VERSION', 'ID', 'ACTIVE', 'CREATED', 'OUTCOMES', 'AUC', 'BRIER', 'SHA256'],
    models.map((m) => [`v${m.version}`, m.id, m.active ? 'yes' : '', m.createdAt.slice(0, 16).replace('T', ' '), String(m.trainedOn), figure(m, 'aucTrained'), figure(m, 'brierTrained'), m.sha256.slice(0, 12)]),
    new Set([4, 5, 6]),
  );
  output.print({ ok: true, kind, models }, `${kind} models (AUC and Brier on the held-out outcomes of their training):\n\n${table}`);
  return EXIT.ok;
}

function train(db: Db, dataDir: string, ctx: CliContext, json: boolean, output: CommandOutput): ExitCode {
  const parent = activeModel(db, 'lead-score', builtIn(dataDir));
  const outcomes = trainingOutcomes(db);
  // Note: the prior is always the documented default, not the active version: every training
  // sees every outcome, so chaining priors would count old outcomes twice.
  const result = trainLeadModel(
    outcomes.map((o) => ({ vector: o.features, positive: o.label === 1, at: o.visitedAt })),
    DEFAULT_LEAD_PRIOR,
  );
  if (!result.ok) {
    if (json) ctx.stdout.write(`${JSON.stringify({ ok: false, error: { kind: result.reason, message: result.message }, needMore: result.needMore, outcomes: outcomes.length })}\n`);
    else ctx.stderr.write(`fishmouth model train: ${result.message} Log visits with \`fishmouth visit LEAD_ID --outcome OUTCOME\`.\n`);
    return EXIT.failure;
  }
  const { metrics } = result;
  const bytes = buildLeadModelOnnx(result.params, { 'trained-on': String(metrics.n), 'prior-strength': String(metrics.priorStrength) });
  const model = registerModel(db, 'lead-score', bytes, { dataDir, metrics: { ...metrics }, trainedOn: metrics.n, parentId: parent.id });
  const weights = LEAD_FEATURES.map((feature, i) => ({ feature, prior: DEFAULT_LEAD_PRIOR.weights[i]!, trained: result.params.weights[i]! }));
  output.print({ ok: true, model, previous: parent.id, metrics, weights, bias: { prior: DEFAULT_LEAD_PRIOR.bias, trained: result.params.bias } }, describeTraining(model, parent.id, metrics, weights));
  return EXIT.ok;
}

const pct = (x: number | null) => (x === null ? '-' : `${Math.round(x * 100)}%`);

function calibrationTable(bins: CalibrationBin[]): string {
  return formatTable(
    ['PREDICTED', 'DOORS', 'MEAN PREDICTED', 'OBSERVED'],
    bins.map((b) => [`${pct(b.from)}–${pct(b.to)}`, String(b.n), pct(b.predicted), pct(b.observed)]),
    new Set([1, 2, 3]),
  );
}

function describeTraining(model: RegisteredModel, previous: string, m: TrainingMetrics, weights: { feature: string; prior: number; trained: number }[]): string {
  const lines = [
    `Trained ${model.id} on ${m.n} visit outcomes (${m.positives} appointment or sold, ${m.n - m.positives} not interested or not home)${m.skipped ? `; ${m.skipped} visits from an older feature set left out` : ''}.`,
    `It is now active; ${previous} is kept (\`fishmouth model rollback\` goes back to it).`,
    '',
    `Held out the newest ${m.holdoutN} outcomes (25% of each kind), fitted on the other ${m.trainN}:`,
    formatTable(
      ['MODEL', 'AUC', 'BRIER'],
      [
        ['default prior', m.aucPrior.toFixed(3), m.brierPrior.toFixed(3)],
        ['trained', m.aucTrained.toFixed(3), m.brierTrained.toFixed(3)],
      ],
      new Set([1, 2]),
    ),
    '',
    'Calibration of the trained model on the held-out outcomes:',
    calibrationTable(m.calibration),
    '',
    'Calibration of the default prior on the same outcomes:',
    calibrationTable(m.calibrationPrior),
    '',
    'Weights (log-odds per standard deviation of each feature):',
    formatTable(['FEATURE', 'PRIOR', 'TRAINED'], weights.map((w) => [w.feature, w.prior.toFixed(2), w.trained.toFixed(2)]), new Set([1, 2])),
  ];
  if (m.aucTrained < m.aucPrior && m.brierTrained > m.brierPrior) {
    lines.push('', `Note: on the held-out outcomes the trained model does worse than the default prior; \`fishmouth model rollback\` returns to ${previous}.`);
  }
  return lines.join('\n');
}

function describeOrigin(m: RegisteredModel): string {
  return m.trainedOn > 0 ? `trained on ${m.trainedOn} outcomes` : 'the built default';
}
