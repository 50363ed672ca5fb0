import type { MapLibreMap } from 'maplibre-gl';
import { create } from 'zustand';

/*
 * The map instance MapView made, for the layers other features draw on it (scanned properties).
 * null until the map's style has loaded, and again after it is removed.
 */
interface MapHandle {
  map: MapLibreMap | null;
  setMap(map: MapLibreMap | null): void;
}

export const useMapHandle = create<MapHandle>()((set) => ({
  map: null,
  setMap: (map) => set({ map }),
}));
