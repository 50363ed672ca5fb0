import { rename, rm, stat, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { z } from 'zod';
import { isMlError } from '../../ml/errors';
import { encodePng, readRaster } from '../../ml/image-io';
import { openSuperResolver } from '../../ml/super-resolution';
import type { SrScale, SuperResolver } from '../../ml/types';
import { commandOutput, defineCommand, EXIT, type CliContext, type ExitCode } from '../command';
import { defaultModelsDir } from '../../ml/model-files';

/**
 * `fishmouth enhance IN OUT [--scale 2|4]`: one image file through the local super-resolution
 * model (PNG, JPEG, WebP or GeoTIFF in; PNG out). Runs in this process, with no host needed.
 */

const enhanceArgs = z
  .object({
    json: z.boolean().optional(),
    scale: z
      .enum(['2', '4'], { message: 'must be 2 or 4' })
      .transform((s) => Number(s) as SrScale)
      .optional(),
    tile: z
      .string()
      .regex(/^\d{1,4}$/, 'must be a whole number of pixels')
      .transform(Number)
      .pipe(z.number().int().min(32, 'must be at least 32 pixels').max(1024, 'must be at most 1024 pixels'))
      .optional(),
    positionals: z.array(z.string()),
  })
  .superRefine((args, ctx) => {
    const [input, output, extra] = args.positionals;
    if (input === undefined || output === undefined) ctx.addIssue({ code: 'custom', path: ['positionals'], message: 'say which image to enhance and where to write the PNG, e.g. fishmouth enhance roof.tif roof-x4.png' });
    else if (extra !== undefined) ctx.addIssue({ code: 'custom', path: ['positionals'], message: `unexpected argument "${extra}"` });
    else if (resolve(input) === resolve(output)) ctx.addIssue({ code: 'custom', path: ['positionals'], message: 'OUT must differ from IN: the input is never overwritten' });
  });
type EnhanceArgs = z.output<typeof enhanceArgs>;

export const enhanceCommand = defineCommand({
  name: 'enhance',
  summary: 'enhance an aerial image with the local super-resolution model (×2 or ×4), PNG out',
  usage: 'fishmouth enhance IN OUT [--scale 2|4] [--tile N] [--json]',
  help: [
    'Upscales one image with ESRGAN-slim on ONNX Runtime, on this machine (GPU when available, else CPU).',
    'IN: PNG, JPEG, WebP or (Geo)TIFF (4-band aerial files keep bands 1-3). OUT: always written as PNG.',
    '',
    '  --scale 2|4       how many times larger (default 4: NAIP 0.6 m pixels become 0.15 m)',
    '  --tile N          input tile edge in pixels (default 128); smaller uses less memory',
    '  --json            print exactly one JSON document',
    '',
    'Progress goes to stderr; Ctrl-C stops between tiles and writes nothing.',
    'Models are read from the build\'s models/ folder ($FISHMOUTH_MODELS_DIR overrides it).',
    'Exit code: 0 done, 1 failure (unreadable image, models missing), 2 wrong arguments, 130 stopped.',
  ].join('\n'),
  options: {
    json: { type: 'boolean' },
    scale: { type: 'string' },
    tile: { type: 'string' },
  },
  allowPositionals: true,
  args: enhanceArgs,
  run: (args, ctx) => runEnhance(args, ctx),
});

async function runEnhance(args: EnhanceArgs, ctx: CliContext): Promise<ExitCode> {
  const [inputPath, outputPath] = args.positionals as [string, string];
  const scale: SrScale = args.scale ?? 4;
  const { print, fail } = commandOutput(ctx, args.json, 'fishmouth enhance');
  const stop = new AbortController();
  let stopSignal = '';
  const unsubscribe = ctx.onStopSignal((signal) => {
    stopSignal = signal;
    stop.abort();
  });
  let resolver: SuperResolver | undefined;
  const partial = `${outputPath}.partial-${process.pid}`;
  try {
    const image = await readRaster(inputPath);
    resolver = await openSuperResolver({ scale, modelsDir: defaultModelsDir(ctx.env) });
    ctx.stderr.write(`Enhancing ${inputPath} (${image.width}×${image.height}) ×${scale} with ${resolver.model.id} on ${resolver.provider}…\n`);
    const started = performance.now();
    let lastTenth = -1;
    let tiles = 0;
    const enhanced = await resolver.enhance(image, {
      ...(args.tile ? { tileSize: args.tile } : {}),
      signal: stop.signal,
      onProgress: (done, total) => {
        tiles = total;
        const tenth = Math.floor((done / total) * 10);
        if (tenth === lastTenth && done !== total) return;
        lastTenth = tenth;
        ctx.stderr.write(`  ${done}/${total} tiles (${Math.round((done / total) * 100)}%)\n`);
      },
    });
    const seconds = (performance.now() - started) / 1000;
    // Note: written beside OUT, then renamed: a stop or a crash never leaves half a PNG at OUT.
    await writeFile(partial, await encodePng(enhanced));
    await rename(partial, outputPath);
    const bytes = (await stat(outputPath)).size;
    const outMpx = (enhanced.width * enhanced.height) / 1e6;
    const document = {
      ok: true,
      input: { path: inputPath, width: image.width, height: image.height, channels: image.channels },
      output: { path: outputPath, width: enhanced.width, height: enhanced.height, channels: enhanced.channels, bytes },
      scale,
      model: resolver.model.id,
      provider: resolver.provider,
      tiles,
      seconds: round(seconds, 3),
      outputMegapixelsPerSecond: round(outMpx / seconds, 3),
      inputMegapixelsPerSecond: round((image.width * image.height) / 1e6 / seconds, 4),
    };
    print(
      document,
      [
        `Enhanced ${inputPath} ${image.width}×${image.height} → ${outputPath} ${enhanced.width}×${enhanced.height} (×${scale}, PNG ${formatBytes(bytes)})`,
        `${resolver.model.id} on ${resolver.provider}: ${tiles} tiles in ${seconds.toFixed(2)} s, ${document.outputMegapixelsPerSecond} output megapixels/s`,
      ].join('\n'),
    );
    return EXIT.ok;
  } catch (error) {
    await rm(partial, { force: true });
    if (isMlError(error, 'cancelled')) {
      ctx.stderr.write(`${stopSignal || 'stop'}: stopped; ${outputPath} was not written.\n`);
      if (args.json) ctx.stdout.write(`${JSON.stringify({ ok: false, error: { kind: 'cancelled', message: `stopped by ${stopSignal || 'request'}; nothing written` } })}\n`);
      return 130;
    }
    if (isMlError(error)) return fail(error.kind, error.message);
    const code = (error as NodeJS.ErrnoException)?.code;
    if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR' || code === 'ENOTDIR') return fail('cannot-write', `Cannot write ${outputPath}: ${(error as Error).message}`);
    return fail('failure', (error as Error)?.message ?? String(error));
  } finally {
    unsubscribe();
    await resolver?.close();
  }
}

const round = (value: number, digits: number) => Number(value.toFixed(digits));
const formatBytes = (bytes: number) => (bytes >= 1_048_576 ? `${(bytes / 1_048_576).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`);
