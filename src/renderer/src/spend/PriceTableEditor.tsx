import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useState, type FormEvent } from 'react';
import type { PriceInput } from '../../../core/contracts/cost-api';
import type { PriceTableView } from '../../../core/cost/budget-schemas';
import { useApi } from '../api/api-context';
import { splitRowErrors, usdInput } from './format';
import { pricesKey, usePrices } from './use-spend';

interface PriceRow {
  key: number;
  source: string;
  operation: string;
  price: string;
  unit: string;
  note: string;
}

let nextKey = 0;
const rowsOf = (table: PriceTableView): PriceRow[] =>
  table.prices.map((p) => ({ key: ++nextKey, source: p.source, operation: p.operation, price: usdInput(p.micros), unit: p.unit, note: p.note ?? '' }));

/**
 * The price table: what one call of each source costs at list price. It prices paid calls before
 * they are made, and free or cached answers at what they would have cost ("savings").
 */
export function PriceTableEditor() {
  const api = useApi();
  const queryClient = useQueryClient();
  const prices = usePrices();
  const id = useId();
  const [rows, setRows] = useState<PriceRow[] | null>(null);
  const [rowErrors, setRowErrors] = useState<Map<number, string>>(new Map());
  const [general, setGeneral] = useState<string | null>(null);
  const [savedVersion, setSavedVersion] = useState<number | null>(null);

  useEffect(() => {
    if (prices.data && rows === null) setRows(rowsOf(prices.data));
  }, [prices.data, rows]);

  const save = useMutation({
    mutationFn: (input: PriceInput[]) => api.updatePrices(input),
    onSuccess: (table) => {
      queryClient.setQueryData(pricesKey, table);
      setRows(rowsOf(table));
      setRowErrors(new Map());
      setGeneral(null);
      setSavedVersion(table.version);
    },
    onError: (error) => {
      const split = splitRowErrors(error.message);
      setRowErrors(split.byRow);
      setGeneral(split.general);
    },
  });

  if (!rows) return <p className="small muted">{prices.isError ? prices.error.message : 'Loading the price table…'}</p>;

  const update = (key: number, change: Partial<PriceRow>) => {
    setRows(rows.map((row) => (row.key === key ? { ...row, ...change } : row)));
    setSavedVersion(null);
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSavedVersion(null);
    save.mutate(
      rows.map((row) => ({
        source: row.source.trim(),
        operation: row.operation.trim() || '*',
        price: row.price.trim(),
        unit: row.unit.trim(),
        ...(row.note.trim() ? { note: row.note.trim() } : {}),
      })),
    );
  };

  return (
    <form className="price-form" onSubmit={submit} noValidate aria-labelledby={`${id}-title`} data-testid="price-form">
      <div className="spend-section-head">
        <h3 id={`${id}-title`}>Prices</h3>
        <span className="small muted">{prices.data?.version ? `version ${prices.data.version}` : 'published list prices'}</span>
      </div>
      <div className="price-table" role="table" aria-label="Price per call">
        <div className="price-row price-head" role="row">
          <span role="columnheader">Source</span>
          <span role="columnheader">Operation</span>
          <span role="columnheader">Price (USD)</span>
          <span role="columnheader">Per</span>
          <span role="columnheader" className="visually-hidden">
            Remove
          </span>
        </div>
        {rows.map((row, index) => (
          <div key={row.key} className={`price-row${rowErrors.has(index) ? ' is-invalid' : ''}`} role="row" title={row.note || undefined}>
            <input aria-label="Source" value={row.source} onChange={(e) => update(row.key, { source: e.target.value })} placeholder="google-static-maps" />
            <input aria-label="Operation" value={row.operation} onChange={(e) => update(row.key, { operation: e.target.value })} placeholder="*" />
            <span className="money-input">
              <span aria-hidden="true">$</span>
              <input aria-label={`Price of ${row.source || 'this source'}`} inputMode="decimal" value={row.price} onChange={(e) => update(row.key, { price: e.target.value })} />
            </span>
            <input aria-label="Unit" value={row.unit} onChange={(e) => update(row.key, { unit: e.target.value })} placeholder="request" />
            <button type="button" className="icon-button" aria-label={`Remove ${row.source || 'this row'}`} title="Remove" onClick={() => setRows(rows.filter((r) => r.key !== row.key))}>
              <svg viewBox="0 0 16 16" aria-hidden="true" className="chevron">
                <path d="M4 4l8 8M12 4l-8 8" />
              </svg>
            </button>
            {rowErrors.has(index) && (
              <span className="price-error small error-text" role="alert">
                {rowErrors.get(index)}
              </span>
            )}
          </div>
        ))}
      </div>
      {general && (
        <p className="small error-text" role="alert">
          {general}
        </p>
      )}
      <div className="spend-actions">
        <button type="submit" className="button primary" disabled={save.isPending}>
          {save.isPending ? 'Saving…' : 'Save prices'}
        </button>
        <button
          type="button"
          className="button"
          onClick={() => setRows([...rows, { key: ++nextKey, source: '', operation: '*', price: '0', unit: 'request', note: '' }])}
        >
          Add a price
        </button>
        {savedVersion !== null && <span className="small tone-ok spend-saved">Saved as version {savedVersion}</span>}
      </div>
    </form>
  );
}
