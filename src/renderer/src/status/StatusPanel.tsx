import { useEffect, useState } from 'react';
import { useApi } from '../api/api-context';
import { CollapseButton } from '../CollapseButton';
import { MlProviderLine } from '../imagery/MlProviderLine';
import { ApiKeysButton } from '../settings/ApiKeysButton';
import { useUiStore } from '../ui-store';
import { Diagnostics } from './Diagnostics';
import { linkLabel, modeLabel, orderServices, summariseHealth, type LinkView } from './format';
import { ServiceRow } from './ServiceRow';
import { useHostStatus, useLinkView } from './use-host-status';

/** A clock for "2 min ago" labels; it ticks only while something relative is on screen. */
function useNow(active: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [active]);
  return now;
}

const LINK_TONES: Record<LinkView, string> = {
  connected: 'ok',
  connecting: 'pending',
  reconnecting: 'pending',
  'access-denied': 'failed',
};

export function StatusPanel() {
  const api = useApi();
  const link = useLinkView();
  const status = useHostStatus();
  const collapsed = useUiStore((s) => s.panelCollapsed);
  const togglePanel = useUiStore((s) => s.togglePanel);
  const selected = useUiStore((s) => s.selectedService);
  const toggleService = useUiStore((s) => s.toggleService);
  const now = useNow(selected !== null);

  const linkUp = link === 'connected';
  const host = status.data;
  const health = summariseHealth(host, link);
  const services = host ? orderServices(host.services) : [];

  return (
    <aside className={`map-card status-panel${collapsed ? ' is-collapsed' : ''}`} data-testid="status-panel" aria-label="Service status">
      <header className="panel-header">
        <div className="brand">
          <svg className="brand-mark" viewBox="0 0 32 32" aria-hidden="true">
            <path d="M3 16c4-7 11-9 17-6l7-5v22l-7-5c-6 3-13 1-17-6z" />
            <circle cx="10" cy="14.5" r="1.6" />
          </svg>
          <div>
            <h1>Fish Mouth</h1>
            <p className="small muted">
              {host ? `v${host.version} · ${modeLabel(host.mode)}` : api.transport === 'electron' ? 'Desktop' : 'Browser'}
            </p>
          </div>
        </div>
        <span className={`pill tone-${LINK_TONES[link]}`} data-testid="connection-state" data-state={link}>
          <span className={`dot tone-${LINK_TONES[link]}`} aria-hidden="true" />
          {linkLabel(link)}
        </span>
        <ApiKeysButton />
        <CollapseButton collapsed={collapsed} onToggle={togglePanel} subject="service status" />
      </header>

      <div className={`health tone-${health.tone}`} data-testid="overall-health" data-tone={health.tone}>
        <span className={`dot tone-${health.tone}`} aria-hidden="true" />
        {health.text}
      </div>

      {!collapsed && (
        <div className="panel-body">
          {status.isError && !host && <p className="small error-text">{status.error.message}</p>}
          <div className="service-table">
            <div className="service-head">
              <span>Service</span>
              <span>State</span>
              <span className="num">Restarts</span>
              <span className="num">Memory</span>
              <span className="num">PID</span>
            </div>
            <ul className="service-list">
              {services.map((service) => (
                <ServiceRow
                  key={service.name}
                  status={service}
                  stale={!linkUp}
                  expanded={selected === service.name}
                  onToggle={() => toggleService(service.name)}
                  now={now}
                />
              ))}
            </ul>
            {!host && !status.isError && link !== 'access-denied' && <p className="small muted loading">Waiting for the orchestrator…</p>}
            {linkUp && <MlProviderLine className="status-ml-line" />}
          </div>
          <Diagnostics linkUp={linkUp} />
        </div>
      )}
    </aside>
  );
}
