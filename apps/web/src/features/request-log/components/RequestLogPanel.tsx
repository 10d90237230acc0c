import type { Carrier } from '../../../lib/api-client';
import { decodeJwt } from '../../../lib/jwt';
import { formatClock } from '../../../lib/time';
import type { LoggedExchange } from '../request-log-store';

const CARRIER_LABEL: Record<Carrier, string> = {
  'authorization-header': 'Authorization header',
  dpop: 'Authorization: DPoP + proof',
  cookie: 'cookie',
  body: 'refresh token in the body',
  none: 'none',
};

const requestLogEntryId = (id: number) => `request-log-entry-${id}`;

export function RequestLogPanel({ entries, onClear }: { entries: readonly LoggedExchange[]; onClear: () => void }) {
  return (
    <section className="panel wide" id="request-log" aria-labelledby="request-log-title">
      <h2 id="request-log-title">Request log</h2>
      <p>
        Every API call this tab makes, newest first, and how its credential travelled. In cookie mode, watch{' '}
        <code>X-CSRF-Token</code> ride along on each request that changes something; in DPoP mode, each request's proof is shown
        decoded.
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
              <tr key={entry.id} id={requestLogEntryId(entry.id)}>
                <td data-label="Time">{formatClock(entry.at)}</td>
                <td data-label="Request">
                  <code>
                    {entry.method} {entry.path}
                  </code>
                  {entry.source && <span className="hint"> ({entry.source})</span>}
                </td>
                <td data-label="Status" className={entry.status === null || entry.status >= 400 ? 'bad' : undefined}>
                  {entry.status ?? 'no answer'}
                </td>
                <td data-label="Credential">
                  {CARRIER_LABEL[entry.carrier]}
                  {entry.proof && <DecodedProof proof={entry.proof} />}
                </td>
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

/** The DPoP proof header, decoded: what the server checks (method, URL, time, once-only id, token hash, key). */
function DecodedProof({ proof }: { proof: string }) {
  const decoded = decodeJwt(proof);
  if (!decoded) return null;
  const { typ, alg } = decoded.header;
  return (
    <div className="proof">
      <span className="hint">
        DPoP proof ({String(typ)}, {String(alg)}):
      </span>{' '}
      <code>
        {Object.entries(decoded.claims)
          .map(([name, value]) => `${name}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
          .join(' ')}
      </code>
      <details>
        <summary>Header and public key</summary>
        <pre>{JSON.stringify(decoded.header, null, 2)}</pre>
      </details>
    </div>
  );
}
