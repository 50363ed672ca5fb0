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
 * A click on a lead's circle opens it (and its roof image, as a click on the property would). A click on a scanned property's circle (the imagery card
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
      const { id, address, propertyId } = (event.features?.[0]?.properties ?? {}) as { id?: unknown; address?: unknown; propertyId?: unknown };
      if (typeof id !== 'string' || id.length === 0) return;
      const name = typeof address === 'string' && address.length > 0 ? address : null;
      select({ id, address: name });
      // Note: a house clicked on the map shows its roof image too, as a click on its property
      // circle does (the lead's circle is wider and may take the click alone).
      if (typeof propertyId === 'string' && propertyId.length > 0) useImageryUiStore.getState().select({ id: propertyId, address: name });
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

/**
 * What the cards cover of the map on a wide window, in pixels: on the left the leads card while
 * open (else the zoom buttons), on the right the lead detail or the scan card.
 */
function coveredSides(map: MapLibreMap, cardOpen: boolean): { left: number; right: number } | null {
  if (map.getContainer().clientWidth <= 900) return null;
  return { left: cardOpen ? 440 : 56, right: 424 };
}

/** Brings a lead to the middle of the part of the map the cards leave clear, close in. */
export function flyToLead(map: MapLibreMap, at: LatLng, cardOpen: boolean): void {
  const sides = coveredSides(map, cardOpen);
  const offset: [number, number] = sides ? [Math.round((sides.left - sides.right) / 2), 0] : [0, 0];
  map.flyTo({ center: [at.lng, at.lat], zoom: Math.max(map.getZoom(), LEAD_ZOOM), offset, duration: 700 });
}

/** Fits the whole route, start included, into the part of the map the cards leave clear. */
export function fitRoute(map: MapLibreMap, planned: PlannedRoute, cardOpen: boolean): void {
  const [west, south, east, north] = routeBounds(planned.from, planned.route);
  const sides = coveredSides(map, cardOpen);
  const padding = sides ? { top: 60, bottom: 60, left: sides.left + 30, right: sides.right + 30 } : 40;
  map.fitBounds(
    [
      [west, south],
      [east, north],
    ],
    { padding, maxZoom: 18, duration: 600 },
  );
}

/** The middle of the map the rep sees (clear of the cards), where a route starts without a position. */
export function mapCentre(map: MapLibreMap, cardOpen: boolean): LatLng {
  const container = map.getContainer();
  const sides = coveredSides(map, cardOpen);
  const x = sides ? (sides.left + container.clientWidth - sides.right) / 2 : container.clientWidth / 2;
  const centre = map.unproject([x, container.clientHeight / 2]);
  return { lat: round6(centre.lat), lng: round6(centre.lng) };
}

function round6(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
