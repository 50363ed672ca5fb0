import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useState, type FormEvent } from 'react';
import type { SourceSettings, SourceSettingsList, SourcesConfigureInput } from '../../../core/contracts/sources-api';
import type { ConnectionState } from '../../../core/rpc/linked-client';
import { useApi } from '../api/api-context';
import { clockTime, usd, type FieldErrors } from '../spend/format';
import {
  DRAFT_FIELDS,
  dataSourcesQueryKey,
  defaultsText,
  draftOf,
  isStaleRefusal,
  licenceNotes,
  patchFromDraft,
  splitSourceErrors,
  usageText,
  type SourceDraft,
  type SourceErrorField,
} from './data-sources-view';
import './data-sources.css';

/**
 * Settings → Data sources: every source Fish Mouth may call, its rate limit, daily cap and
 * address, today's use, and what its licence allows. Values are checked by the contract's schema
 * and the orchestrator; a refusal comes back under the field it concerns. Licences are shown only.
 */

/** The sources with their settings: fetched each time the section opens, and after each reconnect. */
export function useDataSources() {
  const api = useApi();
  const queryClient = useQueryClient();
  useEffect(() => {
    let previous: ConnectionState | null = null;
    return api.onConnection((state) => {
      if (state === 'connected' && previous !== null && previous !== 'connected') void queryClient.invalidateQueries({ queryKey: dataSourcesQueryKey });
      previous = state;
    });
  }, [api, queryClient]);
  return useQuery({
    queryKey: dataSourcesQueryKey,
    queryFn: () => api.listSources(),
    staleTime: 0,
    refetchOnWindowFocus: false,
    retry: true,
    retryDelay: (attempt) => Math.min(500 * 2 ** attempt, 10_000),
  });
}

type RowErrors = FieldErrors<SourceErrorField>;
const NO_ERRORS: RowErrors = { byField: {}, general: null };

/** One source's change: the saved entry replaces its row and the version moves for every row. */
function useConfigureSource(onError: (message: string) => void) {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: SourcesConfigureInput) => api.configureSource(input),
    onSuccess: (saved) => {
      queryClient.setQueryData<SourceSettingsList>(dataSourcesQueryKey, (list) =>
        list
          ? {
              ...list,
              settingsVersion: saved.settingsVersion,
              sources: list.sources.map((s) => (s.id === saved.id ? saved : { ...s, settingsVersion: saved.settingsVersion })),
            }
          : list,
      );
      void queryClient.invalidateQueries({ queryKey: dataSourcesQueryKey });
    },
    onError: (error) => {
      if (isStaleRefusal(error.message)) void queryClient.invalidateQueries({ queryKey: dataSourcesQueryKey });
      onError(error.message);
    },
  });
}

export function DataSourcesSettings() {
  const sources = useDataSources();
  const list = sources.data;
  return (
    <section className="data-sources" aria-labelledby="data-sources-title" data-testid="data-sources">
      <div className="section-head">
        <h2 id="data-sources-title">Data sources</h2>
        {list && (
          <span className="small muted" title={list.changedAt ?? undefined}>
            settings version {list.settingsVersion}
            {list.changedBy && `, last changed by ${list.changedBy}`}
          </span>
        )}
      </div>
      <p className="small muted">
        How fast and how often Fish Mouth may call each source, shared by every process on this computer. A daily cap of 0 stops a source for
        the day; an empty cap means none. Requests count from midnight{list ? ` (${list.timeZone})` : ''}. Licences are the providers’ terms and
        cannot be changed here.
      </p>
      {sources.isError && !list && <p className="small error-text">{sources.error.message}</p>}
      {sources.isPending && <p className="small muted">Loading the data sources…</p>}
      {list && (
        <div className="source-table" role="table" aria-label="Data sources">
          <div className="source-row source-head" role="row">
            <span role="columnheader">Source</span>
            <span role="columnheader">On</span>
            <span role="columnheader">Rate /s</span>
            <span role="columnheader">Burst</span>
            <span role="columnheader">Daily cap</span>
            <span role="columnheader">Today</span>
            <span role="columnheader">Address</span>
            <span role="columnheader" className="visually-hidden">
              Actions
            </span>
          </div>
          {list.sources.map((source) => (
            <SourceRow key={source.id} source={source} version={list.settingsVersion} />
          ))}
        </div>
      )}
    </section>
  );
}

function SourceRow({ source, version }: { source: SourceSettings; version: number }) {
  const id = useId();
  const [draft, setDraft] = useState<SourceDraft | null>(null);
  const [errors, setErrors] = useState<RowErrors>(NO_ERRORS);
  const [justSaved, setJustSaved] = useState(false);
  const configure = useConfigureSource((message) =>
    setErrors(isStaleRefusal(message) ? { byField: {}, general: `${message} The list has been reloaded; save again to apply your change.` } : splitSourceErrors(message)),
  );
  const shown = draft ?? draftOf(source);
  const patch = patchFromDraft(source, shown);
  const dirty = Object.keys(patch).length > 0;
  const local = source.kind === 'local';
  const usage = usageText(source);

  /** The on/off switch saves at once and leaves unsaved edits of the other fields in place. */
  const send = (override: SourcesConfigureInput['override'], keepDraft = false) => {
    setErrors(NO_ERRORS);
    setJustSaved(false);
    configure.mutate(
      { id: source.id, override, expectedVersion: version },
      {
        onSuccess: () => {
          if (!keepDraft) setDraft(null);
          setJustSaved(true);
        },
      },
    );
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (dirty) send(patch);
  };
  const edit = (field: keyof SourceDraft) => (value: string) => {
    setDraft({ ...shown, [field]: value });
    setJustSaved(false);
  };
  const field = (name: keyof SourceDraft, label: string, props: { placeholder?: string; inputMode?: 'decimal' | 'numeric' | 'url' }) => (
    <span className="source-cell" role="cell" data-label={FIELD_LABELS[name]}>
      <input
        name={name}
        aria-label={`${label} of ${source.label}`}
        className={`${errors.byField[name] ? 'is-invalid' : ''}${source.customised.includes(name) ? ' is-customised' : ''}`}
        value={shown[name]}
        onChange={(event) => edit(name)(event.target.value)}
        aria-invalid={errors.byField[name] !== undefined}
        aria-describedby={errors.byField[name] ? `${id}-${name}-error` : undefined}
        title={source.customised.includes(name) ? `${shown[name]} (changed from the default: ${defaultValue(source, name)})` : shown[name] || undefined}
        autoComplete="off"
        spellCheck={false}
        {...props}
      />
    </span>
  );

  return (
    <form
      className={`source-row${source.enabled ? '' : ' is-off'}`}
      role="row"
      onSubmit={submit}
      noValidate
      aria-label={source.label}
      data-source={source.id}
      data-testid="source-row"
    >
      <span className="source-name" role="cell">
        <strong>{source.label}</strong>
        <span className="source-meta small muted">
          <span className={`badge kind-${source.kind}`} data-testid="source-kind">
            {source.kind}
          </span>
          <code>{source.id}</code>
          {source.price && source.price.micros !== null && <span>{usd(source.price.micros)} a call</span>}
        </span>
      </span>
      <span className="source-cell" role="cell" data-label="On">
        <input
          type="checkbox"
          className="source-switch"
          role="switch"
          checked={source.enabled}
          disabled={configure.isPending}
          onChange={(event) => send({ enabled: event.target.checked }, true)}
          aria-label={`Use ${source.label}`}
          title={source.enabled ? 'On: Fish Mouth may call this source' : 'Off: never called'}
        />
      </span>
      {local ? (
        <>
          <span className="source-cell muted" role="cell" data-label={FIELD_LABELS.ratePerSecond}>
            —
          </span>
          <span className="source-cell muted" role="cell" data-label={FIELD_LABELS.burst}>
            —
          </span>
          <span className="source-cell muted" role="cell" data-label={FIELD_LABELS.dailyCap}>
            —
          </span>
        </>
      ) : (
        <>
          {field('ratePerSecond', 'Requests a second', { inputMode: 'decimal' })}
          {field('burst', 'Burst', { inputMode: 'numeric' })}
          {field('dailyCap', 'Daily cap', { inputMode: 'numeric', placeholder: 'none' })}
        </>
      )}
      <span className="source-cell" role="cell" data-label="Today">
        {local ? (
          <span className="muted">—</span>
        ) : (
          <span className={`source-usage tone-${usage.tone}`} data-testid="source-usage" title={usage.tone === 'failed' ? 'Daily cap reached: calls resume at midnight' : 'Requests today / daily cap'}>
            {usage.text}
          </span>
        )}
        {source.usage.pausedUntil && (
          <span className="small source-paused" title={`The source asked us to slow down; every process waits until ${source.usage.pausedUntil}`}>
            paused until {clockTime(source.usage.pausedUntil)}
          </span>
        )}
      </span>
      {local ? (
        <span className="source-cell muted small" role="cell">
          Your own files
        </span>
      ) : (
        field('baseUrl', 'Address', { inputMode: 'url', placeholder: 'set per territory' })
      )}
      <span className="source-actions" role="cell">
        {dirty ? (
          <>
            <button type="submit" className="button primary" disabled={configure.isPending}>
              {configure.isPending ? 'Saving…' : 'Save'}
            </button>
            <button type="button" className="button" onClick={() => {
                setDraft(null);
                setErrors(NO_ERRORS);
              }}>
              Undo
            </button>
          </>
        ) : (
          <>
            {justSaved && <span className="small tone-ok source-saved">Saved</span>}
            {source.customised.length > 0 && (
              <button type="button" className="button" disabled={configure.isPending} onClick={() => send(null)} title={`Restore the defaults: ${defaultsText(source)}`}>
                Reset
              </button>
            )}
          </>
        )}
      </span>
      <span className="licence-notes small" role="cell" data-testid="licence-notes">
        <span className="muted">{source.licence.name}:</span>
        {licenceNotes(source.licence).map((note) => (
          <span key={note.text} className={`licence-note${note.restriction ? ' is-restriction' : ''}`}>
            {note.text}
          </span>
        ))}
      </span>
      {(Object.keys(errors.byField).length > 0 || errors.general) && (
        <span className="source-errors small error-text" role="alert">
          {DRAFT_FIELDS.map(
            (name) =>
              errors.byField[name] && (
                <span key={name} id={`${id}-${name}-error`}>
                  {FIELD_LABELS[name]}: {errors.byField[name]}
                </span>
              ),
          )}
          {errors.byField.enabled && <span>{errors.byField.enabled}</span>}
          {errors.general && <span>{errors.general}</span>}
        </span>
      )}
    </form>
  );
}

const FIELD_LABELS: Record<keyof SourceDraft, string> = { ratePerSecond: 'Rate /s', burst: 'Burst', dailyCap: 'Daily cap', baseUrl: 'Address' };

function defaultValue(source: SourceSettings, field: keyof SourceDraft): string {
  const value = source.defaults[field];
  if (value === null) return field === 'dailyCap' ? 'no cap' : 'none';
  return String(value);
}
