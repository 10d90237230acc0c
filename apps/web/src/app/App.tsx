import type { PublicUser } from '@jwt-lab/shared';
import { useState, useSyncExternalStore } from 'react';
import { createAccountLinks } from '../features/account-links/account-links';
import { EmailLinksPanel } from '../features/account-links/components/EmailLinksPanel';
import { LinkLanding } from '../features/account-links/components/LinkLanding';
import { OutboxPanel } from '../features/account-links/components/OutboxPanel';
import { AttackLab } from '../features/attack-lab/components/AttackLab';
import { AuthPanel } from '../features/auth/components/AuthPanel';
import { CompareTable } from '../features/compare/components/CompareTable';
import { TokenInspector } from '../features/inspector/components/TokenInspector';
import { PrivateDataPanel } from '../features/private-data/components/PrivateDataPanel';
import { RequestLogPanel } from '../features/request-log/components/RequestLogPanel';
import type { RequestLog } from '../features/request-log/request-log-store';
import { SessionsPanel } from '../features/sessions/components/SessionsPanel';
import type { SessionsList } from '../features/sessions/sessions-list';
import type { ApiClient } from '../lib/api-client';
import type { SessionController } from '../lib/session-controller';

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
  // A reset logs out every session of its user: if this tab holds one, it ends here too.
  const onPasswordReset = (user: PublicUser) => {
    if (controller.getState().user?.id === user.id) {
      controller.endedByServer('Your password was reset, which logged out every session of this account, this one included.');
    }
  };
  const entries = useSyncExternalStore(requestLog.subscribe, requestLog.getEntries);
  const privateAnswer = session.privateData?.result;
  const serverClaims =
    session.privateData && privateAnswer?.ok && privateAnswer.value.via === session.mode
      ? { at: session.privateData.at, claims: privateAnswer.value.claims }
      : null;

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
          <AuthPanel session={session} controller={controller} onMessageSent={links.outbox.watchForNew} />
          <PrivateDataPanel attempt={session.privateData} busy={session.busy} onLoad={() => void controller.loadPrivateData()} />
          <EmailLinksPanel links={links} />
        </div>
        <TokenInspector
          mode={session.mode}
          credential={session.phase === 'signed-in' ? session.credential : null}
          serverClaims={serverClaims}
          nextRefreshAt={session.nextRefreshAt}
        />
        <SessionsPanel sessions={sessions} userId={session.phase === 'signed-in' ? (session.user?.id ?? null) : null} />
        <OutboxPanel outbox={links.outbox} />
        <AttackLab mode={session.mode} signedIn={session.phase === 'signed-in'} onExchange={requestLog.record} />
        <RequestLogPanel entries={entries} onClear={requestLog.clear} />
        <CompareTable />
      </main>
    </>
  );
}
