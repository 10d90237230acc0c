import { useEffect, useSyncExternalStore } from 'react';
import { formatClock, formatDate } from '../../../lib/time';
import type { Outbox } from '../outbox-store';

/** The local stand-in for email: shown only when the server answers GET /api/outbox (OUTBOX_PAGE). */
export function OutboxPanel({ outbox }: { outbox: Outbox }) {
  const { availability, messages, checkedAt, problem } = useSyncExternalStore(outbox.subscribe, outbox.getState);
  useEffect(() => {
    void outbox.load();
    return outbox.stop;
  }, [outbox]);

  if (availability !== 'on') return null;
  return (
    <section className="panel wide" id="outbox" aria-labelledby="outbox-title">
      <h2 id="outbox-title">Outbox</h2>
      <p>
        Stands in for email: every message the app sent, newest first, with its link. It exists only in local runs (
        <code>OUTBOX_PAGE</code>, off in production).
      </p>
      <div className="actions">
        <button type="button" className="secondary" onClick={() => void outbox.load()}>
          Refresh outbox
        </button>
      </div>
      {problem && (
        <p className="notice error" role="alert">
          {problem}
        </p>
      )}
      {messages.length === 0 ? (
        <p className="hint">No messages yet. Register with an email address, or ask for a link.</p>
      ) : (
        <ol className="outbox">
          {messages.map((message) => (
            <li key={message.id}>
              <p className="outbox-subject">
                <strong>{message.subject}</strong>
              </p>
              <p className="hint">
                To {message.to}, sent <time dateTime={message.sentAt}>{formatDate(Date.parse(message.sentAt))}</time>
              </p>
              <p>
                <a className="outbox-link" href={message.link}>
                  {message.link}
                </a>
              </p>
            </li>
          ))}
        </ol>
      )}
      {checkedAt !== null && <p className="hint">Checked at {formatClock(checkedAt)}.</p>}
    </section>
  );
}
