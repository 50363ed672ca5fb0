import type { NeedContext } from '../../core/cost/chain-types';
import type { ImageGrid, MercatorBox } from '../../core/imagery/types';

/**
 * The imagery providers as the roof chain calls them: one Web Mercator image of a box, or a
 * ConnectorError. Implemented over the real connectors in provider-sources.ts; the seam keeps the
 * chain's tests free to count calls.
 */

export interface AerialImage {
  source: string;
  bytes: Buffer;
  mime: string;
  grid: ImageGrid;
  groundResolutionM: number;
  capturedAt: string | null;
  /** HTTP requests it took (a large NAIP box is exported in parts and stitched). */
  requests: number;
}

/** An image, or a well-formed answer with no picture in it (outside coverage, no imagery there). */
export type AerialAnswer = { kind: 'image'; image: AerialImage } | { kind: 'miss'; message: string; requests: number };

type SourceContext = Pick<NeedContext, 'db' | 'signal' | 'policy'>;

export interface RoofImagerySources {
  naip(ctx: SourceContext, box: MercatorBox): Promise<AerialAnswer>;
  google(ctx: SourceContext, box: MercatorBox, apiKey: string): Promise<AerialAnswer>;
  mapbox(ctx: SourceContext, box: MercatorBox, accessToken: string): Promise<AerialAnswer>;
}
