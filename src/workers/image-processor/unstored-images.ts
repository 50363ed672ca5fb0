/**
 * Pictures whose licence forbids storing them (Google, Mapbox): kept in this process's memory for
 * the session, so a rep can look at what was paid for, and gone when the app closes. Bounded.
 */
export class UnstoredImages {
  private readonly images = new Map<string, Buffer>();

  constructor(private readonly capacity = 200) {}

  keep(propertyId: string, png: Buffer): void {
    this.images.delete(propertyId);
    this.images.set(propertyId, png);
    while (this.images.size > this.capacity) this.images.delete(this.images.keys().next().value!);
  }

  get(propertyId: string): Buffer | null {
    return this.images.get(propertyId) ?? null;
  }
}
