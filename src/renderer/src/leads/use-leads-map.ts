import type { MapLayerMouseEvent, MapLibreMap } from 'maplibre-gl';
import { useEffect, useRef } from 'react';
import type { LatLng } from '../../../core/domain/geo';
import { useImageryUiStore } from '../imagery/imagery-ui-store';
import { useMapHandle } from '../scan/map-handle';
import { leadOfProperty, type LeadPoints } from './lead-points';
import { LEADS_LAYER, LeadsOverlay } from './leads-layer';
import { useLeadsUiStore, type PlannedRoute } from './leads-ui-store';
import { routeBounds } from './route-view';

/*
 * The leads card's side of the map: keeps the leads, the selected ring and the route in step with
 * what is fetched and chosen, and opens a lead when its circle (or its property's circle) is clicked.
 */

/** Close enough to tell one house from the next. */
const LEAD_ZOOM = 17;

export function useLeadsOverlay(points: LeadPoints | undefined, selectedAt: LatLng | null, route: PlannedRoute | null): void {
  const map = useMapHandle((s) => s.map);
  const overlay = useRef<LeadsOverlay | null>(null);

  useEffect(() => {
    if (!map) return;
    const made = new LeadsOverlay(map);
    overlay.current = made;
    return () => {
      overlay.current = null;
      made.remove();
    };
  }, [map]);

  useEffect(() => overlay.current?.showLeads(points), [map, points]);
  const lat = selectedAt?.lat;
  const lng = selectedAt?.lng;
  useEffect(() => overlay.current?.showSelected(lat !== undefined && lng !== undefined ? { lat, lng } : null), [map, lat, lng]);
  useEffect(() => overlay.current?.showRoute(route), [map, route]);
}

/**
 * A click on a lead's circle opens it. A click on a scanned property's circle (the imagery card
 * opens its roof image) also opens that property's lead when one is drawn: the existing click
 * handler's selection is followed, not a second handler on the same layer.
 */
export function useLeadClicks(points: LeadPoints | undefined): void {
  const map = useMapHandle((s) => s.map);
  const select = useLeadsUiStore((s) => s.select);
  const pointsRef = useRef(points);
  pointsRef.current = points;

  useEffect(() => {
    if (!map) return;
    const canvas = map.getCanvas();
    const onClick = (event: MapLayerMouseEvent) => {
      const { id, address } = (event.features?.[0]?.properties ?? {}) as { id?: unknown; address?: unknown };
      if (typeof id === 'string' && id.length > 0) select({ id, address: typeof address === 'string' ? address : null });
    };
    const onEnter = () => {
      canvas.style.cursor = 'pointer';
    };
    const onLeave = () => {
      canvas.style.cursor = '';
    };
    // Note: delegated to the layer by id, so this works before the first leads arrive.
    map.on('click', LEADS_LAYER, onClick);
    map.on('mouseenter', LEADS_LAYER, onEnter);
    map.on('mouseleave', LEADS_LAYER, onLeave);
    return () => {
      map.off('click', LEADS_LAYER, onClick);
      map.off('mouseenter', LEADS_LAYER, onEnter);
      map.off('mouseleave', LEADS_LAYER, onLeave);
    };
  }, [map, select]);

  useEffect(
    () =>
      useImageryUiStore.subscribe((state, previous) => {
        if (!state.selected || state.selected === previous.selected || !pointsRef.current) return;
        const lead = leadOfProperty(pointsRef.current, state.selected.id);
        if (lead) select(lead);
      }),
    [select],
  );
}

/** Brings a lead to the middle of the map (right of the leads card when it is open), close in. */
export function flyToLead(map: MapLibreMap, at: LatLng, cardOpen: boolean): void {
  const wide = map.getContainer().clientWidth > 900;
  map.flyTo({ center: [at.lng, at.lat], zoom: Math.max(map.getZoom(), LEAD_ZOOM), offset: cardOpen && wide ? [200, 0] : [0, 0], duration: 700 });
}

export function fitRoute(map: MapLibreMap, planned: PlannedRoute): void {
  const [west, south, east, north] = routeBounds(planned.from, planned.route);
  const width = map.getContainer().clientWidth;
  // Note: clear of the leads card on the left and the scan card on the right on wide windows.
  const padding = width > 900 ? { top: 70, bottom: 70, left: Math.round(width * 0.33), right: Math.round(width * 0.28) } : 40;
  map.fitBounds(
    [
      [west, south],
      [east, north],
    ],
    { padding, maxZoom: 18, duration: 600 },
  );
}

/** The map's centre, where a route starts when the rep's position is not known. */
export function mapCentre(map: MapLibreMap): LatLng {
  const centre = map.getCenter();
  return { lat: round6(centre.lat), lng: round6(centre.lng) };
}

function round6(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
