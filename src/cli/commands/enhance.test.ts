import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSrModels } from '../../ml/model-build';
import { EXIT } from '../command';
import { testContext } from '../context.testkit';
import { runCli } from '../run';
import { enhanceCommand } from './enhance';

const root = mkdtempSync(join(tmpdir(), 'fishmouth-enhance-cli-'));
const modelsDir = join(root, 'models');
const HRO = '/work/shared/fixtures/aerial-imagery/riotiler_hro_colorado_201404_13SED190110_0x1500m_CL_1.tif';
const UCM = '/work/shared/fixtures/aerial-imagery/ucmerced/ucm_denseresidential21.png';
let small: string;

beforeAll(async () => {
  await writeSrModels(modelsDir);
  small = join(root, 'small.png');
  await sharp(UCM).extract({ left: 40, top: 40, width: 90, height: 70 }).toFile(small);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function run(args: string[], onStart?: (ctx: ReturnType<typeof testContext>) => void) {
  const ctx = testContext({ env: { FISHMOUTH_MODELS_DIR: modelsDir } });
  onStart?.(ctx);
  const code = await runCli(['enhance', ...args], ctx, [enhanceCommand]);
  return { code, out: ctx.out(), err: ctx.err() };
}

describe('fishmouth enhance', () => {
  it('enhances a GeoTIFF ×2 into a PNG and says how big, on what, and how fast', async () => {
    const out = join(root, 'hro-x2.png');
    const result = await run([HRO, out, '--scale', '2']);
    expect(result.code).toBe(EXIT.ok);
    expect(await sharp(out).metadata()).toMatchObject({ format: 'png', width: 766, height: 464 });
    expect(result.out).toMatch(/Enhanced .*\.tif 383×232 → .*hro-x2\.png 766×464 \(×2, PNG [\d.]+ [KM]B\)/);
    expect(result.out).toMatch(/esrgan-slim-x2@[\d.]+ on cpu: \d+ tiles in [\d.]+ s, [\d.]+ output megapixels\/s/);
    expect(result.err).toMatch(/Enhancing .* \(383×232\) ×2 with esrgan-slim-x2/);
    expect(result.err).toMatch(/\d+\/\d+ tiles \(100%\)/);
  });

  it('prints one JSON document with --json, ×4 by default', async () => {
    const out = join(root, 'small-x4.png');
    const result = await run([small, out, '--json']);
    expect(result.code).toBe(EXIT.ok);
    expect(JSON.parse(result.out)).toMatchObject({
      ok: true,
      input: { width: 90, height: 70, channels: 3 },
      output: { path: out, width: 360, height: 280 },
      scale: 4,
      model: expect.stringMatching(/^esrgan-slim-x4@/),
      provider: 'cpu',
      tiles: 1,
      outputMegapixelsPerSecond: expect.any(Number),
    });
  });

  it('stops on Ctrl-C between tiles, writes nothing and exits 130', async () => {
    const out = join(root, 'stopped.png');
    let ctxRef: ReturnType<typeof testContext> | undefined;
    const pending = run([HRO, out, '--scale', '2', '--tile', '32'], (ctx) => (ctxRef = ctx));
    // Stop once the first progress line is out.
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (/tiles \(/.test(ctxRef?.err() ?? '')) {
          clearInterval(poll);
          ctxRef!.signal('SIGINT');
          resolve();
        }
      }, 5);
    });
    const result = await pending;
    expect(result.code).toBe(130);
    expect(result.err).toMatch(/SIGINT: stopped; .*stopped\.png was not written/);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(root).filter((f) => f.includes('.partial-'))).toEqual([]);
  });

  it.each([
    [['only-one.png'], /say which image to enhance/],
    [['a.png', 'b.png', '--scale', '3'], /--scale must be 2 or 4/],
    [['a.png', 'a.png'], /OUT must differ from IN/],
    [['a.png', 'b.png', '--tile', '8'], /--tile must be at least 32 pixels/],
  ])('refuses %j with the usage', async (args, message) => {
    const result = await run(args);
    expect(result.code).toBe(EXIT.usage);
    expect(result.err).toMatch(message);
  });

  it('fails cleanly on a corrupt or missing image and on missing models', async () => {
    const html = join(root, 'error-page.png');
    writeFileSync(html, '<html><body>Service Unavailable</body></html>');
    const corrupt = await run([html, join(root, 'x.png'), '--json']);
    expect(corrupt.code).toBe(EXIT.failure);
    expect(JSON.parse(corrupt.out)).toMatchObject({ ok: false, error: { kind: 'unsupported-format', message: expect.stringMatching(/not an image/) } });

    const missing = await run([join(root, 'nope.tif'), join(root, 'y.png')]);
    expect(missing.code).toBe(EXIT.failure);
    expect(missing.err).toMatch(/fishmouth enhance: Cannot read .*nope\.tif: there is no such file/);

    const ctx = testContext({ env: { FISHMOUTH_MODELS_DIR: join(root, 'no-models') } });
    expect(await runCli(['enhance', small, join(root, 'z.png')], ctx, [enhanceCommand])).toBe(EXIT.failure);
    expect(ctx.err()).toMatch(/No super-resolution models in .*no-models: run `npm run build`/);
    expect(existsSync(join(root, 'z.png'))).toBe(false);
  });
});
