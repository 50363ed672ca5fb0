import { z } from 'zod';
import { initMessageSchema } from '../core/contracts/control';

/** `--port N`: a whole number 0–65535 (0 = any free port). */
export const portOption = z
  .string()
  .regex(/^\d{1,5}$/, 'must be a whole number from 0 to 65535')
  .transform(Number)
  .pipe(z.number().int().min(0, 'must be 0 or more').max(65535, 'must be at most 65535'));

/** `--data DIR` */
export const dataOption = z.string().min(1, 'must name a folder');

/** `--log-level L`: the levels every service's logger understands. */
export const logLevelOption = initMessageSchema.shape.logLevel.unwrap();
export type LogLevel = z.infer<typeof logLevelOption>;

/** `--host ADDR`: an IP address or `localhost`, the address to listen on. */
export const bindAddressOption = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[0-9A-Za-z.:[\]-]+$/, 'must be an IP address such as 127.0.0.1, or localhost')
  .transform((value) => value.replace(/^\[(.*)\]$/, '$1'));

/** Help text lines shared by several commands. */
export const DATA_HELP = '  --data DIR        the data folder (default: $FISHMOUTH_DATA, else the OS user-data folder)';
