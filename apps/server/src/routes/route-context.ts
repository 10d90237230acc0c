import type { AccountLinks } from '../auth/account-links.js';
import type { AuthHooks } from '../auth/authenticate.js';
import type { LinkRequestLimiter } from '../auth/request-limits.js';
import type { Outbox } from '../outbox/outbox.js';
import type { SessionService } from '../auth/session-service.js';
import type { Stores } from '../stores/types.js';
import type { KeyRing } from '../tokens/key-ring.js';
import type { TokenService } from '../tokens/token-service.js';
import type { DeviceCookie } from '../transports/device-cookie.js';
import type { Transports } from '../transports/transports.js';

/** What route plugins are given: services, never process.env. */
export interface RouteContext {
  sessions: SessionService;
  transports: Transports;
  deviceCookie: DeviceCookie;
  hooks: AuthHooks;
  stores: Stores;
  keys: KeyRing;
  tokens: TokenService;
  accountLinks: AccountLinks;
  linkRequestLimits: LinkRequestLimiter;
  outbox: Outbox;
  outboxPage: boolean;
}
