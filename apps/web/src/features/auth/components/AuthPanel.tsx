import type { RegisterRequest, RegisterResponse } from '@jwt-lab/shared';
import { useEffect, useState } from 'react';
import type { ApiResult } from '../../../lib/api-client';
import { MODE_LABEL, type Notice, type SessionController, type SessionState } from '../../../lib/session-controller';
import { CredentialsForm } from './CredentialsForm';
import { StorageModeField } from './StorageModeField';

interface AuthPanelProps {
  session: SessionState;
  controller: SessionController;
  /** Registration with an address, which also sends the message that confirms it. */
  registerWithEmail: (request: RegisterRequest) => Promise<ApiResult<RegisterResponse>>;
}

export function AuthPanel({ session, controller, registerWithEmail }: AuthPanelProps) {
  const { phase } = session;
  // The session controller registers without an address; one with an address goes through
  // registerWithEmail, and while that runs and after, this panel's notice line is its own, until
  // the controller's next action.
  const [registering, setRegistering] = useState(false);
  const [registration, setRegistration] = useState<{ notice: Notice | null } | null>(null);
  useEffect(() => {
    if (session.busy) setRegistration(null);
  }, [session.busy]);
  const busy = session.busy || registering;
  const notice = registration ? registration.notice : session.notice;

  async function register(username: string, password: string, email: string) {
    if (email === '') return controller.register(username, password);
    setRegistering(true);
    setRegistration({ notice: null });
    const answer = await registerWithEmail({ username, password, email });
    setRegistering(false);
    if (!answer.ok) return setRegistration({ notice: { tone: 'error', code: answer.error.code, text: answer.error.message } });
    const text = `Account “${answer.value.user.username}” created. A message with a link to confirm ${email} is on its way (in local runs, to the Outbox). Now press Log in to get your tokens.`;
    setRegistration({ notice: { tone: 'info', text } });
  }

  return (
    <section className="panel" id="session" aria-labelledby="session-title">
      <h2 id="session-title">Your session</h2>
      <StorageModeField mode={session.mode} disabled={busy || phase === 'restoring'} onChange={(mode) => void controller.switchMode(mode)} />
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
