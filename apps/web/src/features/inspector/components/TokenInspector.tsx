import { useEffect, useState } from 'react';
import { decodeJwt } from '../../../lib/jwt';
import { formatClock, formatDate, formatRelative } from '../../../lib/time';
import { useNow } from '../../../lib/use-now';
import { CLAIM_NOTES, HEADER_NOTES, TIME_CLAIMS } from '../claim-notes';

/** What the inspector shows of the page's credential (the strategy's StoredCredential). */
interface InspectedCredential {
  expiresAt: number;
  /** Null when page scripts cannot read the token (an HttpOnly cookie). */
  accessToken: string | null;
}

interface TokenInspectorProps {
  credential: InspectedCredential | null;
  /** Where the strategy keeps the access token, in its own words. */
  tokenHome: string;
  /** What any script on this page gets from document.cookie (the strategy module reads it). */
  readCookies: () => string;
  /** DPoP: the thumbprint of the page's key, which a bound token names in cnf.jkt. */
  keyThumbprint?: (() => Promise<string | null>) | undefined;
  /** Claims from the last successful Load private data, with when they were read. */
  serverClaims: { at: number; claims: Record<string, unknown> } | null;
  nextRefreshAt: number | null;
}

export function TokenInspector(props: TokenInspectorProps) {
  const now = useNow();
  const { credential } = props;
  return (
    <section className="panel" id="token-inspector" aria-labelledby="token-inspector-title">
      <h2 id="token-inspector-title">Token inspector</h2>
      {!credential ? (
        <p>Log in to see your access token here: where it lives, what it says, and when it runs out.</p>
      ) : (
        <>
          <Countdown expiresAt={credential.expiresAt} nextRefreshAt={props.nextRefreshAt} now={now} />
          {credential.accessToken ? (
            <>
              <ReadableToken token={credential.accessToken} tokenHome={props.tokenHome} now={now} />
              {props.keyThumbprint && <KeyBinding token={credential.accessToken} keyThumbprint={props.keyThumbprint} />}
            </>
          ) : (
            <HiddenToken serverClaims={props.serverClaims} cookies={props.readCookies()} now={now} />
          )}
        </>
      )}
    </section>
  );
}

function Countdown({ expiresAt, nextRefreshAt, now }: { expiresAt: number; nextRefreshAt: number | null; now: number }) {
  const expired = expiresAt <= now;
  return (
    <div className="countdown">
      <p className={expired ? 'expired' : 'valid'}>
        {expired ? (
          <>
            <strong>Expired</strong> {formatRelative(expiresAt, now)}: the API now answers <code>token_expired</code>.
          </>
        ) : (
          <>
            Access token expires <strong>{formatRelative(expiresAt, now)}</strong> (at {formatClock(expiresAt)}).
          </>
        )}
      </p>
      <p className="hint">
        {nextRefreshAt === null
          ? 'Silent refresh is off: press Refresh token to get a new one.'
          : `Silent refresh ${nextRefreshAt > now ? formatRelative(nextRefreshAt, now) : 'now'}, once for all open tabs.`}
      </p>
    </div>
  );
}

function ReadableToken({ token, tokenHome, now }: { token: string; tokenHome: string; now: number }) {
  const decoded = decodeJwt(token);
  if (!decoded) return <p role="alert">The stored token is not a JWT the page can decode.</p>;
  const [header, payload, signature] = decoded.parts;
  return (
    <>
      <p>
        It lives in <code>{tokenHome}</code>, so any script running on this page can read it, an injected one included.
      </p>
      <p className="token">
        <span className="jwt-header">{header}</span>.<span className="jwt-payload">{payload}</span>.
        <span className="jwt-signature">{signature}</span>
      </p>
      <p className="hint">
        <span className="jwt-header">Header</span> · <span className="jwt-payload">Payload (claims)</span> ·{' '}
        <span className="jwt-signature">Signature</span>. Base64url, not encryption: anyone holding it can read it. It is{' '}
        {decoded.byteLength} bytes, sent with every request.
      </p>
      <h3>Header</h3>
      <FieldList values={decoded.header} notes={HEADER_NOTES} now={now} />
      <h3>Claims</h3>
      <FieldList values={decoded.claims} notes={CLAIM_NOTES} now={now} />
    </>
  );
}

/** DPoP: the token names a key (cnf.jkt); the page's own key has a thumbprint; they must match. */
function KeyBinding({ token, keyThumbprint }: { token: string; keyThumbprint: () => Promise<string | null> }) {
  const [thumbprint, setThumbprint] = useState<string | null | undefined>(undefined);
  useEffect(() => {
    let current = true;
    void keyThumbprint().then((value) => current && setThumbprint(value));
    return () => void (current = false);
  }, [keyThumbprint, token]);
  const cnf = decodeJwt(token)?.claims.cnf;
  const jkt = typeof cnf === 'object' && cnf !== null ? (cnf as Record<string, unknown>).jkt : undefined;
  return (
    <>
      <h3>Key binding</h3>
      <dl className="fields">
        <div>
          <dt>
            The token's <code>cnf.jkt</code>: <code>{typeof jkt === 'string' ? jkt : '(none)'}</code>
          </dt>
          <dd>The RFC 7638 thumbprint of the one key whose proofs the server accepts with this token.</dd>
        </div>
        <div>
          <dt>
            This page's key thumbprint:{' '}
            <code>{thumbprint === undefined ? 'reading the key…' : (thumbprint ?? '(no key: IndexedDB holds none)')}</code>
          </dt>
          <dd>
            {thumbprint && thumbprint === jkt
              ? 'They match: the key pair in IndexedDB is the one the token is bound to. Its private half was created non-extractable, so no script can carry it away.'
              : 'They differ: this page cannot sign proofs for this token, and the server will refuse it.'}
          </dd>
        </div>
      </dl>
    </>
  );
}

function HiddenToken({ serverClaims, cookies, now }: Pick<TokenInspectorProps, 'serverClaims'> & { cookies: string; now: number }) {
  return (
    <>
      <p>
        <strong>Page scripts cannot read this token.</strong> It lives in an HttpOnly cookie: the browser sends it with each API
        request by itself and never shows it to JavaScript.
      </p>
      <p>
        What <code>document.cookie</code> gives any script on this page: <code>{cookies ? JSON.stringify(cookies) : '"" (empty)'}</code>
      </p>
      <h3>Claims the server reports</h3>
      {serverClaims ? (
        <>
          <p className="hint">As the server read them from your cookie for Load private data at {formatClock(serverClaims.at)}.</p>
          <FieldList values={serverClaims.claims} notes={CLAIM_NOTES} now={now} />
        </>
      ) : (
        <p>Press Load private data: the server answers with the claims it read from your cookie.</p>
      )}
    </>
  );
}

function FieldList({ values, notes, now }: { values: Record<string, unknown>; notes: Record<string, string>; now: number }) {
  return (
    <dl className="fields">
      {Object.entries(values).map(([name, value]) => (
        <div key={name}>
          <dt>
            <code>{name}</code>: <FieldValue name={name} value={value} now={now} />
          </dt>
          {notes[name] && <dd>{notes[name]}</dd>}
        </div>
      ))}
    </dl>
  );
}

function FieldValue({ name, value, now }: { name: string; value: unknown; now: number }) {
  if (TIME_CLAIMS.has(name) && typeof value === 'number') {
    const at = value * 1000;
    return (
      <>
        <code>{value}</code> = {formatDate(at)}, {formatRelative(at, now)}
      </>
    );
  }
  return <code>{typeof value === 'string' ? value : JSON.stringify(value)}</code>;
}
