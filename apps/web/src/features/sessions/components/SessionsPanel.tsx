import type { SessionSummary } from '@jwt-lab/shared';
import { useEffect, useSyncExternalStore } from 'react';
import { formatDate } from '../../../lib/time';
import { deviceOf, type SessionsList } from '../sessions-list';

/** How each session's strategy carries its credential (the server knows the mode, not the page's storage). */
const MODE_NAMES: Record<string, string> = {
  header: 'Authorization header (localStorage or sessionStorage)',
  cookie: 'HttpOnly cookie',
  memory: 'Memory + refresh cookie',
  dpop: 'DPoP',
};

const when = (iso: string) => formatDate(Date.parse(iso));

interface SessionsPanelProps {
  sessions: SessionsList;
  /** The signed-in user, or null: the list follows who is logged in on this page. */
  userId: string | null;
}

export function SessionsPanel({ sessions, userId }: SessionsPanelProps) {
  const state = useSyncExternalStore(sessions.subscribe, sessions.getState);

  useEffect(() => {
    if (userId) void sessions.load();
    else sessions.forget();
  }, [sessions, userId]);

  const others = state.sessions?.filter((session) => !session.current) ?? [];
  return (
    <section className="panel wide" aria-labelledby="sessions-title">
      <h2 id="sessions-title">Sessions</h2>
      <p>
        Every login is a session on the server. Revoking one ends it at once, on every instance: its access token is refused
        from its next request, and its refresh token can never be used.
      </p>
      {!userId && <p className="hint">Log in to see your sessions.</p>}
      {userId && state.sessions && (
        <table>
          <thead>
            <tr>
              <th scope="col">Device</th>
              <th scope="col">Storage mode</th>
              <th scope="col">Started</th>
              <th scope="col">Last used</th>
              <th scope="col">Ends</th>
              <th scope="col">Address</th>
              <th scope="col">
                <span className="visually-hidden">Action</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {state.sessions.map((session) => (
              <SessionRow key={session.id} session={session} busy={state.busy} onRevoke={() => void sessions.revoke(session.id)} />
            ))}
          </tbody>
        </table>
      )}
      {userId && (
        <div className="actions">
          <button type="button" disabled={state.busy || others.length === 0} onClick={() => void sessions.revokeOthers()}>
            Log out other sessions
          </button>
          <button type="button" disabled={state.busy} onClick={() => void sessions.load()}>
            Reload sessions
          </button>
        </div>
      )}
      {state.notice && (
        <p className={`notice ${state.notice.tone}`} role={state.notice.tone === 'error' ? 'alert' : 'status'}>
          {state.notice.code && (
            <>
              <code>{state.notice.code}</code>{' '}
            </>
          )}
          {state.notice.text}
        </p>
      )}
    </section>
  );
}

function SessionRow({ session, busy, onRevoke }: { session: SessionSummary; busy: boolean; onRevoke: () => void }) {
  const deviceId = `session-${session.id}-device`;
  return (
    <tr aria-current={session.current ? 'true' : undefined}>
      <th scope="row" id={deviceId}>
        {deviceOf(session)}
        {session.current && <strong> (this session)</strong>}
      </th>
      <td data-label="Storage mode">{MODE_NAMES[session.mode] ?? session.mode}</td>
      <td data-label="Started">{when(session.createdAt)}</td>
      <td data-label="Last used">{when(session.lastUsedAt)}</td>
      <td data-label="Ends">{when(session.expiresAt)}</td>
      <td data-label="Address">{session.ip || 'unknown'}</td>
      <td>
        {session.current ? (
          <span className="hint">Log out ends it</span>
        ) : (
          <button type="button" disabled={busy} aria-describedby={deviceId} onClick={onRevoke}>
            Revoke
          </button>
        )}
      </td>
    </tr>
  );
}
