import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useState, type FormEvent } from 'react';
import { DEFAULT_ROTATE_AFTER_DAYS, secretNameSchema, type ApiKeyList, type ApiKeySummary } from '../../../core/contracts/secrets-api';
import type { ConnectionState } from '../../../core/rpc/linked-client';
import { useApi } from '../api/api-context';
import { ageLabel, apiKeyRows, apiKeysQueryKey, parseRotationDays, rotationBadge, type ApiKeyRow } from './api-keys-view';

/**
 * Settings → API keys. The list holds names, masked hints and rotation state only: a value goes
 * to the orchestrator once, from a password field, and never comes back.
 */

/** The saved keys' metadata: fetched when needed, refreshed after each change and each reconnect. */
export function useApiKeys() {
  const api = useApi();
  const queryClient = useQueryClient();
  useEffect(() => {
    let previous: ConnectionState | null = null;
    return api.onConnection((state) => {
      if (state === 'connected' && previous !== null && previous !== 'connected') void queryClient.invalidateQueries({ queryKey: apiKeysQueryKey });
      previous = state;
    });
  }, [api, queryClient]);
  return useQuery({
    queryKey: apiKeysQueryKey,
    queryFn: () => api.listApiKeys(),
    staleTime: 60_000,
    refetchOnWindowFocus: false,
    retry: true,
    retryDelay: (attempt) => Math.min(500 * 2 ** attempt, 10_000),
  });
}

const NEW_KEY = Symbol('new key');

export function ApiKeysSettings() {
  const keys = useApiKeys();
  const [editing, setEditing] = useState<string | typeof NEW_KEY | null>(null);
  const [justSaved, setJustSaved] = useState<string | null>(null);
  const locked = keys.data && !keys.data.unlocked;
  const now = Date.now();

  const saved = (summary: ApiKeySummary) => {
    setEditing(null);
    setJustSaved(summary.name);
  };

  return (
    <section className="api-keys" aria-labelledby="api-keys-title" data-testid="api-keys">
      <div className="section-head">
        <h2 id="api-keys-title">API keys</h2>
      </div>
      <p className="small muted">
        For paid and keyed data sources. Keys are encrypted on this device and never shown again once saved: only their last 4
        characters. Paid sources are used only under the daily budget.
      </p>
      {locked && (
        <p className="api-keys-notice tone-failed" role="alert">
          Keys cannot be saved or used here: {keys.data!.lockedReason}.
        </p>
      )}
      {keys.isError && !keys.data && <p className="small error-text">{keys.error.message}</p>}
      {keys.isPending && <p className="small muted">Loading keys…</p>}

      <ul className="api-key-list">
        {apiKeyRows(keys.data).map((row) => (
          <ApiKeyItem
            key={row.name}
            row={row}
            now={now}
            canSave={!locked}
            editing={editing === row.name}
            justSaved={justSaved === row.name}
            onEdit={() => {
              setJustSaved(null);
              setEditing(editing === row.name ? null : row.name);
            }}
            onSaved={saved}
          />
        ))}
      </ul>

      {editing === NEW_KEY ? (
        <ApiKeyForm name={null} rotateAfterDays={DEFAULT_ROTATE_AFTER_DAYS} onCancel={() => setEditing(null)} onSaved={saved} />
      ) : (
        <button type="button" className="button" disabled={!!locked} onClick={() => setEditing(NEW_KEY)}>
          Add a key for another source
        </button>
      )}
    </section>
  );
}

function ApiKeyItem(props: {
  row: ApiKeyRow;
  now: number;
  canSave: boolean;
  editing: boolean;
  justSaved: boolean;
  onEdit(): void;
  onSaved(summary: ApiKeySummary): void;
}) {
  const { row, now } = props;
  const key = row.saved;
  const badge = rotationBadge(key, now);
  const remove = useDeleteApiKey();
  const [confirming, setConfirming] = useState(false);

  return (
    <li className="api-key" data-name={row.name} data-rotation-due={key?.rotationDue ?? false}>
      <div className="api-key-summary">
        <div className="api-key-title">
          <strong>{row.label}</strong>
          <code className="small">{row.name}</code>
        </div>
        <span className={`badge tone-${badge.tone}`} data-testid="rotation-badge">
          {badge.text}
        </span>
      </div>
      {row.purpose && <p className="small muted">{row.purpose}</p>}
      {key && (
        <p className="small api-key-state">
          <span className="api-key-hint" data-testid="api-key-hint">
            {key.hint ?? '—'}
          </span>{' '}
          · {ageLabel(key)} · rotate every {key.rotateAfterDays} days
          {props.justSaved && <span className="api-key-saved">saved</span>}
        </p>
      )}
      {key?.problem && <p className="small error-text">{key.problem}</p>}
      {key?.rotationDue && !key.problem && (
        <p className="small api-key-reminder">This key is {key.ageDays} days old. Make a new one at the provider, then replace it here.</p>
      )}
      {remove.error && <p className="small error-text">{remove.error.message}</p>}

      {props.editing ? (
        <ApiKeyForm name={row.name} rotateAfterDays={key?.rotateAfterDays ?? DEFAULT_ROTATE_AFTER_DAYS} onCancel={props.onEdit} onSaved={props.onSaved} />
      ) : (
        <div className="api-key-actions">
          <button type="button" className="button" disabled={!props.canSave} onClick={props.onEdit}>
            {key ? 'Replace' : 'Add'}
          </button>
          {key &&
            (confirming ? (
              <>
                <span className="small">Delete this key?</span>
                <button type="button" className="button danger" disabled={remove.isPending} onClick={() => remove.mutate(row.name, { onSettled: () => setConfirming(false) })}>
                  Delete
                </button>
                <button type="button" className="button" onClick={() => setConfirming(false)}>
                  Keep
                </button>
              </>
            ) : (
              <button type="button" className="button" onClick={() => setConfirming(true)}>
                Delete…
              </button>
            ))}
        </div>
      )}
    </li>
  );
}

function useDeleteApiKey() {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (name: string) => api.deleteApiKey(name),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: apiKeysQueryKey }),
  });
}

/** `name` null: the person types the name too (a source not in the catalogue). */
function ApiKeyForm(props: { name: string | null; rotateAfterDays: number; onCancel(): void; onSaved(summary: ApiKeySummary): void }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const id = useId();
  const [name, setName] = useState(props.name ?? '');
  const [value, setValue] = useState('');
  const [days, setDays] = useState(String(props.rotateAfterDays));
  const [problem, setProblem] = useState<string | null>(null);
  const save = useMutation({
    mutationFn: (input: { name: string; value: string; rotateAfterDays: number }) => api.saveApiKey(input),
    onSuccess: (summary) => {
      // The value leaves the page's state as soon as it is stored.
      setValue('');
      queryClient.setQueryData<ApiKeyList>(apiKeysQueryKey, (list) =>
        list ? { ...list, keys: [...list.keys.filter((k) => k.name !== summary.name), summary].sort((a, b) => a.name.localeCompare(b.name)) } : list,
      );
      void queryClient.invalidateQueries({ queryKey: apiKeysQueryKey });
      props.onSaved(summary);
    },
  });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const checkedName = secretNameSchema.safeParse(name.trim());
    if (!checkedName.success) return setProblem(`The name ${checkedName.error.issues[0]?.message}.`);
    if (value.trim() === '') return setProblem('Paste the key first.');
    const period = parseRotationDays(days);
    if (!period.ok) return setProblem(period.message);
    setProblem(null);
    save.mutate({ name: checkedName.data, value, rotateAfterDays: period.days });
  };

  const message = problem ?? save.error?.message ?? null;
  return (
    <form className="api-key-form" onSubmit={submit} aria-label={props.name ? `New value for ${props.name}` : 'Add a key'}>
      {props.name === null && (
        <label htmlFor={`${id}-name`}>
          <span className="small muted">Name (source.kind)</span>
          <input id={`${id}-name`} value={name} onChange={(e) => setName(e.target.value)} placeholder="e.g. arcgis.api-key" autoComplete="off" spellCheck={false} autoFocus />
        </label>
      )}
      <label htmlFor={`${id}-value`}>
        <span className="small muted">Key</span>
        <input
          id={`${id}-value`}
          type="password"
          value={value}
          onChange={(e) => setValue(e.target.value)}
          placeholder="Paste the key"
          autoComplete="off"
          spellCheck={false}
          autoFocus={props.name !== null}
          data-testid="api-key-value"
        />
      </label>
      <label htmlFor={`${id}-days`} className="api-key-days">
        <span className="small muted">Remind to rotate after (days)</span>
        <input id={`${id}-days`} inputMode="numeric" value={days} onChange={(e) => setDays(e.target.value)} />
      </label>
      {message && (
        <p className="small error-text" role="alert">
          {message}
        </p>
      )}
      <div className="api-key-actions">
        <button type="submit" className="button primary" disabled={save.isPending}>
          {save.isPending ? 'Saving…' : 'Save'}
        </button>
        <button type="button" className="button" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
