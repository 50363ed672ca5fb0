/**
 * Nearest-neighbour upsampling by s followed by a stride-1 'same' convolution equals one
 * convolution at the low resolution with s² × as many outputs, then DepthToSpace(s): each output
 * phase (a, b) of an s×s block sees the low-resolution pixels floor((a + ky − pad)/s) away, so
 * its kernel is the sum of the original taps that land on each of them. Zero padding matches at
 * the borders too (a padded high-resolution row is a padded low-resolution row).
 *
 * Note: same arithmetic, but the wide high-resolution tensor (48 channels at 4× for ESRGAN-slim
 * ×4, 50 MB per 128² tile) is never built, which is most of the ×4 model's run time on a CPU.
 */

export interface SubpixelConv {
  /** OIHW, output channel o·s² + a·s + b (DepthToSpace CRD order). */
  weights: Float32Array;
  outChannels: number;
  kernel: [number, number];
  /** ONNX pads [top, left, bottom, right] at the low resolution. */
  pads: [number, number, number, number];
}

function phaseRange(kernel: number, padBefore: number, s: number): { min: number; max: number } {
  return { min: Math.floor(-padBefore / s), max: Math.floor((s - 1 + kernel - 1 - padBefore) / s) };
}

/** `hwio` is the Keras kernel [kh, kw, cin, cout] of the convolution after the upsampling. */
export function fuseNearestUpsampleIntoConv(hwio: Float32Array, kh: number, kw: number, cin: number, cout: number, s: number): SubpixelConv {
  const padTop = Math.floor((kh - 1) / 2);
  const padLeft = Math.floor((kw - 1) / 2);
  const rows = phaseRange(kh, padTop, s);
  const cols = phaseRange(kw, padLeft, s);
  const lh = rows.max - rows.min + 1;
  const lw = cols.max - cols.min + 1;
  const outChannels = cout * s * s;
  const weights = new Float32Array(outChannels * cin * lh * lw);
  for (let o = 0; o < cout; o++)
    for (let a = 0; a < s; a++)
      for (let b = 0; b < s; b++) {
        const fused = (o * s + a) * s + b;
        for (let ky = 0; ky < kh; ky++) {
          const ly = Math.floor((a + ky - padTop) / s) - rows.min;
          for (let kx = 0; kx < kw; kx++) {
            const lx = Math.floor((b + kx - padLeft) / s) - cols.min;
            for (let i = 0; i < cin; i++) weights[((fused * cin + i) * lh + ly) * lw + lx]! += hwio[((ky * kw + kx) * cin + i) * cout + o]!;
          }
        }
      }
  return { weights, outChannels, kernel: [lh, lw], pads: [-rows.min, -cols.min, rows.max, cols.max] };
}
