import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App';
import './app/styles.css';
import { createSessionController } from './features/auth/session/session-controller';
import { browserTabSync } from './features/auth/session/tab-sync';
import { readPreferredStrategy, savePreferredStrategy } from './features/auth/strategies/preferred-strategy';
import { createStrategies } from './features/auth/strategies/strategy-catalog';
import { OTHER_TAB_PARAM } from './features/attack-lab/side-by-side/tab-address';
import { createRequestLog } from './features/request-log/request-log-store';
import { createPageSessionsList } from './features/sessions/sessions-list';
import { createApiClient } from './lib/api-client';

const otherTabRun = new URLSearchParams(location.search).get(OTHER_TAB_PARAM);
if (otherTabRun) startAsOtherTab(otherTabRun);
else startApp();

/** The second tab of a side-by-side run: no app, only the strategies answering the lab's questions. */
function startAsOtherTab(runId: string) {
  document.title = 'JWT Lab: the side-by-side run’s second tab';
  document.getElementById('root')!.textContent = 'This tab is the second tab of the side-by-side run. It closes by itself when the run ends.';
  void Promise.all([import('./features/attack-lab/side-by-side/other-tab'), import('./app/side-by-side-rows')]).then(([tab, rows]) =>
    tab.serveAsOtherTab(runId, rows.sideBySideRows()),
  );
}

function startApp() {
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
  // Sessions are listed and revoked with the credential of the strategy this page is logged in with.
  const sessions = createPageSessionsList(api, { ...controller, strategy: controller.activeStrategy });

  createRoot(document.getElementById('root')!).render(
    <StrictMode>
      <App controller={controller} requestLog={requestLog} api={api} sessions={sessions} />
    </StrictMode>,
  );
}
