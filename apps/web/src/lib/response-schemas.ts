import {
  AttackLabInfo,
  firstMismatch,
  CookieModeLogin,
  DpopModeLogin,
  ErrorResponse,
  ForeignRequestsResponse,
  HeaderModeLogin,
  LinkRequestAccepted,
  Loot,
  MemoryModeLogin,
  OutboxResponse,
  PasswordResetResponse,
  PrivateResponse,
  RegisterResponse,
  ReplayResponse,
  SessionListResponse,
  SessionResponse,
  VerifyEmailResponse,
  WeakenedLoginResponse,
} from '@jwt-lab/shared';
import type { Static, TSchema } from 'typebox';
import { Value } from 'typebox/value';

/**
 * Loaded on demand by the API client. Building the schemas and checking values against them is
 * most of TypeBox's weight, and no answer can arrive before this module does, so keeping it out
 * of the initial bundle costs the page nothing. Value only: typebox/compile builds functions with
 * `new Function`, which the page's Content Security Policy forbids.
 */
const RESPONSE_SCHEMAS = {
  register: RegisterResponse,
  headerLogin: HeaderModeLogin,
  cookieLogin: CookieModeLogin,
  memoryLogin: MemoryModeLogin,
  dpopLogin: DpopModeLogin,
  session: SessionResponse,
  sessionList: SessionListResponse,
  privateData: PrivateResponse,
  linkRequestAccepted: LinkRequestAccepted,
  verifyEmail: VerifyEmailResponse,
  passwordReset: PasswordResetResponse,
  outbox: OutboxResponse,
  attackLabInfo: AttackLabInfo,
  foreignRequests: ForeignRequestsResponse,
  weakenedLogin: WeakenedLoginResponse,
  loot: Loot,
  replay: ReplayResponse,
  error: ErrorResponse,
} satisfies Record<string, TSchema>;

export type ResponseName = keyof typeof RESPONSE_SCHEMAS;
export type ResponseTypes = { [Name in ResponseName]: Static<(typeof RESPONSE_SCHEMAS)[Name]> };

/** Null when the value fits, else the first mismatch in words ("/user/id: expected string"). */
export function describeMismatch(name: ResponseName, value: unknown): string | null {
  const schema: TSchema = RESPONSE_SCHEMAS[name];
  return Value.Check(schema, value) ? null : firstMismatch(schema, value, 'the body');
}
