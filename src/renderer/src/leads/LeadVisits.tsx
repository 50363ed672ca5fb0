import { useEffect, useState, type FormEvent } from 'react';
import type { LeadView, VisitView } from '../../../core/contracts/leads-contract';
import { VISIT_OUTCOMES, type VisitOutcome } from '../../../core/leads/types';
import { currentPosition, positionAllowed } from './device';
import { OUTCOME_LABELS, STATUS_LABELS, statusTone, visitTime } from './leads-view';
import { useLeadsUiStore } from './leads-ui-store';
import { useLogVisit } from './use-leads';

const NOTE_MAX = 2_000;

/**
 * "Log visit": what happened at the door, a note, and where the rep stood when the device may tell
 * (never required); the lead's status follows the visit. Below it, the lead's visits, newest first.
 */
export function LeadVisits({ lead, visits }: { lead: LeadView; visits: VisitView[] }) {
  const rep = useLeadsUiStore((s) => s.rep);
  const setRep = useLeadsUiStore((s) => s.setRep);
  const log = useLogVisit();
  const [outcome, setOutcome] = useState<VisitOutcome>('not_home');
  const [note, setNote] = useState('');
  const [name, setName] = useState(rep);
  const [withPosition, setWithPosition] = useState(false);
  const [locating, setLocating] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);

  // Ticked by default only where the position can be had without a prompt.
  useEffect(() => {
    let live = true;
    void positionAllowed().then((allowed) => live && setWithPosition(allowed));
    return () => {
      live = false;
    };
  }, []);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setNotice(null);
    let position: { lat: number; lng: number } | undefined;
    if (withPosition) {
      setLocating(true);
      const found = await currentPosition();
      setLocating(false);
      if (found.ok) position = found.position;
      else setNotice(`Logged without a position: ${found.reason}.`);
    }
    const trimmedRep = name.trim();
    if (trimmedRep) setRep(trimmedRep);
    log.mutate(
      { leadId: lead.id, outcome, ...(note.trim() ? { note: note.trim() } : {}), ...(position ? { position } : {}), ...(trimmedRep ? { rep: trimmedRep } : {}) },
      { onSuccess: () => setNote('') },
    );
  };

  const newestFirst = [...visits].sort((a, b) => b.visitedAt.localeCompare(a.visitedAt));
  return (
    <section className="lead-section" aria-labelledby="lead-visits">
      <h3 id="lead-visits">Log visit</h3>
      <form className="lead-visit-form" onSubmit={(event) => void submit(event)} data-testid="visit-form">
        <div className="lead-outcomes" role="radiogroup" aria-label="Outcome">
          {VISIT_OUTCOMES.map((value) => (
            <label key={value} className={`lead-outcome small${outcome === value ? ' is-on' : ''}`}>
              <input type="radio" name="visit-outcome" value={value} checked={outcome === value} onChange={() => setOutcome(value)} />
              {OUTCOME_LABELS[value]}
            </label>
          ))}
        </div>
        <textarea value={note} onChange={(event) => setNote(event.target.value)} maxLength={NOTE_MAX} rows={2} placeholder="Note (optional)" aria-label="Note" />
        <div className="lead-visit-row">
          <input type="text" value={name} onChange={(event) => setName(event.target.value)} maxLength={200} placeholder="Your name (optional)" aria-label="Your name" />
          <label className="small lead-visit-where">
            <input type="checkbox" checked={withPosition} onChange={(event) => setWithPosition(event.target.checked)} />
            Record where I am
          </label>
        </div>
        <button type="submit" className="button primary" disabled={log.isPending || locating} data-testid="log-visit">
          {locating ? 'Locating…' : log.isPending ? 'Saving…' : 'Log visit'}
        </button>
      </form>
      {log.error && (
        <p className="small error-text" role="alert">
          The visit could not be logged: {log.error.message}
        </p>
      )}
      {notice && <p className="small muted">{notice}</p>}
      <h3 className="lead-visits-title">Visits</h3>
      {newestFirst.length === 0 ? (
        <p className="small muted">No visits yet.</p>
      ) : (
        <ol className="lead-visit-list small" data-testid="lead-visits">
          {newestFirst.map((visit) => (
            <li key={visit.id}>
              <div className="lead-visit-head">
                <span className={`badge tone-${statusTone(visit.outcome)}`}>{STATUS_LABELS[visit.outcome]}</span>
                <span className="muted">{visitTime(visit.visitedAt)}</span>
                {visit.rep && <span className="muted">· {visit.rep}</span>}
                {visit.position && <span className="muted" title={`${visit.position.lat.toFixed(5)}, ${visit.position.lng.toFixed(5)}`}>· position recorded</span>}
              </div>
              {visit.note && <p className="lead-visit-note">{visit.note}</p>}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
