import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { ScanStatus } from '../../../core/contracts/scan-api';
import { useApi } from '../api/api-context';
import { CollapseButton } from '../CollapseButton';
import { useMapHandle } from './map-handle';
import { FACT_COLOURS, flyToBox, showProperties } from './scan-layer';
import { isActive, scanTitle, stagePercent, STAGE_LABELS, stateTone, summaryLine, viewBox, visibleStages } from './scan-view';
import { useCancelScan, useScans, useStartScan } from './use-scans';
import './scan.css';

const LEGEND = [
  ['free', 'free sources'],
  ['paid', 'bought record'],
  ['estimate', 'estimated value'],
] as const;

/** While a scan runs, its properties on the map are refreshed at most this often. */
const LIVE_POINTS_MS = 3_000;

/**
 * The scan card (bottom right): start a scan of a saved territory or of the map's view, follow each
 * stage, cancel, and see the scanned properties on the map, coloured by where their facts came
 * from. Progress arrives by push (`scan.progress`).
 */
export function ScanPanel() {
  const api = useApi();
  const map = useMapHandle((s) => s.map);
  const scans = useScans();
  const start = useStartScan();
  const cancel = useCancelScan();
  const [collapsed, setCollapsed] = useState(false);
  const [territory, setTerritory] = useState('');
  const [selected, setSelected] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const shownAt = useRef(0);

  const list = scans.data ?? [];
  const current = list.find((scan) => scan.runId === selected) ?? list[0] ?? null;

  // The selected scan's properties on the map: when it finishes, and now and then while it runs.
  useEffect(() => {
    if (!map || !current) return;
    const running = isActive(current);
    if (running && Date.now() - shownAt.current < LIVE_POINTS_MS) return;
    if (!running && current.state !== 'completed') return;
    shownAt.current = Date.now();
    let stale = false;
    api
      .getPropertyPoints(current.bbox)
      .then((points) => {
        if (stale) return;
        showProperties(map, points);
        setNotice(points.truncated ? `The map shows the first ${points.features.length.toLocaleString('en-US')} properties of this scan; every one is in the store.` : null);
      })
      .catch((error: Error) => setNotice(`The scanned properties could not be shown: ${error.message}`));
    return () => {
      stale = true;
    };
  }, [api, map, current]);

  const begin = (target: Parameters<typeof start.mutate>[0]) => {
    setNotice(null);
    start.mutate(target, {
      onSuccess: (status) => {
        setSelected(status.runId);
        if (map) flyToBox(map, status.bbox);
      },
      onError: (error) => setNotice(error.message),
    });
  };
  const scanTerritory = (event: FormEvent) => {
    event.preventDefault();
    if (territory.trim()) begin({ territory: territory.trim() });
  };
  const scanView = () => {
    const bounds = map?.getBounds();
    const box = viewBox(bounds ? { west: bounds.getWest(), south: bounds.getSouth(), east: bounds.getEast(), north: bounds.getNorth() } : null);
    if (!box.ok) setNotice(box.reason);
    else begin({ bbox: box.bbox });
  };

  return (
    <section className={`map-card scan-panel${collapsed ? ' is-collapsed' : ''}`} data-testid="scan-panel" aria-labelledby="scan-title">
      <header className="panel-header">
        <h2 id="scan-title" className="scan-heading">
          Territory scan
        </h2>
        <CollapseButton collapsed={collapsed} onToggle={() => setCollapsed(!collapsed)} subject="territory scans" />
      </header>
      {!collapsed && (
        <div className="panel-body scan-body">
          <form className="scan-form" onSubmit={scanTerritory}>
            <input
              type="text"
              value={territory}
              onChange={(event) => setTerritory(event.target.value)}
              placeholder="Territory name"
              aria-label="Territory to scan"
              maxLength={200}
            />
            <button type="submit" className="button primary" disabled={start.isPending || !territory.trim()}>
              Scan
            </button>
          </form>
          <button type="button" className="button scan-view-button" onClick={scanView} disabled={start.isPending || !map}>
            Scan the area in view
          </button>
          {notice && (
            <p className="small error-text" role="alert">
              {notice}
            </p>
          )}
          {scans.error && !scans.data && <p className="small error-text">{scans.error.message}</p>}
          {list.length === 0 && !scans.error && <p className="small muted">No scans yet. A scan collects every property of an area from free sources first.</p>}
          <ul className="scan-list">
            {list.map((scan) => (
              <ScanRow
                key={scan.runId}
                scan={scan}
                selected={scan.runId === current?.runId}
                onSelect={() => {
                  setSelected(scan.runId);
                  shownAt.current = 0;
                  if (map) flyToBox(map, scan.bbox);
                }}
                onCancel={() => cancel.mutate(scan.runId, { onError: (error) => setNotice(error.message) })}
              />
            ))}
          </ul>
          <p className="scan-legend small muted">
            {LEGEND.map(([facts, label]) => (
              <span key={facts} className="scan-key">
                <span className="dot" style={{ background: FACT_COLOURS[facts] }} /> {label}
              </span>
            ))}
          </p>
        </div>
      )}
    </section>
  );
}

function ScanRow({ scan, selected, onSelect, onCancel }: { scan: ScanStatus; selected: boolean; onSelect: () => void; onCancel: () => void }) {
  const summary = summaryLine(scan);
  return (
    <li className={`scan-row${selected ? ' is-selected' : ''}`} data-testid="scan-row">
      <div className="scan-row-head">
        <button type="button" className="link-button" onClick={onSelect} title="Show on the map">
          {scanTitle(scan)}
        </button>
        <span className={`pill tone-${stateTone(scan.state)}`}>{scan.state}</span>
        {isActive(scan) && (
          <button type="button" className="link-button" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
      {selected && (
        <div className="scan-stages">
          {visibleStages(scan).map((stage) => {
            const value = stagePercent(stage, scan.state);
            return (
              <div key={stage.stage} className="scan-stage">
                <span className="small">{STAGE_LABELS[stage.stage]}</span>
                <span className="small muted num">{stage.total > 0 ? `${stage.done + stage.failed + stage.skipped}/${stage.total}` : '–'}</span>
                <div className="scan-bar" role="progressbar" aria-label={STAGE_LABELS[stage.stage]} aria-valuemin={0} aria-valuemax={100} aria-valuenow={value}>
                  <div style={{ width: `${value}%` }} className={stage.failed > 0 ? 'has-failures' : undefined} />
                </div>
              </div>
            );
          })}
        </div>
      )}
      <p className="small muted scan-message">{summary ?? scan.message}</p>
    </li>
  );
}
