import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

// Every change to a session is one Lua script: Redis runs a script alone, so a compare-and-swap,
// the revocation it may cause and the message telling the other instances cannot interleave
// with another instance's work. The scripts reach the per-session and per-user keys from the
// prefix, so they need a standalone Redis (or Sentinel), not Cluster.

// Session hash fields: userId, mode, csrfToken, refreshJti, createdAt, expiresAt, device, ip, lastUsedAt, and revokedAt
// once revoked (absent while live). `<prefix>user-sessions:<userId>` scores the user's live sessions
// by expiry; `<prefix>revoked` scores revoked session ids by revocation time.
const HELPERS = `
-- PEXPIREAT GT counts "no expiry" as infinite, so it cannot give a new key its first expiry.
local function extend_expiry(key, at)
  if redis.call('PEXPIRETIME', key) < at then redis.call('PEXPIREAT', key, at) end
end

-- A revoked session is kept only while its newest access token can still be presented.
local function revoke_session(prefix, revoked_key, sid, user_id, expires_at, now, access_ttl)
  redis.call('HSET', prefix .. 'session:' .. sid, 'revokedAt', now)
  redis.call('PEXPIREAT', prefix .. 'session:' .. sid, math.min(expires_at, now + access_ttl))
  redis.call('ZREM', prefix .. 'user-sessions:' .. user_id, sid)
  redis.call('ZADD', revoked_key, now, sid)
  redis.call('ZREMRANGEBYSCORE', revoked_key, '-inf', now - access_ttl)
  extend_expiry(revoked_key, now + access_ttl)
end

-- Returns how many instances received it; each confirms to \`from\` once it has applied it.
local function publish_revoked(channel, ids, now, from, notice)
  return redis.call('PUBLISH', channel, cjson.encode({ revoked = ids, at = now, from = from, notice = notice }))
end
`;

export interface RedisScript {
  (client: Redis, keys: string[], args: (string | number)[]): Promise<unknown>;
}

/** EVALSHA first (the script is sent once per Redis), EVAL when Redis does not know it yet. */
function defineScript(body: string): RedisScript {
  const lua = HELPERS + body;
  const sha = createHash('sha1').update(lua).digest('hex');
  return async (client, keys, args) => {
    try {
      return await client.evalsha(sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return client.eval(lua, keys.length, ...keys, ...args);
    }
  };
}

/**
 * KEYS: session, user-sessions. ARGV: sid, userId, mode, csrfToken, refreshJti, createdAt, expiresAt,
 * revokedAt or '', device, ip, lastUsedAt.
 */
export const createSessionScript = defineScript(`
local created_at, expires_at = tonumber(ARGV[6]), tonumber(ARGV[7])
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'userId', ARGV[2], 'mode', ARGV[3], 'csrfToken', ARGV[4], 'refreshJti', ARGV[5],
  'createdAt', ARGV[6], 'expiresAt', ARGV[7], 'device', ARGV[9], 'ip', ARGV[10], 'lastUsedAt', ARGV[11])
redis.call('PEXPIREAT', KEYS[1], expires_at)
if ARGV[8] ~= '' then
  redis.call('HSET', KEYS[1], 'revokedAt', ARGV[8])
  return 0
end
redis.call('ZADD', KEYS[2], expires_at, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', created_at)
extend_expiry(KEYS[2], expires_at)
return 1
`);

/**
 * KEYS: session, revoked. ARGV: sid, presented jti, next jti, next expiresAt, now, access TTL ms,
 * prefix, channel, from, notice. Returns ['rotated'], ['ended'] or ['reused', instances notified].
 */
export const rotateRefreshScript = defineScript(`
local sid, now, access_ttl, prefix = ARGV[1], tonumber(ARGV[5]), tonumber(ARGV[6]), ARGV[7]
local s = redis.call('HMGET', KEYS[1], 'userId', 'refreshJti', 'expiresAt', 'revokedAt')
if not s[1] or s[4] or tonumber(s[3]) <= now then return { 'ended' } end
if s[2] == ARGV[2] then
  local next_expires_at = tonumber(ARGV[4])
  local user_sessions = prefix .. 'user-sessions:' .. s[1]
  redis.call('HSET', KEYS[1], 'refreshJti', ARGV[3], 'expiresAt', ARGV[4])
  redis.call('PEXPIREAT', KEYS[1], next_expires_at)
  redis.call('ZADD', user_sessions, next_expires_at, sid)
  extend_expiry(user_sessions, next_expires_at)
  redis.call('PUBLISH', ARGV[8], cjson.encode({ changed = sid }))
  return { 'rotated' }
end
-- An older refresh token came back: it was copied, so the whole session ends.
revoke_session(prefix, KEYS[2], sid, s[1], tonumber(s[3]), now, access_ttl)
return { 'reused', publish_revoked(ARGV[8], { sid }, ARGV[5], ARGV[9], ARGV[10]) }
`);

/**
 * KEYS: session, revoked. ARGV: sid, now, access TTL ms, prefix, channel, from, notice.
 * Returns how many instances were notified, or -1 when there was nothing to revoke.
 */
export const revokeSessionScript = defineScript(`
local s = redis.call('HMGET', KEYS[1], 'userId', 'expiresAt', 'revokedAt')
if not s[1] or s[3] then return -1 end
revoke_session(ARGV[4], KEYS[2], ARGV[1], s[1], tonumber(s[2]), tonumber(ARGV[2]), tonumber(ARGV[3]))
return publish_revoked(ARGV[5], { ARGV[1] }, ARGV[2], ARGV[6], ARGV[7])
`);

/**
 * KEYS: user-sessions, revoked. ARGV: userId, now, access TTL ms, prefix, channel, from, notice.
 * Returns [instances notified, revoked ids].
 */
export const revokeUserSessionsScript = defineScript(`
local user_id, now, access_ttl, prefix = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
local ids = {}
for _, sid in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local s = redis.call('HMGET', prefix .. 'session:' .. sid, 'userId', 'expiresAt', 'revokedAt')
  if s[1] == user_id and not s[3] then
    revoke_session(prefix, KEYS[2], sid, user_id, tonumber(s[2]), now, access_ttl)
    table.insert(ids, sid)
  end
end
redis.call('DEL', KEYS[1])
if #ids == 0 then return { 0, ids } end
return { publish_revoked(ARGV[5], ids, ARGV[2], ARGV[6], ARGV[7]), ids }
`);

/** KEYS: session. ARGV: at. Moves lastUsedAt forward on a session that still exists (never creates the key). */
export const recordUseScript = defineScript(`
local s = redis.call('HMGET', KEYS[1], 'userId', 'lastUsedAt')
-- Sessions created before lastUsedAt existed have none yet: they get one now.
if s[1] and (not s[2] or tonumber(s[2]) < tonumber(ARGV[1])) then redis.call('HSET', KEYS[1], 'lastUsedAt', ARGV[1]) end
return 0
`);

/**
 * KEYS: counter. ARGV: now, window ms, limit. Counts one attempt unless the window is full, in one
 * step (Redis runs a script alone, so concurrent reservations cannot all pass); the key's expiry is
 * the window's end. A window the caller's clock says has ended restarts.
 * Returns [granted 1|0, count, window end].
 */
export const reserveAttemptScript = defineScript(`
local now, window_ms, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local reset_at = redis.call('PEXPIRETIME', KEYS[1])
if reset_at >= 0 and reset_at <= now then redis.call('DEL', KEYS[1]) reset_at = -2 end
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
if reset_at < 0 then reset_at = now + window_ms end
if count >= limit then return { 0, count, reset_at } end
count = redis.call('INCR', KEYS[1])
redis.call('PEXPIREAT', KEYS[1], reset_at)
return { 1, count, reset_at }
`);

/** KEYS: counter. ARGV: now. Takes back one attempt of a live window, never below zero. */
export const releaseAttemptScript = defineScript(`
local reset_at = redis.call('PEXPIRETIME', KEYS[1])
if reset_at <= tonumber(ARGV[1]) then return 0 end
if tonumber(redis.call('GET', KEYS[1]) or '0') <= 0 then return 0 end
redis.call('DECR', KEYS[1])
return 1
`);

/** KEYS: counter. Returns [count, window end] or nil. */
export const peekAttemptsScript = defineScript(`
local count = redis.call('GET', KEYS[1])
if not count then return false end
return { tonumber(count), redis.call('PEXPIRETIME', KEYS[1]) }
`);
