import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import type { FishMouthApi } from '../../core/contracts/api';
import { ApiProvider } from './api/api-context';
import { getApi } from './api/get-api';
import { App, StartupFailure } from './App';
import { useUiStore } from './ui-store';
import './styles.css';

const root = createRoot(document.getElementById('root')!);

let api: FishMouthApi | null = null;
try {
  api = getApi((state) => useUiStore.getState().setWebSocketLink(state));
} catch (error) {
  root.render(<StartupFailure message={(error as Error).message} />);
}

if (api) {
  const queryClient = new QueryClient();
  root.render(
    <StrictMode>
      <QueryClientProvider client={queryClient}>
        <ApiProvider api={api}>
          <App />
        </ApiProvider>
      </QueryClientProvider>
    </StrictMode>,
  );
}
