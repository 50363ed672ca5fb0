import { useState } from 'react';
import type { RoofImageView } from '../../../core/contracts/imagery-contract';
import { CloseButton, useCloseOnEscape } from '../CloseButton';
import { percent } from '../spend/format';
import {
  captureLine,
  costLine,
  footprintBox,
  logTime,
  qualityFactors,
  qualityTone,
  resolutionLine,
  sourcesLine,
  STEP_LABELS,
  stepTone,
} from './imagery-view';
import { useImageryUiStore } from './imagery-ui-store';
import { useRoofImage } from './use-imagery';
import './imagery.css';

/**
 * The roof image of the property clicked on the map: the enhanced picture with the building's
 * footprint boxed, where it came from and what it cost, how sharp it is on the ground, when it was
 * flown, its quality and why, the flags a rep must heed, and how it was made (collapsible log).
 */
export function RoofImagePanel() {
  const selected = useImageryUiStore((s) => s.selected);
  const select = useImageryUiStore((s) => s.select);
  const roof = useRoofImage(selected?.id ?? null);

  useCloseOnEscape(selected !== null, () => select(null));

  if (!selected) return null;

  return (
    <aside className="map-card roof-panel" data-testid="roof-panel" aria-labelledby="roof-title">
      <header className="panel-header">
        <div className="roof-heading">
          <h2 id="roof-title">Roof image</h2>
          <p className="small muted roof-address">{selected.address ?? `Property ${selected.id}`}</p>
        </div>
        <CloseButton onClose={() => select(null)} label="Close the roof image" testId="roof-close" />
      </header>
      <div className="panel-body roof-body">
        {roof.isPending ? (
          <p className="small muted" data-testid="roof-loading">
            Loading the roof image…
          </p>
        ) : roof.error ? (
          <div className="roof-state" role="alert">
            <p className="small error-text">The roof image could not be loaded: {roof.error.message}</p>
            <button type="button" className="button" onClick={() => void roof.refetch()}>
              Try again
            </button>
          </div>
        ) : roof.data ? (
          <RoofDetails key={roof.data.propertyId} view={roof.data} />
        ) : (
          <p className="small muted" data-testid="roof-empty">
            No roof image yet: run a scan.
          </p>
        )}
      </div>
    </aside>
  );
}

function RoofDetails({ view }: { view: RoofImageView }) {
  const tone = qualityTone(view.quality);
  return (
    <>
      <RoofPicture view={view} />
      <div className="roof-badges">
        <span className={`badge tone-${stepTone(view.stepKind)}`} data-testid="roof-step">
          {STEP_LABELS[view.stepKind]}
        </span>
        {view.lowConfidence && <span className="badge tone-pending">Low confidence</span>}
        {view.manualReview && <span className="badge tone-failed">Manual review recommended</span>}
        {!view.storable && <span className="badge tone-off">Paid imagery is not stored (licence)</span>}
      </div>
      <dl className="roof-facts">
        <dt>Source</dt>
        <dd data-testid="roof-source">{sourcesLine(view.sources, view.enhancedModel)}</dd>
        <dt>Cost</dt>
        <dd data-testid="roof-cost">{costLine(view.costMicros)}</dd>
        <dt>Resolution</dt>
        <dd data-testid="roof-resolution">{resolutionLine(view)}</dd>
        <dt>Flown</dt>
        <dd>{captureLine(view.capturedAt).replace(/^Captured /, '')}</dd>
      </dl>
      <div className="roof-quality">
        <div className="roof-quality-head small">
          <span>Quality</span>
          <span className="num">{percent(view.quality)}</span>
        </div>
        <div className="imagery-bar" role="meter" aria-label="Image quality" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(view.quality * 100)}>
          <div className="imagery-bar-fill" data-tone={tone} style={{ width: `${Math.round(view.quality * 100)}%` }} />
        </div>
        <p className="small muted">{qualityFactors(view.qualityDetail)}</p>
        {view.qualityDetail.notes.length > 0 && (
          <ul className="roof-notes small">
            {view.qualityDetail.notes.map((note) => (
              <li key={note}>{note}</li>
            ))}
          </ul>
        )}
      </div>
      {view.attribution.length > 0 && <p className="small muted roof-attribution">{view.attribution.join(' · ')}</p>}
      {view.log.length > 0 && (
        <details className="roof-log">
          <summary className="small">Processing log ({view.log.length} {view.log.length === 1 ? 'step' : 'steps'})</summary>
          <ol className="small">
            {view.log.map((entry, index) => (
              <li key={`${entry.at}-${index}`}>
                <span className="muted num">{logTime(entry.at)}</span> <strong>{entry.step}</strong> {entry.message}
              </li>
            ))}
          </ol>
        </details>
      )}
    </>
  );
}

function RoofPicture({ view }: { view: RoofImageView }) {
  const [size, setSize] = useState<{ width: number; height: number } | null>(null);
  if (!view.imageDataUrl) {
    return (
      <div className="roof-picture is-empty" data-testid="roof-no-picture">
        <p className="small muted">{view.storable ? 'The picture is not available.' : 'Its licence lets the app show this picture once, not keep it: the facts read from it are kept.'}</p>
      </div>
    );
  }
  const box = size ? footprintBox(view.footprintPx, size.width, size.height) : null;
  return (
    <figure className="roof-picture" data-testid="roof-image">
      <img
        src={view.imageDataUrl}
        alt={`Aerial view of the roof (${sourcesLine(view.sources, view.enhancedModel)})`}
        onLoad={(event) => setSize({ width: event.currentTarget.naturalWidth, height: event.currentTarget.naturalHeight })}
      />
      {box && (
        <span
          className="roof-footprint"
          data-testid="roof-footprint"
          aria-hidden="true"
          style={{ left: `${box.left}%`, top: `${box.top}%`, width: `${box.width}%`, height: `${box.height}%` }}
        />
      )}
    </figure>
  );
}
