import { randomUUID } from 'node:crypto';
import type { SessionRecord } from '../../src/stores/types.js';

const HOUR = 60 * 60 * 1000;

/** A live session record begun at `now` for an hour, stored nowhere; `overrides` set what a test cares about. */
export function newSessionRecord(now = Date.now(), overrides: Partial<SessionRecord> = {}): SessionRecord {
  return {
    id: randomUUID(),
    userId: randomUUID(),
    mode: 'header',
    csrfToken: randomUUID(),
    refreshJti: randomUUID(),
    createdAt: now,
    expiresAt: now + HOUR,
    revokedAt: null,
    device: 'curl',
    ip: '127.0.0.1',
    lastUsedAt: now,
    ...overrides,
  };
}
