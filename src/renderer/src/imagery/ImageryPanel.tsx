import { CollapseButton } from '../CollapseButton';
import { useMapHandle } from '../scan/map-handle';
import { BATCH_COLOURS, TILE_COLOURS } from './coverage-geojson';
import { ImageryCacheCard } from './ImageryCacheCard';
import { useImageryUiStore } from './imagery-ui-store';
import { useCoverageView, useImageryCoverage, useImageryRefresh } from './use-imagery';
import { useCoverageOverlay, usePropertyClicks } from './use-imagery-map';
import './imagery.css';

/**
 * The imagery card (top, beside the status panel): shows or hides cached imagery and batches
 * on the map, with their legend and what the view holds; opened, the cache card for managers.
 * Also wires the map: coverage of the view (fetched once the map rests) and clicks on properties.
 */
export function ImageryPanel() {
  const map = useMapHandle((s) => s.map);
  const showCache = useImageryUiStore((s) => s.showCache);
  const showBatches = useImageryUiStore((s) => s.showBatches);
  const setShowCache = useImageryUiStore((s) => s.setShowCache);
  const setShowBatches = useImageryUiStore((s) => s.setShowBatches);
  const collapsed = useImageryUiStore((s) => s.cardCollapsed);
  const toggleCard = useImageryUiStore((s) => s.toggleCard);

  useImageryRefresh();
  usePropertyClicks();
  const view = useCoverageView(map);
  const coverage = useImageryCoverage(showCache || showBatches ? view : null);
  useCoverageOverlay(view ? coverage.data : undefined, { cache: showCache, batches: showBatches });

  return (
    <section className={`map-card imagery-panel${collapsed ? ' is-collapsed' : ''}`} data-testid="imagery-panel" aria-labelledby="imagery-title">
      <header className="panel-header imagery-header">
        <h2 id="imagery-title" className="imagery-heading">
          Imagery
        </h2>
        <CollapseButton collapsed={collapsed} onToggle={toggleCard} subject="imagery cache" />
      </header>
      <div className="imagery-layers">
        <label className="imagery-toggle">
          <input type="checkbox" checked={showCache} onChange={(event) => setShowCache(event.target.checked)} data-testid="toggle-cache-coverage" />
          <span>Cache coverage</span>
        </label>
        {showCache && (
          <p className="imagery-legend small muted">
            <Swatch colour={TILE_COLOURS.free} fill /> NAIP (free)
            <Swatch colour={TILE_COLOURS.paid} fill /> paid
            <Swatch colour={TILE_COLOURS.other} fill /> other
          </p>
        )}
        <label className="imagery-toggle">
          <input type="checkbox" checked={showBatches} onChange={(event) => setShowBatches(event.target.checked)} data-testid="toggle-batches" />
          <span>Batches</span>
        </label>
        {showBatches && (
          <p className="imagery-legend small muted">
            <Swatch colour={BATCH_COLOURS.fetched} /> fetched
            <Swatch colour={BATCH_COLOURS.planned} dashed /> planned
            <Swatch colour={BATCH_COLOURS.failed} dashed /> failed
          </p>
        )}
        <p className="small muted imagery-view-line" data-testid="imagery-view-line">
          {viewLine(view !== null, showCache || showBatches, coverage)}
        </p>
      </div>
      {!collapsed && (
        <div className="panel-body imagery-body">
          <ImageryCacheCard />
        </div>
      )}
    </section>
  );
}

function Swatch({ colour, fill = false, dashed = false }: { colour: string; fill?: boolean; dashed?: boolean }) {
  return <span className={`imagery-swatch${fill ? ' is-fill' : ''}${dashed ? ' is-dashed' : ''}`} style={{ borderColor: colour, ...(fill ? { background: `${colour}55` } : {}) }} aria-hidden="true" />;
}

function viewLine(viewSmallEnough: boolean, wanted: boolean, coverage: ReturnType<typeof useImageryCoverage>): string {
  if (!wanted) return 'Overlays hidden.';
  if (!viewSmallEnough) return 'Zoom in to a town to see imagery coverage.';
  if (coverage.error && !coverage.data) return `Coverage could not be loaded: ${coverage.error.message}`;
  const data = coverage.data;
  if (!data) return 'Loading coverage…';
  if (data.tiles.length === 0 && data.batches.length === 0) return 'No cached imagery or batches here yet.';
  const tiles = `${data.tiles.length.toLocaleString('en-US')} cached ${data.tiles.length === 1 ? 'tile' : 'tiles'}`;
  const batches = `${data.batches.length.toLocaleString('en-US')} ${data.batches.length === 1 ? 'batch' : 'batches'}`;
  return `${tiles} · ${batches} in view${data.truncated ? ' (the first of many: zoom in for all)' : ''}`;
}
