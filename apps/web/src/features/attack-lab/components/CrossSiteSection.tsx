import type { CredentialMode } from '@jwt-lab/shared';
import { useEffect, useRef, useState } from 'react';
import type { ForeignRequest, LabRequests, Refusal } from '../api/lab-requests';

const POLL_INTERVAL_MS = 700;
const POLL_FOR_MS = 10_000;
/** How many forgeries the attacker's page tries depends on the strategy: once they stop arriving for this long, it is done. */
const QUIET_FOR_MS = 2_000;

type Run =
  | { state: 'idle' }
  | { state: 'failed'; message: string }
  | { state: 'watching' | 'done'; attacker: string; pageUrl: string; requests: ForeignRequest[] };

export function CrossSiteSection({ lab, mode, openPage }: { lab: LabRequests; mode: CredentialMode; openPage: (url: string) => void }) {
  const [run, setRun] = useState<Run>({ state: 'idle' });
  const generation = useRef(0);
  useEffect(() => () => void generation.current++, []);

  async function start() {
    const mine = ++generation.current;
    const attacker = await lab.attackerOrigin();
    if (!attacker.ok) return setRun({ state: 'failed', message: attacker.message });
    // A label on this run's forged requests, so that the lab (and a test) can tell them apart.
    // getRandomValues, unlike randomUUID, works on plain-http pages that are not localhost too.
    const label = Array.from(crypto.getRandomValues(new Uint8Array(12)), (byte) => byte.toString(16).padStart(2, '0')).join('');
    const pageUrl = `${attacker.value}/csrf?target=${encodeURIComponent(location.origin)}&run=${label}&strategy=${mode}`;
    openPage(pageUrl);
    setRun({ state: 'watching', attacker: attacker.value, pageUrl, requests: [] });
    const until = Date.now() + POLL_FOR_MS;
    let requests: ForeignRequest[] = [];
    let changedAt = Date.now();
    while (generation.current === mine) {
      await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
      const answer = await lab.foreignRequests(label);
      if (generation.current !== mine) return;
      if (!answer.ok) return setRun({ state: 'failed', message: answer.message });
      if (answer.value.length !== requests.length) changedAt = Date.now();
      requests = answer.value;
      const finished = (requests.length > 0 && Date.now() - changedAt >= QUIET_FOR_MS) || Date.now() > until;
      setRun({ state: finished ? 'done' : 'watching', attacker: attacker.value, pageUrl, requests });
      if (finished) return;
    }
  }

  return (
    <div className="lab-part" aria-labelledby="csrf-title" role="group">
      <h3 id="csrf-title">Forged request from another site (CSRF)</h3>
      <p>
        Opens the attacker's page in a new tab. The moment it loads, it submits a hidden form to <code>POST /api/auth/logout-all</code>,
        sends <code>fetch</code> requests to <code>/api/auth/logout</code> and <code>/api/auth/logout-all</code>, and loads{' '}
        <code>/api/private</code> as an image, as any site you visit could. Then the lab asks this app what arrived and which check
        refused it.
      </p>
      <button type="button" disabled={run.state === 'watching'} onClick={() => void start()}>
        Run cross-site request
      </button>
      {(run.state === 'watching' || run.state === 'done') && (
        <p role="status" className="lab-status">
          {run.state === 'watching'
            ? `The attacker's page is open; waiting for its requests to reach the app (${run.requests.length} so far)…`
            : outcomeLine(run.requests)}
        </p>
      )}
      {run.state === 'failed' && (
        <p role="alert" className="notice error">
          {run.message}
        </p>
      )}
      {(run.state === 'watching' || run.state === 'done') && (
        <>
          <p className="hint">
            The attacker's page: <code>{run.pageUrl}</code>
          </p>
          {run.requests.length > 0 && <ForeignRequestTable requests={run.requests} mode={mode} />}
          {run.state === 'done' && <Layers requests={run.requests} mode={mode} attacker={run.attacker} />}
        </>
      )}
    </div>
  );
}

function outcomeLine(requests: ForeignRequest[]): string {
  const accepted = requests.filter((request) => request.refusedBy === null).length;
  if (requests.length === 0) return 'No request from the attacker reached the app (was the new tab blocked?).';
  if (accepted > 0) return `${accepted} of ${requests.length} forged requests were accepted!`;
  return `All ${requests.length} forged requests were refused.`;
}

function refusalLabel(refusal: Refusal | null, mode: CredentialMode, status: number): string {
  switch (refusal) {
    case null:
      return `Accepted (${status})`;
    case 'json-only':
      return 'JSON only (415)';
    case 'cors-preflight':
      return 'CORS: no permission, so the browser never sent it';
    case 'no-credential':
      return mode === 'cookie' ? 'SameSite: no cookie came (401)' : 'No credential (401)';
    case 'invalid-credential':
      return `Credential refused (${status})`;
    case 'origin-check':
      return 'Origin check (403)';
    case 'csrf-token':
      return 'CSRF token (403)';
    default:
      return `Refused (${status})`;
  }
}

function carriedLabel({ accessCookie, refreshCookie, authorization, csrfToken }: ForeignRequest['carried']): string {
  const carried = [accessCookie && 'access cookie', refreshCookie && 'refresh cookie', authorization && 'Authorization', csrfToken && 'X-CSRF-Token'].filter(Boolean);
  return carried.length > 0 ? carried.join(', ') : 'nothing: no cookie, no Authorization, no X-CSRF-Token';
}

function ForeignRequestTable({ requests, mode }: { requests: ForeignRequest[]; mode: CredentialMode }) {
  return (
    <table className="foreign">
      <caption className="hint">What the app received from the attacker's page</caption>
      <thead>
        <tr>
          <th scope="col">Request</th>
          <th scope="col">Sent by</th>
          <th scope="col">Body</th>
          <th scope="col">Carried</th>
          <th scope="col">Stopped by</th>
        </tr>
      </thead>
      <tbody>
        {[...requests].reverse().map((request) => (
          <tr key={request.seq}>
            <td data-label="Request">
              <code>
                {request.method} {request.path}
              </code>
            </td>
            <td data-label="Sent by">{request.origin ? <code>Origin: {request.origin}</code> : `no Origin (Sec-Fetch-Site: ${request.fetchSite ?? 'none'})`}</td>
            <td data-label="Body">{request.contentType ?? 'none'}</td>
            <td data-label="Carried">{carriedLabel(request.carried)}</td>
            <td data-label="Stopped by" className={request.refusedBy === null ? 'bad' : undefined}>
              {refusalLabel(request.refusedBy, mode, request.status)}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Each defence on its own, judged from what the requests carried: which of them would have stopped the attack alone. */
function Layers({ requests, mode, attacker }: { requests: ForeignRequest[]; mode: CredentialMode; attacker: string }) {
  const total = requests.length;
  const count = (test: (request: ForeignRequest) => boolean) => requests.filter(test).length;
  const withCookie = count((request) => request.carried.accessCookie || request.carried.refreshCookie);
  const withCredential = count((request) => request.carried.authorization || request.carried.accessCookie || request.carried.refreshCookie);
  const withToken = count((request) => request.carried.csrfToken);
  const foreignOrigin = count((request) => request.origin !== null && request.origin !== location.origin);
  const jsonOnly = count((request) => request.refusedBy === 'json-only');
  const preflight = count((request) => request.refusedBy === 'cors-preflight');
  if (total === 0) return null;

  // Nothing the browser adds by itself: a forged request of these modes can only arrive empty-handed.
  if (mode === 'header' || mode === 'dpop') {
    return (
      <p className={withCredential === 0 ? 'notice' : 'notice error'}>
        {withCredential === 0 ? (
          <>
            <strong>None of the {total} forged requests carried a credential.</strong> A browser never adds an{' '}
            <code>Authorization</code> header by itself, and in this mode there is no cookie to add. A forged request has nothing to
            ride on, whichever check answered first.
          </>
        ) : (
          <strong>{withCredential} forged requests carried a credential. That should never happen in this mode.</strong>
        )}
      </p>
    );
  }
  return (
    <>
      <h4>Each defence, on its own</h4>
      <ul className="layers">
        <li>
          <strong>SameSite=Strict:</strong>{' '}
          {withCookie === 0
            ? `none of the ${total} requests carried your cookie. The browser keeps Strict cookies off every request another site starts, so this alone stops them all (401 missing_token).`
            : `${withCookie} of ${total} requests carried your cookie!`}
        </li>
        <li>
          <strong>CSRF token:</strong>{' '}
          {withToken === 0
            ? `none carried X-CSRF-Token. Another site cannot read it, and a change authenticated by cookie without it is refused (403 csrf_failed): this too would stop them alone.`
            : `${withToken} carried an X-CSRF-Token header (a guess; a wrong one is refused).`}
        </li>
        <li>
          <strong>Origin check:</strong> {foreignOrigin} of {total} came with <code>Origin: {attacker}</code>, another site, which the API
          refuses on every change (403 csrf_failed). The image request sent no Origin at all (a GET needs none), which is why it is not
          the only check.
        </li>
        <li>
          <strong>JSON only:</strong> {jsonOnly} refused with 415 before anything else: a form, or a fetch that needs no permission, can
          only send form or text bodies.{' '}
          {preflight > 0 && `And the ${preflight === 1 ? 'JSON fetch' : `${preflight} JSON fetches`} needed the app's permission first (a CORS preflight), got none, and never left the browser.`}
        </li>
      </ul>
    </>
  );
}
