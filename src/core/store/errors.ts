import type { z } from 'zod';
import { describeZodError } from '../rpc/protocol';

export type StoreErrorKind =
  | 'cannot-open' // the file or folder is missing, locked, or not writable
  | 'database-newer' // written by a newer Fish Mouth; this build must not touch it
  | 'migration-changed' // an applied migration's SQL differs from this build's
  | 'migration-failed'
  | 'invalid-input' // the caller's values fail the table's rules
  | 'invalid-row' // a row read back fails its schema: the file was edited or corrupted
  | 'not-found';

/** A store failure with a kind a program can branch on and a message a person can act on. */
export class StoreError extends Error {
  readonly kind: StoreErrorKind;
  constructor(kind: StoreErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreError';
    this.kind = kind;
  }
}

/** Validates a row read back from SQLite; a mismatch means the database was changed outside the app. */
export function parseRow<S extends z.ZodType>(schema: S, row: unknown, what: string): z.output<S> {
  const result = schema.safeParse(row);
  if (!result.success) {
    throw new StoreError(
      'invalid-row',
      `A ${what} row in the database is not in the expected shape (${describeZodError(result.error)}); the database may have been edited by another tool.`,
    );
  }
  return result.data;
}

export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) {
    throw new StoreError('invalid-input', `The ${what} is not valid: ${describeZodError(result.error)}.`);
  }
  return result.data;
}
