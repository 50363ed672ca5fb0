import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo } from 'react';
import type { LeadView } from '../../../core/contracts/leads-contract';
import { CollapseButton } from '../CollapseButton';
import { useCoverageView } from '../imagery/use-imagery';
import { useMapHandle } from '../scan/map-handle';
import { ExportButtons } from './ExportButtons';
import { leadFilters, PAGE_SIZE, pageCount, pageFilters } from './lead-filters';
import { LeadFilterBar } from './LeadFilterBar';
import { leadPoints } from './lead-points';
import { conditionShort, countsLine, hailShort, pageLine, roofAgeShort, STATUS_LABELS, statusTone, topReason } from './leads-view';
import { useLeadsUiStore } from './leads-ui-store';
import { RoutePlanner } from './RoutePlanner';
import { ScoreBadge } from './ScoreBadge';
import { leadsKeys, useHotCount, useLead, useLeadList, useLeadsRefresh, useMapLeads } from './use-leads';
import { flyToLead, useLeadClicks, useLeadsOverlay } from './use-leads-map';
import './leads.css';

/**
 * The leads card (top left): the ranked list a rep works from, with filters, counts, pages of a
 * hundred, a walking route and exports. Also wires the map: the leads under the filters as
 * circles by score, the open lead ringed, the route drawn, clicks on circles opening a lead.
 */
export function LeadsPanel() {
  const map = useMapHandle((s) => s.map);
  const queryClient = useQueryClient();
  const collapsed = useLeadsUiStore((s) => s.collapsed);
  const toggle = useLeadsUiStore((s) => s.toggleCollapsed);
  const form = useLeadsUiStore((s) => s.filters);
  const page = useLeadsUiStore((s) => s.page);
  const setPage = useLeadsUiStore((s) => s.setPage);
  const selected = useLeadsUiStore((s) => s.selected);
  const select = useLeadsUiStore((s) => s.select);
  const route = useLeadsUiStore((s) => s.route);

  useLeadsRefresh();
  const parsed = useMemo(() => leadFilters(form), [form]);
  const filters = parsed.ok ? parsed.filters : null;
  const list = useLeadList(filters ? pageFilters(filters, page) : null);
  const hot = useHotCount(filters);
  const view = useCoverageView(map);
  const mapLeads = useMapLeads(filters, view);
  const points = useMemo(() => (mapLeads.data ? leadPoints(mapLeads.data.leads) : undefined), [mapLeads.data]);
  const open = useLead(selected?.id ?? null);
  const openLead = open.data?.lead ?? null;
  useLeadsOverlay(points, openLead ? { lat: openLead.lat, lng: openLead.lng } : null, route);
  useLeadClicks(points);

  const total = list.data?.total ?? null;
  // A page past the end (leads went away in a rescore or a status filter) goes back to the last one.
  const lastPage = total === null ? 0 : pageCount(total) - 1;
  useEffect(() => {
    if (!list.isPlaceholderData && page > lastPage) setPage(lastPage);
  }, [page, lastPage, list.isPlaceholderData, setPage]);
  const pick = (lead: LeadView) => {
    select({ id: lead.id, address: lead.address });
    if (map) flyToLead(map, lead, !collapsed);
  };

  return (
    <section className={`map-card leads-panel${collapsed ? ' is-collapsed' : ''}`} data-testid="leads-panel" aria-labelledby="leads-title">
      <header className="panel-header leads-header">
        <div className="leads-heading">
          <h2 id="leads-title">Leads</h2>
          <p className="small muted" data-testid="leads-counts">
            {total === null ? (list.error ? 'Not available' : 'Loading…') : countsLine(total, hot.data ?? null)}
          </p>
        </div>
        <CollapseButton collapsed={collapsed} onToggle={toggle} subject="leads" />
      </header>
      {!collapsed && (
        <div className="panel-body leads-body">
          <LeadFilterBar error={parsed.ok ? null : parsed.message} />
          <div className="leads-scroll">
            {list.error && !list.data ? (
              <div className="leads-state" role="alert">
                <p className="small error-text">The leads could not be loaded: {list.error.message}</p>
                <button type="button" className="button" onClick={() => void queryClient.invalidateQueries({ queryKey: leadsKeys.all })}>
                  Try again
                </button>
              </div>
            ) : list.data && list.data.total === 0 ? (
              <p className="small muted leads-state" data-testid="leads-empty">
                {Object.keys(filters ?? {}).length > 0 ? 'No lead matches these filters.' : 'No leads yet: a scan scores every property it finds.'}
              </p>
            ) : list.data ? (
              <>
                <ol className={`leads-list${list.isPlaceholderData ? ' is-stale' : ''}`} data-testid="leads-list">
                  {list.data.leads.map((lead, index) => (
                    <LeadRow key={lead.id} lead={lead} rank={page * PAGE_SIZE + index + 1} selected={lead.id === selected?.id} onPick={() => pick(lead)} />
                  ))}
                </ol>
                <Pager page={page} total={list.data.total} shown={list.data.leads.length} onPage={setPage} />
              </>
            ) : (
              <p className="small muted leads-state">Loading leads…</p>
            )}
          </div>
          <section className="leads-tools" aria-label="Walk route and export">
            <RoutePlanner filters={filters} />
            <ExportButtons filters={filters} />
          </section>
          {mapLeads.error && !list.error && <p className="small error-text leads-map-line">The leads could not be drawn on the map: {mapLeads.error.message}</p>}
          {mapLeads.data && mapLeads.data.total > mapLeads.data.leads.length && (
            <p className="small muted leads-map-line">
              The map shows the best {mapLeads.data.leads.length.toLocaleString('en-US')} of {mapLeads.data.total.toLocaleString('en-US')} leads{view ? ' in view' : ''}.
            </p>
          )}
        </div>
      )}
    </section>
  );
}

function LeadRow({ lead, rank, selected, onPick }: { lead: LeadView; rank: number; selected: boolean; onPick: () => void }) {
  return (
    <li className={`lead-row${selected ? ' is-selected' : ''}`} data-testid="lead-row">
      <button type="button" className="lead-row-button" onClick={onPick} aria-current={selected ? 'true' : undefined}>
        <span className="lead-rank num small muted">{rank}</span>
        <ScoreBadge score={lead.score} />
        <span className="lead-row-main">
          <span className="lead-row-top">
            <span className="lead-address">{lead.address}</span>
            {lead.status !== 'new' && <span className={`badge tone-${statusTone(lead.status)}`}>{STATUS_LABELS[lead.status]}</span>}
          </span>
          <span className="lead-reason small" data-testid="lead-reason">
            {topReason(lead)}
          </span>
          <span className="lead-facts small muted">
            {conditionShort(lead.conditionScore)} · {roofAgeShort(lead.roofAgeYears)} · {hailShort(lead.hailMaxInches, lead.hailLastAt)}
            {lead.assignedTo ? ` · ${lead.assignedTo}` : ''}
          </span>
        </span>
      </button>
    </li>
  );
}

function Pager({ page, total, shown, onPage }: { page: number; total: number; shown: number; onPage: (page: number) => void }) {
  const pages = pageCount(total);
  if (pages <= 1) return <p className="small muted leads-pager">{pageLine(page * PAGE_SIZE, shown, total)}</p>;
  return (
    <div className="leads-pager small">
      <button type="button" className="button" onClick={() => onPage(page - 1)} disabled={page === 0} aria-label="Previous page">
        ‹
      </button>
      <span className="muted">{pageLine(page * PAGE_SIZE, shown, total)}</span>
      <button type="button" className="button" onClick={() => onPage(page + 1)} disabled={page + 1 >= pages} aria-label="Next page">
        ›
      </button>
    </div>
  );
}
