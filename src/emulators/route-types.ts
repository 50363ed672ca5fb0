import type { World } from './world';

/**
 * What one source's emulator is: the real service's paths under a prefix of the one loopback
 * server, answered from a World in the real format. Each connector exports one from its
 * `emulator.ts`; routes.ts lists them.
 */

export interface EmulatorRequest {
  method: string;
  /** Below the route's prefix, starting with '/' (e.g. '/search' for GET /nominatim/search). */
  path: string;
  query: URLSearchParams;
  /** Lower-case names. */
  headers: Record<string, string>;
  body: Buffer;
}

export interface EmulatorResponse {
  status: number;
  headers?: Record<string, string>;
  body: string | Buffer;
  /** Gzip the body when the client accepts it (as the real service does). */
  gzip?: boolean;
}

export interface EmulatorRoute {
  /** The source id in the catalogue, e.g. 'nominatim'. */
  source: string;
  /** Where the route lives on the loopback server, e.g. '/nominatim'; the source's base URL becomes server + prefix. */
  prefix: string;
  handle(request: EmulatorRequest, world: World): Promise<EmulatorResponse> | EmulatorResponse;
}
