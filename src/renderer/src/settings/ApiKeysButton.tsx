import { useEffect, useRef, useState } from 'react';
import { createPortal } from 'react-dom';
import { ApiKeysSettings, useApiKeys } from './ApiKeysSettings';
import { DataSourcesSettings } from './DataSourcesSettings';
import { keysNeedingAttention } from './api-keys-view';
import './api-keys.css';

/**
 * The status panel header's Settings button, with a count of keys due for rotation (or
 * unreadable), and the Settings dialog it opens.
 * Note: the dialog is portalled to <body>: the panel's backdrop-filter would otherwise become the
 * containing block of its fixed-position overlay and clip it to the panel.
 */
export function ApiKeysButton() {
  const [open, setOpen] = useState(false);
  const keys = useApiKeys();
  const attention = keysNeedingAttention(keys.data);
  const button = useRef<HTMLButtonElement>(null);
  const label = attention > 0 ? `Settings: ${attention} API key${attention === 1 ? ' needs' : 's need'} attention` : 'Settings: API keys and data sources';

  return (
    <>
      <button
        ref={button}
        type="button"
        className="icon-button settings-button"
        onClick={() => setOpen(true)}
        aria-haspopup="dialog"
        aria-label={label}
        title={label}
        data-testid="settings-button"
      >
        <svg viewBox="0 0 16 16" aria-hidden="true" className="settings-icon">
          <circle cx="5.5" cy="8" r="3" />
          <path d="M8.5 8h6M12.5 8v2.5M14.5 8v2" />
        </svg>
        {attention > 0 && (
          <span className="settings-count" data-testid="settings-attention">
            {attention}
          </span>
        )}
      </button>
      {open &&
        createPortal(
          <SettingsDialog
            onClose={() => {
              setOpen(false);
              button.current?.focus();
            }}
          />,
          document.body,
        )}
    </>
  );
}

const TABS = [
  { id: 'api-keys', label: 'API keys' },
  { id: 'data-sources', label: 'Data sources' },
] as const;

function SettingsDialog({ onClose }: { onClose(): void }) {
  const card = useRef<HTMLDivElement>(null);
  const [tab, setTab] = useState<(typeof TABS)[number]['id']>('api-keys');
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') onClose();
    };
    window.addEventListener('keydown', onKey);
    if (!card.current?.contains(document.activeElement)) card.current?.focus();
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);

  return (
    <div className="overlay" onMouseDown={(event) => event.target === event.currentTarget && onClose()}>
      <div ref={card} className={`overlay-card settings-dialog${tab === 'data-sources' ? ' is-wide' : ''}`} role="dialog" aria-modal="true" aria-labelledby="settings-title" tabIndex={-1} data-testid="settings-dialog">
        <header className="settings-header">
          <h2 id="settings-title">Settings</h2>
          <button type="button" className="icon-button" onClick={onClose} aria-label="Close settings" title="Close">
            <svg viewBox="0 0 16 16" aria-hidden="true" className="chevron">
              <path d="M4 4l8 8M12 4l-8 8" />
            </svg>
          </button>
        </header>
        <div className="settings-tabs" role="tablist" aria-label="Settings sections">
          {TABS.map((t) => (
            <button key={t.id} type="button" role="tab" className="settings-tab" aria-selected={tab === t.id} onClick={() => setTab(t.id)} data-testid={`settings-tab-${t.id}`}>
              {t.label}
            </button>
          ))}
        </div>
        {tab === 'api-keys' ? <ApiKeysSettings /> : <DataSourcesSettings />}
      </div>
    </div>
  );
}
