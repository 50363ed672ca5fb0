import type { BlobStore } from '../../core/blob-store';
import type { ImageryTile } from '../../core/imagery/types';
import type { HeldImage } from './roof-chain';
import { decodeImage } from './roof-crop';

/**
 * Decoded cached images, the few most recently used: a batch's 25 roofs are cut from one image,
 * which is decoded once rather than 25 times. Bounded by count (a 4,000 px tile is 48 MB raw).
 */
export class TileRasters {
  private readonly held = new Map<string, Promise<HeldImage | null>>();

  constructor(
    private readonly blobs: BlobStore,
    private readonly capacity = 3,
  ) {}

  load(tile: ImageryTile): Promise<HeldImage | null> {
    const known = this.held.get(tile.id);
    if (known) {
      this.held.delete(tile.id);
      this.held.set(tile.id, known);
      return known;
    }
    const loading = this.blobs.get(tile.blobSha256).then(async (blob) => {
      if (!blob) return null;
      const raster = await decodeImage(blob.bytes);
      return { raster, grid: tile.grid, groundResolutionM: tile.groundResolutionM, capturedAt: tile.capturedAt, source: tile.source, tileId: tile.id, attribution: tile.attribution };
    });
    this.held.set(tile.id, loading);
    loading.catch(() => this.held.delete(tile.id));
    while (this.held.size > this.capacity) this.held.delete(this.held.keys().next().value!);
    return loading;
  }
}
