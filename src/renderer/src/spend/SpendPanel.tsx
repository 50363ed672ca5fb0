import { budgetAlertNotice } from '../../../core/cost/alert-text';
import type { BudgetStatus } from '../../../core/cost/budget-schemas';
import type { BudgetAlert, SpendSummary } from '../../../core/cost/spend-schemas';
import { CollapseButton } from '../CollapseButton';
import { useLinkView } from '../status/use-host-status';
import { BudgetSettingsDialog } from './BudgetSettingsDialog';
import { EmergencyBudget } from './EmergencyBudget';
import { clockTime, dayLabel, percent, usd, usdCents, utilisationTone, type Tone } from './format';
import { SpendBar } from './SpendBar';
import { useSpendUiStore } from './spend-ui-store';
import { useAlertsToday, useBudgetStatus, useSpendFeed, useSpendToday } from './use-spend';
import './spend.css';

/**
 * The spend card on the map (bottom left): today's spend against the daily budget, what is
 * reserved for calls in flight, the projection, free-source and cache rates, savings, usage per
 * priority, the emergency budget and today's alerts. Kept current by pushes, never by polling.
 */
export function SpendPanel() {
  useSpendFeed();
  const summary = useSpendToday();
  const budget = useBudgetStatus();
  const link = useLinkView();
  const collapsed = useSpendUiStore((s) => s.collapsed);
  const toggle = useSpendUiStore((s) => s.toggleCollapsed);
  const settingsOpen = useSpendUiStore((s) => s.settingsOpen);
  const setSettingsOpen = useSpendUiStore((s) => s.setSettingsOpen);
  const stale = link !== 'connected';
  const today = summary.data;
  const status = budget.data;
  const failure = (!today && summary.error) || (!status && budget.error);

  return (
    <section
      className={`map-card spend-panel${collapsed ? ' is-collapsed' : ''}${stale ? ' is-stale' : ''}`}
      data-testid="spend-panel"
      aria-labelledby="spend-title"
    >
      <header className="panel-header">
        <svg className="spend-mark" viewBox="0 0 16 16" aria-hidden="true">
          <path d="M8 1.5v13M11.5 4.2c-.7-1-2-1.6-3.5-1.6-2 0-3.4 1-3.4 2.5 0 3.4 7 1.8 7 5.3 0 1.5-1.5 2.6-3.6 2.6-1.6 0-3-.7-3.7-1.8" />
        </svg>
        <div className="spend-heading">
          <h2 id="spend-title">Data spend</h2>
          <p className="small muted">{status ? `${dayLabel(status.day)} · ${status.timeZone}` : 'Today'}</p>
        </div>
        <button
          type="button"
          className="icon-button"
          onClick={() => setSettingsOpen(true)}
          aria-haspopup="dialog"
          aria-label="Budget and prices"
          title="Budget and prices"
          data-testid="budget-settings-button"
        >
          <svg viewBox="0 0 16 16" aria-hidden="true" className="spend-icon">
            <path d="M2.5 4.5h7M12.5 4.5h1M2.5 11.5h1M6.5 11.5h7" />
            <circle cx="11" cy="4.5" r="1.6" />
            <circle cx="5" cy="11.5" r="1.6" />
          </svg>
        </button>
        <CollapseButton collapsed={collapsed} onToggle={toggle} subject="spend details" />
      </header>

      {today && status ? (
        <>
          <TodayFigures today={today} status={status} />
          {!collapsed && <Details today={today} status={status} />}
        </>
      ) : (
        <p className={`spend-loading small ${failure ? 'error-text' : 'muted'}`}>{failure ? failure.message : "Loading today's spend…"}</p>
      )}
      {stale && today && <p className="spend-stale small">Reconnecting: these figures may be out of date.</p>}
      {settingsOpen && <BudgetSettingsDialog onClose={() => setSettingsOpen(false)} />}
    </section>
  );
}

function TodayFigures({ today, status }: { today: SpendSummary; status: BudgetStatus }) {
  const daily = status.daily;
  const tone = utilisationTone(daily.committedMicros, daily.limitMicros);
  return (
    <div className="spend-today">
      <div className="spend-headline">
        <strong className="spend-amount" data-testid="spend-today">
          {usd(today.spentMicros)}
        </strong>
        <span className="muted">of {usd(daily.limitMicros)} daily budget</span>
        <span className={`badge tone-${tone}`} data-testid="spend-utilisation">
          {daily.limitMicros > 0 ? percent(daily.committedMicros / daily.limitMicros) : 'no budget'}
        </span>
      </div>
      <SpendBar committed={daily.committedMicros} reserved={daily.reservedMicros} limit={daily.limitMicros} label="Daily budget" />
      <p className="spend-legend small">
        <span className="legend-swatch spend-swatch-reserved" aria-hidden="true" />
        <span>
          <span data-testid="spend-reserved">{usd(status.total.reservedMicros)}</span> reserved for calls in flight
        </span>
        <span className="muted" aria-hidden="true">
          ·
        </span>
        <span>
          <span data-testid="spend-remaining">{usd(status.total.remainingMicros)}</span> left today
        </span>
      </p>
    </div>
  );
}

function Details({ today, status }: { today: SpendSummary; status: BudgetStatus }) {
  const alerts = useAlertsToday();
  return (
    <div className="panel-body spend-details">
      <dl className="spend-stats">
        <Stat
          label="Projected by midnight"
          value={usdCents(today.projectedMicros)}
          hint={
            today.projectedMicros > today.limitMicros
              ? "At today's pace the budget runs out before midnight; paid sources then pause"
              : "If spending goes on at today's pace until midnight"
          }
          tone={today.projectedMicros > today.limitMicros ? 'pending' : undefined}
          testId="spend-projected"
        />
        <Stat label="Free-source rate" value={percent(today.freeSourceRate)} hint="Share of results served by free sources or the cache" testId="spend-free-rate" />
        <Stat label="Cache-hit rate" value={percent(today.cacheHitRate)} hint="Share of results served from the cache" testId="spend-cache-rate" />
        <Stat label="Saved vs paying for all" value={usd(Math.max(0, today.savingsMicros))} hint="What paying list price for every call would have cost, minus what was paid" testId="spend-savings" />
      </dl>

      <section className="spend-section" aria-label="Spend by priority">
        <h3>By priority</h3>
        <ul className="spend-priorities">
          {(['high', 'medium', 'low'] as const).map((priority) => {
            const p = status.priorities[priority];
            return (
              <li key={priority} data-testid={`spend-priority-${priority}`}>
                <span className="spend-priority-name">
                  {priority[0]!.toUpperCase() + priority.slice(1)} <span className="muted">{p.sharePercent}%</span>
                </span>
                <SpendBar committed={p.committedMicros} reserved={p.reservedMicros} limit={p.limitMicros} label={`${priority} priority share`} size="small" />
                <span className="num small">
                  {usd(p.committedMicros)} <span className="muted">/ {usd(p.limitMicros)}</span>
                </span>
              </li>
            );
          })}
        </ul>
      </section>

      <EmergencyBudget status={status} />

      <section className="spend-section" aria-label="Budget alerts today">
        <h3>Alerts today</h3>
        {alerts.data && alerts.data.length > 0 ? (
          <ul className="spend-alerts">
            {alerts.data.map((alert) => (
              <AlertItem key={`${alert.pool}:${alert.thresholdPercent}`} alert={alert} />
            ))}
          </ul>
        ) : (
          <p className="small muted">{alerts.isError ? alerts.error.message : 'None yet. Alerts come at 50%, 80% and 100% of each budget.'}</p>
        )}
      </section>
    </div>
  );
}

function Stat({ label, value, hint, tone, testId }: { label: string; value: string; hint: string; tone?: Tone; testId: string }) {
  return (
    <div className="spend-stat" title={hint}>
      <dt className="small muted">{label}</dt>
      <dd data-testid={testId} className={tone ? `spend-stat-${tone}` : undefined}>
        {value}
      </dd>
    </div>
  );
}

function AlertItem({ alert }: { alert: BudgetAlert }) {
  const notice = budgetAlertNotice(alert);
  return (
    <li className={`spend-alert tone-${notice.urgent ? 'failed' : 'pending'}`} data-testid="budget-alert-item" title={alert.message}>
      <span className="spend-alert-title">{notice.title}</span>
      <span className="small muted">{clockTime(alert.at)}</span>
    </li>
  );
}
