import type { MapGeoJSONFeature, MapLayerMouseEvent } from 'maplibre-gl';
import { useEffect, useRef } from 'react';
import type { ImageryCoverage } from '../../../core/contracts/imagery-contract';
import { useMapHandle } from '../scan/map-handle';
import { CoverageOverlay, PROPERTY_LAYER, type CoverageVisibility } from './coverage-layer';
import { useImageryUiStore } from './imagery-ui-store';

/*
 * The imagery card's side of the map: keeps the coverage overlay in step with the fetched coverage
 * and the toggles, and opens a property's roof image when its circle is clicked.
 */

export function useCoverageOverlay(coverage: ImageryCoverage | undefined, visibility: CoverageVisibility): void {
  const map = useMapHandle((s) => s.map);
  const overlay = useRef<CoverageOverlay | null>(null);

  useEffect(() => {
    if (!map) return;
    const made = new CoverageOverlay(map);
    overlay.current = made;
    return () => {
      overlay.current = null;
      made.remove();
    };
  }, [map]);

  const { cache, batches } = visibility;
  useEffect(() => {
    overlay.current?.show(coverage, { cache, batches });
  }, [map, coverage, cache, batches]);
}

/** A click on a scanned property's circle selects it for the roof image panel. */
export function usePropertyClicks(): void {
  const map = useMapHandle((s) => s.map);
  const select = useImageryUiStore((s) => s.select);

  useEffect(() => {
    if (!map) return;
    const canvas = map.getCanvas();
    const onClick = (event: MapLayerMouseEvent) => {
      const feature = event.features?.[0];
      const property = feature ? propertyOf(feature) : null;
      if (property) select(property);
    };
    const onEnter = () => {
      canvas.style.cursor = 'pointer';
    };
    const onLeave = () => {
      canvas.style.cursor = '';
    };
    // Note: delegated to the layer by id, so this works before the first scan adds the layer.
    map.on('click', PROPERTY_LAYER, onClick);
    map.on('mouseenter', PROPERTY_LAYER, onEnter);
    map.on('mouseleave', PROPERTY_LAYER, onLeave);
    return () => {
      map.off('click', PROPERTY_LAYER, onClick);
      map.off('mouseenter', PROPERTY_LAYER, onEnter);
      map.off('mouseleave', PROPERTY_LAYER, onLeave);
    };
  }, [map, select]);
}

function propertyOf(feature: MapGeoJSONFeature): { id: string; address: string | null } | null {
  const { id, address } = feature.properties as { id?: unknown; address?: unknown };
  if (typeof id !== 'string' || id.length === 0) return null;
  return { id, address: typeof address === 'string' && address.length > 0 ? address : null };
}
