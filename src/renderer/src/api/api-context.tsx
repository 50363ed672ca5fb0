import { createContext, useContext, type ReactNode } from 'react';
import type { FishMouthApi } from '../../../core/contracts/api';

const ApiContext = createContext<FishMouthApi | null>(null);

export function ApiProvider({ api, children }: { api: FishMouthApi; children: ReactNode }) {
  return <ApiContext.Provider value={api}>{children}</ApiContext.Provider>;
}

export function useApi(): FishMouthApi {
  const api = useContext(ApiContext);
  if (!api) throw new Error('useApi must be used inside <ApiProvider>');
  return api;
}
