import type { PublicUser } from '@jwt-lab/shared';
import { useState, useSyncExternalStore } from 'react';
import { createAccountLinks } from '../features/account-links/account-links';
import { EmailLinksPanel } from '../features/account-links/components/EmailLinksPanel';
import { LinkLanding } from '../features/account-links/components/LinkLanding';
import { OutboxPanel } from '../features/account-links/components/OutboxPanel';
import { AttackLab } from '../features/attack-lab/components/AttackLab';
import { SideBySide } from '../features/attack-lab/components/SideBySide';
import { AuthPanel } from '../features/auth/components/AuthPanel';
import { CompareTable } from '../features/compare/components/CompareTable';
import { TokenInspector } from '../features/inspector/components/TokenInspector';
import { PrivateDataPanel } from '../features/private-data/components/PrivateDataPanel';
import { RequestLogPanel } from '../features/request-log/components/RequestLogPanel';
import type { RequestLog } from '../features/request-log/request-log-store';
import { SessionsPanel } from '../features/sessions/components/SessionsPanel';
import type { SessionsList } from '../features/sessions/sessions-list';
import type { SessionController } from '../features/auth/session/session-controller';
import type { ApiClient } from '../lib/api-client';
import { readScriptVisibleCookies } from '../features/auth/strategies/strategy-catalog';
import { sideBySideRows } from './side-by-side-rows';

interface AppProps {
  controller: SessionController;
  requestLog: RequestLog;
  /** The one API client (the controller's too), for the single-use links and the outbox. */
  api: ApiClient;
  /** The user's sessions on the server, listed in the Sessions region. */
  sessions: SessionsList;
}

export function App({ controller, requestLog, api, sessions }: AppProps) {
  const session = useSyncExternalStore(controller.subscribe, controller.getState);
  const [links] = useState(() => createAccountLinks(api));
  const [rows] = useState(sideBySideRows);
  // The side-by-side rows use this browser's cookies and storage: the page's own session ends first.
  const endOwnSession = async () => {
    if (controller.getState().phase === 'signed-in') await controller.logOut();
  };
  // A reset logs out every session of its user: if this tab holds one, it ends here too.
  const onPasswordReset = (user: PublicUser) => {
    if (controller.getState().user?.id === user.id) {
      controller.endedByServer('Your password was reset, which logged out every session of this account, this one included.');
    }
  };
  const entries = useSyncExternalStore(requestLog.subscribe, requestLog.getEntries);
  const strategy = controller.activeStrategy();
  const privateAnswer = session.privateData?.result;
  const serverClaims = session.privateData && privateAnswer?.ok ? { at: session.privateData.at, claims: privateAnswer.value.claims } : null;

  return (
    <>
      <header className="masthead">
        <h1>JWT Lab</h1>
        <p>
          Log in, choose where your token lives, and watch what every request carries. Switch the storage mode to see what
          changes, and what an attacker could do in each.
        </p>
      </header>
      <main className="layout">
        <LinkLanding links={links} onPasswordReset={onPasswordReset} />
        <div className="column">
          <AuthPanel session={session} controller={controller} strategies={controller.strategies} onMessageSent={links.outbox.watchForNew} />
          <PrivateDataPanel attempt={session.privateData} busy={session.busy} onLoad={() => void controller.loadPrivateData()} />
          <EmailLinksPanel links={links} />
        </div>
        <TokenInspector
          credential={session.phase === 'signed-in' ? session.credential : null}
          tokenHome={strategy.description.tokenHome}
          readCookies={readScriptVisibleCookies}
          keyThumbprint={strategy.keyThumbprint}
          serverClaims={serverClaims}
          nextRefreshAt={session.nextRefreshAt}
        />
        <SessionsPanel sessions={sessions} userId={session.phase === 'signed-in' ? (session.user?.id ?? null) : null} />
        <OutboxPanel outbox={links.outbox} />
        <AttackLab mode={strategy.serverMode} signedIn={session.phase === 'signed-in'} api={api} nudge={controller.loadPrivateData} />
        <SideBySide rows={rows} api={api} record={requestLog.record} beforeRun={endOwnSession} />
        <RequestLogPanel entries={entries} onClear={requestLog.clear} />
        <CompareTable strategies={controller.strategies} />
      </main>
    </>
  );
}
