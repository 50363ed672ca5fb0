import { useState } from 'react';
import type { LeadView } from '../../../core/contracts/leads-contract';
import { footprintBox, sourcesLine } from '../imagery/imagery-view';
import { useImageryUiStore } from '../imagery/imagery-ui-store';
import { useRoofImage } from '../imagery/use-imagery';
import { conditionLine, hailShort, roofAgeShort } from './leads-view';

/**
 * The roof of a lead: its condition with how sure the assessment is, its age and hail, and the
 * picture it was judged from (the imagery's own roof image; its details open in the roof panel).
 */
export function LeadRoof({ lead }: { lead: LeadView }) {
  const roof = useRoofImage(lead.propertyId);
  const openRoofPanel = useImageryUiStore((s) => s.select);
  const confidence = lead.conditionConfidence;
  return (
    <section className="lead-section" aria-labelledby="lead-roof">
      <div className="lead-section-head">
        <h3 id="lead-roof">Roof</h3>
        {roof.data && (
          <button type="button" className="link-button small" onClick={() => openRoofPanel({ id: lead.propertyId, address: lead.address })}>
            Image details
          </button>
        )}
      </div>
      <p className="small" data-testid="lead-condition">
        {conditionLine(lead.conditionScore, confidence)}
      </p>
      {lead.conditionScore !== null && (
        <div className="lead-condition-bar" role="meter" aria-label="Roof condition (100 = sound)" aria-valuemin={0} aria-valuemax={100} aria-valuenow={lead.conditionScore}>
          <span style={{ left: `${Math.min(100, Math.max(0, lead.conditionScore))}%`, opacity: confidence === null ? 0.6 : 0.4 + 0.6 * confidence }} />
        </div>
      )}
      <p className="small muted">
        {roofAgeShort(lead.roofAgeYears)} · {hailShort(lead.hailMaxInches, lead.hailLastAt)}
      </p>
      {roof.isPending ? (
        <p className="small muted">Loading the roof picture…</p>
      ) : roof.error ? (
        <p className="small error-text">The roof picture could not be loaded: {roof.error.message}</p>
      ) : roof.data?.imageDataUrl ? (
        <RoofPicture url={roof.data.imageDataUrl} footprint={roof.data.footprintPx} caption={sourcesLine(roof.data.sources, roof.data.enhancedModel)} />
      ) : (
        <p className="small muted">{roof.data ? 'The picture is not kept (its licence allows showing it once).' : 'No roof picture: the roof was judged from the facts alone.'}</p>
      )}
    </section>
  );
}

function RoofPicture({ url, footprint, caption }: { url: string; footprint: [number, number, number, number] | null; caption: string }) {
  const [size, setSize] = useState<{ width: number; height: number } | null>(null);
  const box = size ? footprintBox(footprint, size.width, size.height) : null;
  return (
    <div className="lead-roof-picture">
      <figure className="roof-picture" data-testid="lead-roof-image">
        <img src={url} alt={`Aerial view of the roof (${caption})`} onLoad={(event) => setSize({ width: event.currentTarget.naturalWidth, height: event.currentTarget.naturalHeight })} />
        {box && <span className="roof-footprint" aria-hidden="true" style={{ left: `${box.left}%`, top: `${box.top}%`, width: `${box.width}%`, height: `${box.height}%` }} />}
      </figure>
      <p className="small muted">{caption}</p>
    </div>
  );
}
