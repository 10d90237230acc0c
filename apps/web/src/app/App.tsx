import { useSyncExternalStore } from 'react';
import { AuthPanel } from '../features/auth/components/AuthPanel';
import { CompareTable } from '../features/compare/components/CompareTable';
import { TokenInspector } from '../features/inspector/components/TokenInspector';
import { PrivateDataPanel } from '../features/private-data/components/PrivateDataPanel';
import { RequestLogPanel } from '../features/request-log/components/RequestLogPanel';
import type { RequestLog } from '../features/request-log/request-log-store';
import type { SessionController } from '../lib/session-controller';

export function App({ controller, requestLog }: { controller: SessionController; requestLog: RequestLog }) {
  const session = useSyncExternalStore(controller.subscribe, controller.getState);
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
        <div className="column">
          <AuthPanel session={session} controller={controller} />
          <PrivateDataPanel attempt={session.privateData} busy={session.busy} onLoad={() => void controller.loadPrivateData()} />
        </div>
        <TokenInspector
          mode={session.mode}
          credential={session.phase === 'signed-in' ? session.credential : null}
          serverClaims={serverClaims}
          nextRefreshAt={session.nextRefreshAt}
        />
        {/* The attack lab (issue 4) takes this place: <section id="attack-lab" className="panel wide">. */}
        <RequestLogPanel entries={entries} onClear={requestLog.clear} />
        <CompareTable />
      </main>
    </>
  );
}
