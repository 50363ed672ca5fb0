import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { MapLibreMap } from 'maplibre-gl';
import { useEffect, useState } from 'react';
import type { BBox } from '../../../core/domain/geo';
import { useApi } from '../api/api-context';
import { useRefetchOnScan } from '../api/use-refetch-on-scan';
import { coverageBox } from './coverage-geojson';

/*
 * Imagery from the services through react-query: a property's roof image, coverage of the map's
 * view, the cache's size and where the models run. Everything under ['imagery'] is fetched again
 * when a scan ends (its imagery stage adds tiles, batches and roof images) and after a reconnect.
 */

export const imageryKeys = {
  all: ['imagery'] as const,
  roof: (propertyId: string) => ['imagery', 'roof', propertyId] as const,
  allCoverage: ['imagery', 'coverage'] as const,
  coverage: (bbox: BBox | null) => ['imagery', 'coverage', bbox] as const,
  cache: ['imagery', 'cache'] as const,
  ml: ['imagery', 'ml'] as const,
};

/** Coverage is asked again at most this often while a scan's imagery stage runs. */
const LIVE_COVERAGE_MS = 5_000;
/** The view is queried once the map has rested this long after a move. */
const VIEW_SETTLE_MS = 300;

export function useRoofImage(propertyId: string | null) {
  const api = useApi();
  return useQuery({
    queryKey: imageryKeys.roof(propertyId ?? ''),
    queryFn: () => api.getRoofImage(propertyId!, { withImage: true }),
    enabled: propertyId !== null,
    staleTime: 60_000,
    retry: 1,
  });
}

export function useImageryCoverage(bbox: BBox | null) {
  const api = useApi();
  return useQuery({
    queryKey: imageryKeys.coverage(bbox),
    queryFn: () => api.getImageryCoverage(bbox!),
    enabled: bbox !== null,
    // Note: the last view's overlays stay while the new view loads, so panning does not flash.
    placeholderData: keepPreviousData,
    staleTime: 30_000,
    refetchOnWindowFocus: false,
    retry: 1,
  });
}

export function useImageryCache(enabled = true) {
  const api = useApi();
  return useQuery({ queryKey: imageryKeys.cache, queryFn: () => api.getImageryCache(), enabled, staleTime: 30_000, retry: 1 });
}

export function useEvictImageryCache() {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => api.evictImageryCache(),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: imageryKeys.all }),
  });
}

/** The execution provider hardly changes while the host runs: fetched once, again after a reconnect. */
export function useMlInfo() {
  const api = useApi();
  return useQuery({ queryKey: imageryKeys.ml, queryFn: () => api.getMlInfo(), staleTime: Infinity, refetchOnWindowFocus: false, retry: 2 });
}

/** The map's view as a coverage box, updated once the map rests after a move; null when too large. */
export function useCoverageView(map: MapLibreMap | null): BBox | null {
  const [box, setBox] = useState<BBox | null>(null);
  useEffect(() => {
    if (!map) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const read = () => {
      const bounds = map.getBounds();
      const next = coverageBox({ west: bounds.getWest(), south: bounds.getSouth(), east: bounds.getEast(), north: bounds.getNorth() });
      setBox((previous) => (sameBox(previous, next) ? previous : next));
    };
    const onMoveEnd = () => {
      clearTimeout(timer);
      timer = setTimeout(read, VIEW_SETTLE_MS);
    };
    read();
    map.on('moveend', onMoveEnd);
    return () => {
      clearTimeout(timer);
      map.off('moveend', onMoveEnd);
    };
  }, [map]);
  return box;
}

function sameBox(a: BBox | null, b: BBox | null): boolean {
  if (a === null || b === null) return a === b;
  return a.every((value, index) => value === b[index]);
}

/**
 * Fetches imagery again when a scan ends, now and then while its imagery stage runs, and after the
 * link comes back (pushes made while it was down were lost).
 */
export function useImageryRefresh(): void {
  useRefetchOnScan({ queryKey: imageryKeys.all, liveStage: 'imagery', liveQueryKey: imageryKeys.allCoverage, liveEveryMs: LIVE_COVERAGE_MS });
}
