import type { PrivateResponse } from '@jwt-lab/shared';
import type { ApiResult, ProblemCode } from '../../../lib/api-client';

/** The last Load private data: when, and what the API answered (the session controller keeps it). */
export interface PrivateDataAttempt {
  at: number;
  result: ApiResult<PrivateResponse>;
}
import { formatClock } from '../../../lib/time';

const VIA_LABEL: Record<PrivateResponse['via'], string> = {
  header: 'the Authorization header (Bearer)',
  cookie: 'the cookie',
  dpop: 'the Authorization header (DPoP), with a proof of the key it is bound to',
};

/** What each refusal teaches, in one line. */
const REFUSALS: Partial<Record<ProblemCode, string>> = {
  missing_token: 'No credential arrived: no Authorization header and no cookie.',
  token_expired: 'The access token ran out. Refresh token gets a new one.',
  token_revoked: 'The token has not expired, but its session was logged out, so the server refuses it.',
  invalid_token: 'The token failed the server’s checks (signature, issuer, audience or session).',
  store_unavailable: 'The server cannot check revocations right now, so it refuses every token rather than guess.',
};

export function PrivateDataPanel(props: { attempt: PrivateDataAttempt | null; busy: boolean; onLoad: () => void }) {
  const { attempt } = props;
  const result = attempt?.result;
  return (
    <section className="panel" id="private-data" aria-labelledby="private-data-title">
      <h2 id="private-data-title">Private data</h2>
      <p>
        <code>GET /api/private</code> answers only with a valid access token. Try it logged in, logged out, and after the token
        expires.
      </p>
      <button type="button" disabled={props.busy} onClick={props.onLoad}>
        Load private data
      </button>
      {attempt && result?.ok && (
        <div role="status">
          <p>
            {result.status} at {formatClock(attempt.at)}: the server read your token from{' '}
            <strong>{VIA_LABEL[result.value.via]}</strong> (
            <code>via: "{result.value.via}"</code>).
          </p>
          <pre>{JSON.stringify(result.value, null, 2)}</pre>
        </div>
      )}
      {attempt && result && !result.ok && (
        <div role="alert" className="refusal">
          <p>
            {result.error.status ?? 'No answer'} at {formatClock(attempt.at)}: <code>{result.error.code}</code> {result.error.message}
          </p>
          {REFUSALS[result.error.code] && <p>{REFUSALS[result.error.code]}</p>}
        </div>
      )}
    </section>
  );
}
