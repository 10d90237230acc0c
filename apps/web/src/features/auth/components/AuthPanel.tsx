import type { Notice, SessionController, SessionState } from '../session/session-controller';
import type { PageStrategy } from '../strategies/strategy';
import { CredentialsForm } from './CredentialsForm';
import { StorageModeField } from './StorageModeField';

interface AuthPanelProps {
  session: SessionState;
  controller: SessionController;
  strategies: readonly PageStrategy[];
  /** Told after a registration with an address: the server is sending the message that confirms it. */
  onMessageSent: () => void;
}

export function AuthPanel({ session, controller, strategies, onMessageSent }: AuthPanelProps) {
  const { phase, busy } = session;
  const notice = session.notice;

  async function register(username: string, password: string, email: string) {
    if ((await controller.register(username, password, email || undefined)) && email) onMessageSent();
  }

  return (
    <section className="panel" id="session" aria-labelledby="session-title">
      <h2 id="session-title">Your session</h2>
      <StorageModeField
        strategies={strategies}
        selected={session.strategy}
        disabled={busy || phase === 'restoring'}
        onChange={(id) => void controller.switchStrategy(id)}
      />
      {notice && <NoticeLine notice={notice} />}
      {phase === 'restoring' && <p role="status">Restoring your session…</p>}
      {phase === 'signed-out' && (
        <CredentialsForm
          busy={busy}
          onLogIn={(username, password) => void controller.logIn(username, password)}
          onRegister={(username, password, email) => void register(username, password, email)}
        />
      )}
      {phase === 'signed-in' && (
        <>
          <p>
            Logged in as <strong>{session.user?.username}</strong> in <strong>{controller.activeStrategy().description.short}</strong> mode.
          </p>
          <div className="actions">
            <button type="button" disabled={busy} onClick={() => void controller.refreshNow()}>
              Refresh token
            </button>
            <button type="button" disabled={busy} onClick={() => void controller.logOut()}>
              Log out
            </button>
            <button type="button" className="secondary" disabled={busy} onClick={() => void controller.logOutEverywhere()}>
              Log out everywhere
            </button>
          </div>
          <div className="check">
            <input
              type="checkbox"
              id="auto-refresh"
              checked={session.autoRefresh}
              onChange={(event) => controller.setAutoRefresh(event.currentTarget.checked)}
            />
            <label htmlFor="auto-refresh">Refresh silently shortly before the access token expires</label>
          </div>
        </>
      )}
    </section>
  );
}

function NoticeLine({ notice }: { notice: Notice }) {
  return (
    <p className={`notice ${notice.tone}`} role={notice.tone === 'error' ? 'alert' : 'status'}>
      {notice.code && (
        <>
          <code>{notice.code}</code>{' '}
        </>
      )}
      {notice.text}
    </p>
  );
}
