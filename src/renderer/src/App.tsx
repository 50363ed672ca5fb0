import { ImageryPanel } from './imagery/ImageryPanel';
import { RoofImagePanel } from './imagery/RoofImagePanel';
import { LeadDetail } from './leads/LeadDetail';
import { LeadsPanel } from './leads/LeadsPanel';
import { MapView } from './map/MapView';
import { ScanPanel } from './scan/ScanPanel';
import { BudgetToasts } from './spend/BudgetToasts';
import { SpendPanel } from './spend/SpendPanel';
import { StatusPanel } from './status/StatusPanel';
import { useUiStore } from './ui-store';

function AccessDenied() {
  return (
    <div className="overlay" role="alertdialog" aria-labelledby="access-title" aria-describedby="access-text">
      <div className="overlay-card">
        <h2 id="access-title">Access token missing or expired</h2>
        <p id="access-text">
          This page needs the link printed by <code>fishmouth serve</code> (access token missing or expired).
        </p>
        <p className="small muted">
          Copy the whole address, including <code>?token=…</code>, from the terminal where the host is running. A new token
          is made each time the host starts.
        </p>
      </div>
    </div>
  );
}

export function App() {
  const accessDenied = useUiStore((s) => s.webSocketLink?.kind === 'unauthorized');
  return (
    <div className="app">
      <MapView />
      <ImageryPanel />
      <LeadsPanel />
      <RoofImagePanel />
      <LeadDetail />
      <ScanPanel />
      <StatusPanel />
      <SpendPanel />
      <BudgetToasts />
      {accessDenied && <AccessDenied />}
    </div>
  );
}

/** Shown instead of the app when there is no way to reach the services at all. */
export function StartupFailure({ message }: { message: string }) {
  return (
    <div className="overlay" role="alert">
      <div className="overlay-card">
        <h2>Fish Mouth cannot start here</h2>
        <p>{message}</p>
      </div>
    </div>
  );
}
