import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App';
import './app/styles.css';
import { createRequestLog } from './features/request-log/request-log-store';
import { createPageSessionsList } from './features/sessions/sessions-list';
import { createApiClient } from './lib/api-client';
import { createCookieStrategy, createHeaderStrategy, readPreferredMode, savePreferredMode } from './lib/credential-strategy';
import { createSessionController } from './lib/session-controller';
import { browserTabSync } from './lib/tab-sync';

// Created once, outside React, so that StrictMode's double effects cannot restore or refresh twice.
const requestLog = createRequestLog();
const api = createApiClient({ onExchange: requestLog.record });
const strategies = { header: createHeaderStrategy(), cookie: createCookieStrategy() };
const controller = createSessionController({
  api,
  strategies,
  preferredMode: { read: readPreferredMode, save: savePreferredMode },
  tabs: browserTabSync(),
});
void controller.start();
// Sessions are listed and revoked with the credential of the mode this page is logged in with.
const sessions = createPageSessionsList(api, { ...controller, strategy: () => strategies[controller.getState().mode] });

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App controller={controller} requestLog={requestLog} api={api} sessions={sessions} />
  </StrictMode>,
);
