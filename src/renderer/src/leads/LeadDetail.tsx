import { useState, type FormEvent } from 'react';
import type { LeadView } from '../../../core/contracts/leads-contract';
import type { LeadStatus } from '../../../core/leads/types';
import { CloseButton, useCloseOnEscape } from '../CloseButton';
import { contributionBars, nextStatus, probabilityLine, SIDE_STATUSES, STATUS_LABELS, STATUS_STEPS } from './leads-view';
import { LeadRoof } from './LeadRoof';
import { LeadVisits } from './LeadVisits';
import { useLeadsUiStore } from './leads-ui-store';
import { ScoreBadge } from './ScoreBadge';
import { useAssignLeads, useLead, useSetLeadStatus } from './use-leads';
import './leads.css';
import './lead-detail.css';

/**
 * One lead, opened from the list or the map: its score and why (each contribution as a sentence
 * with a bar for how far it moves the score), its reasons, the roof with its condition and
 * picture, where it stands (status), who has it, and its visits with a form to log one.
 */
export function LeadDetail() {
  const selected = useLeadsUiStore((s) => s.selected);
  const select = useLeadsUiStore((s) => s.select);
  const lead = useLead(selected?.id ?? null);

  useCloseOnEscape(selected !== null, () => select(null));

  if (!selected) return null;
  const data = lead.data;
  return (
    <aside className="map-card lead-detail" data-testid="lead-detail" aria-labelledby="lead-detail-title">
      <header className="panel-header">
        {data && <ScoreBadge score={data.lead.score} large />}
        <div className="lead-detail-heading">
          <h2 id="lead-detail-title">{data?.lead.address ?? selected.address ?? 'Lead'}</h2>
          {data && <p className="small muted">{probabilityLine(data.lead.probability)}</p>}
        </div>
        <CloseButton onClose={() => select(null)} label="Close the lead" testId="lead-close" />
      </header>
      <div className="panel-body lead-detail-body">
        {lead.isPending ? (
          <p className="small muted">Loading the lead…</p>
        ) : lead.error ? (
          <div className="leads-state" role="alert">
            <p className="small error-text">The lead could not be loaded: {lead.error.message}</p>
            <button type="button" className="button" onClick={() => void lead.refetch()}>
              Try again
            </button>
          </div>
        ) : data ? (
          <LeadBody key={data.lead.id} lead={data.lead} visits={data.visits} />
        ) : (
          <p className="small muted">This lead is gone (a newer scan may have replaced it).</p>
        )}
      </div>
    </aside>
  );
}

function LeadBody({ lead, visits }: { lead: LeadView; visits: Parameters<typeof LeadVisits>[0]['visits'] }) {
  return (
    <>
      {lead.freeSourcesOnly && <span className="badge tone-ok lead-free">Free sources only</span>}
      <section className="lead-section" aria-labelledby="lead-why">
        <h3 id="lead-why">Why this score</h3>
        <Contributions lead={lead} />
      </section>
      {lead.reasons.length > 0 && (
        <section className="lead-section" aria-labelledby="lead-reasons">
          <h3 id="lead-reasons">Reasons</h3>
          <ul className="lead-reasons small" data-testid="lead-reasons">
            {lead.reasons.map((reason) => (
              <li key={reason.code}>{reason.text}</li>
            ))}
          </ul>
        </section>
      )}
      <LeadRoof lead={lead} />
      <StatusSteps lead={lead} />
      <Assignment lead={lead} />
      <LeadVisits lead={lead} visits={visits} />
    </>
  );
}

function Contributions({ lead }: { lead: LeadView }) {
  const bars = contributionBars(lead.contributions);
  if (bars.length === 0) return <p className="small muted">The model gave no breakdown for this lead.</p>;
  return (
    <ul className="lead-contributions" data-testid="lead-contributions">
      {bars.map((bar) => (
        <li key={bar.feature} className="lead-contribution" data-direction={bar.direction} title={`${bar.value} · ${bar.points} log-odds`}>
          <span className="lead-contribution-bar" aria-hidden="true">
            <span className="is-down">{bar.direction === 'down' && <span style={{ width: `${bar.width}%` }} />}</span>
            <span className="is-up">{bar.direction === 'up' && <span style={{ width: `${bar.width}%` }} />}</span>
          </span>
          <span className="small">
            <span className="lead-contribution-sign" aria-label={bar.direction === 'up' ? 'raises the score' : bar.direction === 'down' ? 'lowers the score' : 'no effect'}>
              {bar.direction === 'up' ? '+' : bar.direction === 'down' ? '−' : '·'}
            </span>{' '}
            {bar.text}
          </span>
        </li>
      ))}
    </ul>
  );
}

function StatusSteps({ lead }: { lead: LeadView }) {
  const setStatus = useSetLeadStatus();
  const next = nextStatus(lead.status);
  const change = (status: LeadStatus) => {
    if (status !== lead.status) setStatus.mutate({ id: lead.id, status });
  };
  const button = (status: LeadStatus) => (
    <button
      key={status}
      type="button"
      className={`lead-step${status === lead.status ? ' is-current' : ''}${status === next ? ' is-next' : ''}`}
      aria-pressed={status === lead.status}
      onClick={() => change(status)}
      disabled={setStatus.isPending}
    >
      {STATUS_LABELS[status]}
    </button>
  );
  return (
    <section className="lead-section" aria-labelledby="lead-status">
      <h3 id="lead-status">Status</h3>
      <div className="lead-steps" role="group" aria-label="Status" data-testid="lead-status">
        {STATUS_STEPS.map(button)}
      </div>
      <div className="lead-steps is-side" role="group" aria-label="Other outcomes">
        {SIDE_STATUSES.map(button)}
      </div>
      {setStatus.error && (
        <p className="small error-text" role="alert">
          The status could not be changed: {setStatus.error.message}
        </p>
      )}
    </section>
  );
}

function Assignment({ lead }: { lead: LeadView }) {
  const rep = useLeadsUiStore((s) => s.rep);
  const setRep = useLeadsUiStore((s) => s.setRep);
  const assign = useAssignLeads();
  const [name, setName] = useState(lead.assignedTo ?? rep);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const trimmed = name.trim();
    if (!trimmed) return;
    setRep(trimmed);
    assign.mutate({ ids: [lead.id], rep: trimmed });
  };
  return (
    <section className="lead-section" aria-labelledby="lead-assign">
      <h3 id="lead-assign">Assigned to</h3>
      <form className="lead-assign" onSubmit={submit}>
        <input type="text" value={name} onChange={(event) => setName(event.target.value)} placeholder="Rep's name" maxLength={200} aria-label="Rep's name" />
        <button type="submit" className="button" disabled={assign.isPending || !name.trim() || name.trim() === lead.assignedTo}>
          Assign
        </button>
        {lead.assignedTo && (
          <button type="button" className="link-button small" onClick={() => assign.mutate({ ids: [lead.id], rep: null })} disabled={assign.isPending}>
            Unassign
          </button>
        )}
      </form>
      <p className="small muted">{lead.assignedTo ? `${lead.assignedTo} has this lead.` : 'Nobody has this lead yet.'}</p>
      {assign.error && (
        <p className="small error-text" role="alert">
          The lead could not be assigned: {assign.error.message}
        </p>
      )}
    </section>
  );
}
