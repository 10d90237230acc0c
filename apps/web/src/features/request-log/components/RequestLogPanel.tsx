import type { Carrier } from '../../../lib/credential-strategy';
import { formatClock } from '../../../lib/time';
import type { LoggedExchange } from '../request-log-store';

const CARRIER_LABEL: Record<Carrier, string> = {
  'authorization-header': 'Authorization header',
  cookie: 'cookie',
  body: 'refresh token in the body',
  none: 'none',
};

export function RequestLogPanel({ entries, onClear }: { entries: readonly LoggedExchange[]; onClear: () => void }) {
  return (
    <section className="panel wide" id="request-log" aria-labelledby="request-log-title">
      <h2 id="request-log-title">Request log</h2>
      <p>
        Every API call this tab makes, newest first, and how its credential travelled. In cookie mode, watch{' '}
        <code>X-CSRF-Token</code> ride along on each request that changes something.
      </p>
      {entries.length === 0 ? (
        <p className="hint">No requests yet.</p>
      ) : (
        <table className="log">
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Request</th>
              <th scope="col">Status</th>
              <th scope="col">Credential</th>
              <th scope="col">X-CSRF-Token</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((entry) => (
              <tr key={entry.id}>
                <td data-label="Time">{formatClock(entry.at)}</td>
                <td data-label="Request">
                  <code>
                    {entry.method} {entry.path}
                  </code>
                </td>
                <td data-label="Status" className={entry.status === null || entry.status >= 400 ? 'bad' : undefined}>
                  {entry.status ?? 'no answer'}
                </td>
                <td data-label="Credential">{CARRIER_LABEL[entry.carrier]}</td>
                <td data-label="X-CSRF-Token">{entry.csrfSent ? 'sent' : 'not sent'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {entries.length > 0 && (
        <button type="button" className="secondary" onClick={onClear}>
          Clear the list
        </button>
      )}
    </section>
  );
}
