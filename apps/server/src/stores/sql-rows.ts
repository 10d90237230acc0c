import type { SessionRecord, UserRecord } from './types.js';

/**
 * The `users` and `sessions` tables have the same columns in SQLite and PostgreSQL (times are
 * integer ms in both), so both adapters read their rows into records the same way.
 */
export interface UserRow {
  id: string;
  username: string;
  password_hash: string;
  created_at: number;
  email: string | null;
  email_verified_at: number | null;
}

export interface SessionRow {
  id: string;
  user_id: string;
  mode: SessionRecord['mode'];
  csrf_token: string;
  refresh_jti: string;
  created_at: number;
  expires_at: number;
  revoked_at: number | null;
  device: string;
  ip: string;
  last_used_at: number;
}

export const USER_COLUMNS = 'id, username, password_hash, created_at, email, email_verified_at';

export const SESSION_COLUMNS = 'id, user_id, mode, csrf_token, refresh_jti, created_at, expires_at, revoked_at, device, ip, last_used_at';

export const userFromRow = (row: UserRow): UserRecord => ({
  id: row.id,
  username: row.username,
  passwordHash: row.password_hash,
  createdAt: row.created_at,
  email: row.email,
  emailVerifiedAt: row.email_verified_at,
});

export const sessionFromRow = (row: SessionRow): SessionRecord => ({
  id: row.id,
  userId: row.user_id,
  mode: row.mode,
  csrfToken: row.csrf_token,
  refreshJti: row.refresh_jti,
  createdAt: row.created_at,
  expiresAt: row.expires_at,
  revokedAt: row.revoked_at,
  device: row.device,
  ip: row.ip,
  lastUsedAt: row.last_used_at,
});
