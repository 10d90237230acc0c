import type { LoginResponse, SessionResponse, WeakenedDefence } from '@jwt-lab/shared';
import type { ApiClient, ApiResult, LoginAttacher } from '../../../lib/api-client';

/**
 * What the side-by-side run needs of a page strategy. The strategies themselves live in
 * features/auth; the app hands them in as rows (app/side-by-side-rows.ts), so this feature
 * depends on the shape only, and a new strategy is one more row, never a change here.
 */
export interface LabStrategy extends LoginAttacher {
  read(): { accessToken: string | null; expiresAt: number } | null;
  restorable(): boolean;
  prepareLogin(): Promise<void>;
  keep(answer: LoginResponse, now: number): unknown;
  noteSession(session: SessionResponse): unknown;
  clear(): Promise<void>;
}

export interface LabCredentials {
  username: string;
  password: string;
}

/** One row of the table: a strategy, or the cookie strategy with some defences off on purpose. */
export interface LabRow {
  id: string;
  /** The row header: it begins like the Storage mode option's name, or with "Defences off". */
  label: string;
  /** Defences this row's session goes without (lab only); empty for every ordinary strategy. */
  weakened: readonly WeakenedDefence[];
  /** A new instance over this browser's stores: what a page starts with after a reload, or in a new tab. */
  createStrategy(): LabStrategy;
  /** Logs the strategy in and keeps what the answer hands over; the answer says how it went. */
  logIn(api: ApiClient, strategy: LabStrategy, credentials: LabCredentials): Promise<ApiResult<unknown>>;
}

/** The columns, in order: each is one experiment, run for real for every row. */
export const EXPERIMENTS = [
  { id: 'xssReads', title: 'XSS reads the token' },
  { id: 'stolenWorks', title: "Stolen token works from the attacker's server" },
  { id: 'scriptActs', title: 'Script acts from the open page' },
  { id: 'forgedWorks', title: 'Forged cross-site request works' },
  { id: 'survivesReload', title: 'Survives a reload' },
  { id: 'newTabShares', title: 'New tab shares the session' },
  { id: 'logoutSeen', title: 'Logout in one tab is seen by the others' },
] as const;

export type ExperimentId = (typeof EXPERIMENTS)[number]['id'];

export interface Evidence {
  label: string;
  href: string;
}

/** One cell: Yes or No, what the experiment saw, and where to check it. */
export interface Cell {
  yes: boolean;
  seen: string;
  evidence: Evidence[];
}

export type RowResult = { row: LabRow; cells: Partial<Record<ExperimentId, Cell>>; problem: string | null };
