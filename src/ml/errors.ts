/**
 * What can go wrong in local ML, as values with a kind and a message a person can act on.
 * One error type for the converter, the model files, image reading and inference.
 */
export type MlErrorKind =
  /** The model files are not where they should be (not built yet, or a broken install). */
  | 'model-missing'
  /** A model file exists but is not what the manifest says (edited, truncated, wrong version). */
  | 'model-invalid'
  /** The TF.js model uses something the converter does not translate. */
  | 'unsupported-layer'
  /** An input file that does not exist or cannot be read. */
  | 'not-found'
  /** Not an image format we read (or an HTML error page saved as an image). */
  | 'unsupported-format'
  /** An image file that is damaged or truncated. */
  | 'corrupt-image'
  /** Pixels we cannot turn into 8-bit RGB(A) (e.g. floating-point bands), or an empty image. */
  | 'unsupported-image'
  /** A tile size, overlap or batch size that cannot work. */
  | 'invalid-option'
  | 'inference-failed'
  /** The caller's AbortSignal fired; nothing was written. */
  | 'cancelled';

export class MlError extends Error {
  override readonly name: string;
  constructor(
    readonly kind: MlErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    // Note: AbortError by name too, so code that checks `error.name === 'AbortError'` treats a
    // cancelled enhancement like any other aborted operation.
    this.name = kind === 'cancelled' ? 'AbortError' : 'MlError';
  }
}

export function cancelled(what: string): MlError {
  return new MlError('cancelled', `${what} was cancelled`);
}

export function isMlError(error: unknown, kind?: MlErrorKind): error is MlError {
  return error instanceof MlError && (kind === undefined || error.kind === kind);
}
