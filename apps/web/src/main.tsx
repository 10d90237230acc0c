import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App';
import './app/styles.css';
import { createSessionController } from './features/auth/session/session-controller';
import { browserTabSync } from './features/auth/session/tab-sync';
import { readPreferredStrategy, savePreferredStrategy } from './features/auth/strategies/preferred-strategy';
import { createStrategies } from './features/auth/strategies/strategy-catalog';
import { createRequestLog } from './features/request-log/request-log-store';
import { createApiClient } from './lib/api-client';

// Created once, outside React, so that StrictMode's double effects cannot restore or refresh twice.
const requestLog = createRequestLog();
const api = createApiClient({ onExchange: requestLog.record });
const controller = createSessionController({
  api,
  strategies: createStrategies(),
  preferredStrategy: { read: readPreferredStrategy, save: savePreferredStrategy },
  tabs: browserTabSync(),
});
void controller.start();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App controller={controller} requestLog={requestLog} api={api} />
  </StrictMode>,
);
