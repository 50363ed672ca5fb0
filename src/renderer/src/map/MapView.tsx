import { MapLibreMap, NavigationControl, ScaleControl, setWorkerUrl } from 'maplibre-gl';
import 'maplibre-gl/dist/maplibre-gl.css';
// Note: MapLibre 6 runs its worker as a same-origin ES module from this URL, so the page needs no
// blob: or data: workers and the strict CSP (worker-src 'self') holds, over http and app:// alike.
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import { useEffect, useRef, useState } from 'react';
import { baseStyle, CONTINENTAL_US } from './base-style';
import { baseGeography } from './natural-earth';
import { useMapHandle } from '../scan/map-handle';

setWorkerUrl(workerUrl);

/** Keeps the continental US clear of the status panel on wide windows. */
function viewPadding(width: number, height: number) {
  const edge = Math.round(Math.min(width, height) * 0.06);
  const panel = width > 900 ? 460 : 0;
  return { top: edge, bottom: edge, left: edge, right: edge + panel };
}

export function MapView() {
  const container = useRef<HTMLDivElement>(null);
  const [failure, setFailure] = useState<string | null>(null);

  useEffect(() => {
    const element = container.current;
    if (!element) return;
    let map: MapLibreMap;
    try {
      map = new MapLibreMap({
        container: element,
        style: baseStyle(baseGeography()),
        bounds: CONTINENTAL_US,
        fitBoundsOptions: { padding: viewPadding(element.clientWidth, element.clientHeight) },
        attributionControl: { compact: false },
        dragRotate: false,
        pitchWithRotate: false,
        maxZoom: 19,
      });
    } catch (error) {
      // Typically no WebGL (old GPU driver, remote desktop); the rest of the app still works.
      setFailure(`The map could not start: ${(error as Error).message}`);
      return;
    }
    map.touchZoomRotate.disableRotation();
    map.addControl(new NavigationControl({ showCompass: false }), 'top-left');
    map.addControl(new ScaleControl({ unit: 'imperial' }), 'bottom-left');
    const markLoaded = () => {
      window.__fishmouthMapLoaded = true;
    };
    map.once('load', markLoaded);
    map.once('idle', markLoaded);
    // Other features draw on the map once its style is in (the scanned properties).
    map.once('load', () => useMapHandle.getState().setMap(map));
    map.on('error', (event) => console.warn(`[fishmouth] map: ${event.error?.message ?? 'unknown error'}`));
    return () => {
      useMapHandle.getState().setMap(null);
      map.remove();
    };
  }, []);

  return (
    <div className="map" data-testid="map" ref={container}>
      {failure && (
        <div className="map-failure" role="alert">
          {failure}
        </div>
      )}
    </div>
  );
}
