import { MODE_LABEL, type Notice, type SessionController, type SessionState } from '../../../lib/session-controller';
import { CredentialsForm } from './CredentialsForm';
import { StorageModeField } from './StorageModeField';

export function AuthPanel({ session, controller }: { session: SessionState; controller: SessionController }) {
  const { phase, busy } = session;
  return (
    <section className="panel" id="session" aria-labelledby="session-title">
      <h2 id="session-title">Your session</h2>
      <StorageModeField mode={session.mode} disabled={busy || phase === 'restoring'} onChange={(mode) => void controller.switchMode(mode)} />
      {session.notice && <NoticeLine notice={session.notice} />}
      {phase === 'restoring' && <p role="status">Restoring your session…</p>}
      {phase === 'signed-out' && (
        <CredentialsForm
          busy={busy}
          onLogIn={(username, password) => void controller.logIn(username, password)}
          onRegister={(username, password) => void controller.register(username, password)}
        />
      )}
      {phase === 'signed-in' && (
        <>
          <p>
            Logged in as <strong>{session.user?.username}</strong> in <strong>{MODE_LABEL[session.mode]}</strong> mode.
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
