import type { ErrorCode, ErrorResponse, LinkRequest, LoginRequest, PasswordResetRequest, RegisterRequest, VerifyEmailRequest } from '@jwt-lab/shared';
import type { Carrier, CredentialStrategy, CredentialUse } from './credential-strategy';
// Types only: the schemas themselves load lazily with the validator (see response-schemas.ts).
import type { ResponseName, ResponseTypes } from './response-schemas';

/**
 * The one way the page talks to the API. Every answer is checked against the shared schema before
 * anyone sees it; every failure comes back as a typed ApiError. No redirects, no toasts: what to
 * do about a 401 is the caller's decision.
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

/** One request as the request log shows it. */
export interface Exchange {
  method: string;
  path: string;
  status: number | null;
  at: number;
  carrier: Carrier;
  csrfSent: boolean;
}

export interface ApiClientOptions {
  fetch?: typeof fetch;
  onExchange?: (exchange: Exchange) => void;
  now?: () => number;
}

type Credentials = Omit<LoginRequest, 'mode'>;

/** What a call needs of a strategy: how to attach its credential. */
type Attacher = Pick<CredentialStrategy, 'attach'>;

/**
 * For calls that must carry no credential whatever the mode: a single-use link is the credential
 * of its own call, and no cookie should ride along with it.
 */
export const NO_CREDENTIAL: Attacher = {
  attach: () => ({ headers: {}, credentials: 'omit', carrier: 'none', csrfSent: false }),
};

export function createApiClient({ fetch: send = (...args) => fetch(...args), onExchange = () => {}, now = Date.now }: ApiClientOptions = {}) {
  // Loaded with the first request, in parallel with it; a visitor who only reads never pays for it.
  let responseSchemas: Promise<typeof import('./response-schemas')> | undefined;

  /** `expected` names the schema of a successful answer; null for 204 No Content. */
  async function call<Name extends ResponseName>(
    strategy: Attacher,
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    use: CredentialUse,
    expected: Name | null,
    body?: object,
    { logged = true } = {},
  ): Promise<ApiResult<ResponseTypes[Name]>> {
    responseSchemas ??= import('./response-schemas');
    const attachment = strategy.attach(use);
    const payload = body || attachment.body ? { ...body, ...attachment.body } : undefined;
    const headers: Record<string, string> = { accept: 'application/json', ...attachment.headers };
    if (payload) headers['content-type'] = 'application/json';
    const record = (status: number | null) => {
      if (logged) onExchange({ method, path, status, at: now(), carrier: attachment.carrier, csrfSent: attachment.csrfSent });
    };

    let response: Response;
    try {
      response = await send(path, { method, headers, credentials: attachment.credentials, body: payload && JSON.stringify(payload) });
    } catch {
      record(null);
      return failure('network_error', 'The server could not be reached. Check that it is running.', null);
    }
    record(response.status);

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

  return {
    register: (strategy: Attacher, credentials: RegisterRequest) =>
      call(strategy, 'POST', '/api/auth/register', 'none', 'register', credentials),
    login: (strategy: CredentialStrategy, credentials: Credentials) =>
      call(strategy, 'POST', '/api/auth/login', 'none', loginSchema(strategy), { ...credentials, mode: strategy.mode }),
    refresh: (strategy: CredentialStrategy) => call(strategy, 'POST', '/api/auth/refresh', 'refresh', loginSchema(strategy)),
    session: (strategy: CredentialStrategy) => call(strategy, 'GET', '/api/auth/session', 'read', 'session'),
    privateData: (strategy: CredentialStrategy) => call(strategy, 'GET', '/api/private', 'read', 'privateData'),
    logout: (strategy: CredentialStrategy) => call(strategy, 'POST', '/api/auth/logout', 'change', null),
    logoutEverywhere: (strategy: CredentialStrategy) => call(strategy, 'POST', '/api/auth/logout-all', 'change', null),
    sessions: (strategy: CredentialStrategy) => call(strategy, 'GET', '/api/auth/sessions', 'read', 'sessionList'),
    revokeSession: (strategy: CredentialStrategy, id: string) =>
      call(strategy, 'DELETE', `/api/auth/sessions/${encodeURIComponent(id)}`, 'change', null),
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
  };
}

export type ApiClient = ReturnType<typeof createApiClient>;

/** A login or refresh must answer in the mode it was asked for: anything else is a broken server. */
function loginSchema(strategy: CredentialStrategy): 'headerLogin' | 'cookieLogin' {
  return strategy.mode === 'header' ? 'headerLogin' : 'cookieLogin';
}

function failure(code: ProblemCode, message: string, status: number | null): { ok: false; error: ApiError } {
  return { ok: false, error: new ApiError(code, message, status) };
}
