import { Type, type Static, type TSchema } from 'typebox';

// Bodies of the attack lab: the app's two lab routes and the attacker's site. No production
// client calls them; they are here so that the server and the page cannot disagree on them.

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
export const Refusal = Type.Union([
  Type.Literal('json-only'),
  Type.Literal('cors-preflight'),
  Type.Literal('no-credential'),
  Type.Literal('invalid-credential'),
  Type.Literal('origin-check'),
  Type.Literal('csrf-token'),
  Type.Literal('other'),
]);
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
  contentType: Nullable(Type.String()),
  carried: Type.Object({
    accessCookie: Type.Boolean(),
    refreshCookie: Type.Boolean(),
    authorization: Type.Boolean(),
    csrfToken: Type.Boolean(),
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

export const ReplayRequest = Type.Object({ lootId: Type.Integer({ minimum: 1 }) }, { additionalProperties: false });

export const ReplayAttempt = Type.Object({
  /** `bearer`: a stolen access token in the Authorization header; `none`: nothing usable was stolen. */
  credential: Type.Union([Type.Literal('bearer'), Type.Literal('none')]),
  /** Where in the loot the token was found, e.g. localStorage["jwtlab.accessToken"]. */
  tokenFrom: Nullable(Type.String()),
  /** The app's status, or null when it could not be reached. */
  status: Nullable(Type.Integer()),
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

export const CrossSitePageQuery = Type.Object(
  { target: Type.String({ maxLength: 200 }), run: Type.Optional(Type.String({ pattern: RUN_PATTERN })) },
  { additionalProperties: false },
);
