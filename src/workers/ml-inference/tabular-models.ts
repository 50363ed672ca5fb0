import type { ModelOutputs } from '../../core/contracts/ml-contract';
import type { Db } from '../../core/store/database';
import { buildLeadModelOnnx, DEFAULT_LEAD_PRIOR } from '../../ml/lead-model';
import { defaultModelsDir } from '../../ml/model-files';
import { activeModel, type ModelKind } from '../../ml/model-registry';
import { openModelSession, type ModelSession } from '../../ml/onnx-session';
import { buildRoofConditionOnnx } from '../../ml/roof-condition-model';

/**
 * The two small tabular models (roof condition, lead score), one ONNX session each for the active
 * version. The active version is looked up on every call (one indexed row), so a lead model
 * retrained or rolled back by `fishmouth model` is used from the next call, with no restart.
 */

const BUILT_DEFAULTS: Record<ModelKind, () => Uint8Array> = {
  'lead-score': () => buildLeadModelOnnx(DEFAULT_LEAD_PRIOR),
  'roof-condition': () => buildRoofConditionOnnx(),
};

interface OpenModel {
  id: string;
  sha256: string;
  session: ModelSession;
}

export class TabularModels {
  private readonly open = new Map<ModelKind, Promise<OpenModel>>();
  /** Found once: finding it walks the folder tree. */
  private readonly builtModelsDir = defaultModelsDir();

  constructor(
    private readonly db: Db,
    private readonly dataDir: string,
  ) {}

  async run(kind: ModelKind, inputs: number[][]): Promise<ModelOutputs> {
    const model = await this.session(kind);
    const width = inputs[0]!.length;
    const data = new Float32Array(inputs.length * width);
    inputs.forEach((row, index) => {
      if (row.length !== width) throw new Error(`Row ${index} has ${row.length} inputs; the ${kind} model takes ${width}.`);
      data.set(row, index * width);
    });
    const out = await model.session.run(data, [inputs.length, width]);
    return { outputs: Array.from(out.data, (value) => Math.min(1, Math.max(0, value))), modelId: model.id, sha256: model.sha256, provider: model.session.provider };
  }

  private async session(kind: ModelKind): Promise<OpenModel> {
    const active = activeModel(this.db, kind, { dataDir: this.dataDir, builtModelsDir: this.builtModelsDir, builtDefault: BUILT_DEFAULTS[kind] });
    const held = this.open.get(kind);
    if (held) {
      const model = await held;
      if (model.id === active.id && model.sha256 === active.sha256) return model;
      this.open.delete(kind);
      void model.session.close();
    }
    const opening = openModelSession(active.bytes).then((session) => ({ id: active.id, sha256: active.sha256, session }));
    this.open.set(kind, opening);
    opening.catch(() => this.open.delete(kind));
    return opening;
  }

  async close(): Promise<void> {
    const all = [...this.open.values()];
    this.open.clear();
    await Promise.all(all.map((opening) => opening.then((model) => model.session.close(), () => undefined)));
  }
}
