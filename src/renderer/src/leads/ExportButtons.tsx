import { useState } from 'react';
import type { LeadFilters } from '../../../core/contracts/leads-contract';
import { saveTextFile } from './device';
import { exportFilename } from './leads-view';
import { useExportLeads } from './use-leads';

const FORMATS = [
  ['csv', 'CSV', 'a spreadsheet'],
  ['geojson', 'GeoJSON', 'GIS tools'],
  ['kml', 'KML', 'Google Earth and most map apps'],
] as const;

/** The list under the current filters as a file: CSV, GeoJSON or KML, saved by the browser. */
export function ExportButtons({ filters }: { filters: LeadFilters | null }) {
  const exporting = useExportLeads();
  const [done, setDone] = useState<string | null>(null);

  const run = (format: (typeof FORMATS)[number][0]) => {
    if (!filters) return;
    setDone(null);
    exporting.mutate(
      { format, filters },
      {
        onSuccess: (file) => {
          const name = exportFilename(file.filename, format);
          saveTextFile(name, file.mime || 'text/plain', file.text);
          setDone(`${file.rows.toLocaleString('en-US')} ${file.rows === 1 ? 'lead' : 'leads'} saved as ${name}.`);
        },
      },
    );
  };

  return (
    <div className="leads-export" data-testid="leads-export">
      <span className="small muted">Export</span>
      {FORMATS.map(([format, label, use]) => (
        <button key={format} type="button" className="button" onClick={() => run(format)} disabled={!filters || exporting.isPending} title={`Save the list for ${use}`}>
          {label}
        </button>
      ))}
      {exporting.error && (
        <p className="small error-text leads-export-line" role="alert">
          The export failed: {exporting.error.message}
        </p>
      )}
      {done && !exporting.error && (
        <p className="small muted leads-export-line" data-testid="leads-export-done">
          {done}
        </p>
      )}
    </div>
  );
}
