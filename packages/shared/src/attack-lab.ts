import { Type, type Static, type TSchema } from 'typebox';
import { CookieModeLogin, CredentialMode, Password, Username, WeakenedDefence } from './api.js';

// Bodies of the attack lab: the app's lab routes and the attacker's site. No production client
// calls them; they are here so that the server and the page cannot disagree on them. Every route
// here exists only while ATTACK_LAB is on (404 otherwise).

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** A label the attacker's page puts on its forged requests, so that the lab can find them again. */
export const RUN_PATTERN = '^[A-Za-z0-9_-]{1,64}$';

export const AttackLabInfo = Type.Object({
  /** Where the attacker's site listens (on loopback), or null while it does not. */
  attackerPort: Nullable(Type.Integer()),
});
export type AttackLabInfo = Static<typeof AttackLabInfo>;

/**
 * The check that refused a request from another site: `json-only` (415, a form or text body),
 * `cors-preflight` (the browser asked for permission and got none, so never sent the request),
 * `no-credential` (401 with no cookie and no Authorization header), `invalid-credential`,
 * `origin-check` and `csrf-token` (403 csrf_failed), `other`; null when it was accepted.
 */
export const Refusal = Type.Enum(['json-only', 'cors-preflight', 'no-credential', 'invalid-credential', 'origin-check', 'csrf-token', 'other']);
export type Refusal = Static<typeof Refusal>;

/** What a request from another site carried (presence only: never a value) and how it ended. */
export const ForeignRequest = Type.Object({
  seq: Type.Integer(),
  at: Type.String({ format: 'date-time' }),
  method: Type.String(),
  path: Type.String(),
  run: Nullable(Type.String()),
  origin: Nullable(Type.String()),
  /** The browser's own label (Sec-Fetch-Site), present even where Origin is not (an image, a link). */
  fetchSite: Nullable(Type.String()),
  /**
   * What the browser wanted the answer for (Sec-Fetch-Dest): `document` for a top-level navigation,
   * `iframe` for a form into a frame, `image`, `empty` for a fetch.
   */
  fetchDest: Nullable(Type.String()),
  contentType: Nullable(Type.String()),
  carried: Type.Object({
    /** Any access cookie: cookie mode's, or a lab session's (defences off). */
    accessCookie: Type.Boolean(),
    /** Any refresh cookie: cookie mode's, memory mode's, or a lab session's. */
    refreshCookie: Type.Boolean(),
    authorization: Type.Boolean(),
    csrfToken: Type.Boolean(),
    /** The names of the app's credential cookies it carried (names only, never values). */
    credentialCookies: Type.Array(Type.String()),
  }),
  status: Type.Integer(),
  refusedBy: Nullable(Refusal),
});
export type ForeignRequest = Static<typeof ForeignRequest>;

export const ForeignRequestsQuery = Type.Object({ run: Type.Optional(Type.String({ pattern: RUN_PATTERN })) }, { additionalProperties: false });

export const ForeignRequestsResponse = Type.Object({ requests: Type.Array(ForeignRequest) });
export type ForeignRequestsResponse = Static<typeof ForeignRequestsResponse>;

// The attacker's site.

/** What an injected script sends home: a label and whatever it found. */
export const LootSubmission = Type.Object(
  {
    kind: Type.String({ pattern: '^[a-z-]{1,40}$' }),
    data: Type.Record(Type.String(), Type.Unknown()),
  },
  { additionalProperties: false },
);

export const Loot = Type.Object({
  id: Type.Integer(),
  at: Type.String({ format: 'date-time' }),
  /** The page it came from (its Origin header): the victim's site. */
  from: Nullable(Type.String()),
  kind: Type.String(),
  data: Type.Record(Type.String(), Type.Unknown()),
});
export type Loot = Static<typeof Loot>;

export const LootResponse = Type.Object({ loot: Type.Array(Loot) });

/** One record's address: `/loot/:id`, the id as the collector gave it (a path segment is a string). */
export const LootIdParams = Type.Object({ id: Type.String({ pattern: '^[1-9][0-9]{0,15}$' }) }, { additionalProperties: false });

export const ReplayRequest = Type.Object({ lootId: Type.Integer({ minimum: 1 }) }, { additionalProperties: false });

/**
 * How the attacker's server used a stolen token, as it would really be used:
 * - `bearer`: `Authorization: Bearer <token>`;
 * - `dpop-without-proof`: a DPoP-bound token as `Authorization: DPoP <token>` with no proof (the
 *   attacker has the token but not the page's key);
 * - `dpop-with-attacker-proof`: the same, with a well-formed proof signed by the attacker's own key;
 * - `none`: nothing usable was stolen, so it called with nothing.
 */
export const ReplayCredential = Type.Enum(['bearer', 'dpop-without-proof', 'dpop-with-attacker-proof', 'none']);
export type ReplayCredential = Static<typeof ReplayCredential>;

export const ReplayAttempt = Type.Object({
  credential: ReplayCredential,
  /** Where in the loot the token was found, e.g. localStorage["jwtlab.accessToken"]. */
  tokenFrom: Nullable(Type.String()),
  /** The `cnf.jkt` the stolen token is bound to (DPoP), or null for an unbound token. */
  boundTo: Nullable(Type.String()),
  /** The thumbprint of the attacker's own key that signed the proof (`dpop-with-attacker-proof` only). */
  proofKey: Nullable(Type.String()),
  /** The app's status, or null when it could not be reached. */
  status: Nullable(Type.Integer()),
  /** The app's WWW-Authenticate challenge, which says why a token was refused (e.g. DPoP error="invalid_dpop_proof"). */
  challenge: Nullable(Type.String()),
  answer: Type.Unknown(),
});
export type ReplayAttempt = Static<typeof ReplayAttempt>;

export const ReplayResponse = Type.Object({
  lootId: Type.Integer(),
  /** The URL the attacker's server called, from its own process: no browser, so no cookie. */
  target: Type.String(),
  attempts: Type.Array(ReplayAttempt),
});
export type ReplayResponse = Static<typeof ReplayResponse>;

/**
 * The attacker's cross-site page, `GET /csrf?target=…&run=…&strategy=…`. `strategy` (default
 * `cookie`) picks the forged requests that strategy is exposed to: cookie mode, the state-changing
 * routes with whatever cookies the browser attaches (also for a lab session with defences off);
 * memory mode, the refresh route with the refresh cookie; header and dpop modes, the same
 * requests, to show that nothing rides along. The app's record (foreign-requests) says what it
 * received and which check refused each one.
 */
export const CrossSitePageQuery = Type.Object(
  {
    target: Type.String({ maxLength: 200 }),
    run: Type.Optional(Type.String({ pattern: RUN_PATTERN })),
    strategy: Type.Optional(CredentialMode),
    /**
     * `'true'` when a run opened the page and waits for nothing on it: once its forgeries are out the page
     * leaves (the cookie strategy's navigates its window to the app, every other closes itself). Without
     * it the page stays, showing a person what it did.
     */
    leave: Type.Optional(Type.Enum(['true', 'false'])),
  },
  { additionalProperties: false },
);
export type CrossSitePageQuery = Static<typeof CrossSitePageQuery>;

// "Defences off, on purpose": lab-only sessions (POST /api/attack-lab/weakened-login).

/**
 * A cookie-mode login whose session has some defences switched off on purpose: `weaken` lists them
 * (at most one SameSite value). Only that session loses them; its cookies have their own names
 * (one lab session per browser at a time), so the browser's ordinary cookie session is untouched.
 */
export const WeakenedLoginRequest = Type.Object(
  {
    username: Username,
    password: Password,
    weaken: Type.Array(WeakenedDefence, { minItems: 1, maxItems: 3, uniqueItems: true }),
  },
  { additionalProperties: false },
);
export type WeakenedLoginRequest = Static<typeof WeakenedLoginRequest>;

/** As a cookie-mode login, marked with the defences this session goes without. */
export const WeakenedLoginResponse = Type.Object({
  ...CookieModeLogin.properties,
  weakened: Type.Array(WeakenedDefence),
});
export type WeakenedLoginResponse = Static<typeof WeakenedLoginResponse>;
