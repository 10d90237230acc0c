/** Access-token lifetime of the short-TTL instance, in seconds: long enough to act, short enough to watch run out. */
export const SHORT_ACCESS_TOKEN_TTL = 8;
