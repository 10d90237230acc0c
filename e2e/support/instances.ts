/** The two instances of the built app the suite starts (playwright.config.ts), on their own ports. */
export const APP_PORT = Number(process.env.E2E_PORT ?? 3210);
/** A second instance whose access tokens live SHORT_ACCESS_TOKEN_TTL seconds, for watching expiry and silent refresh. */
export const SHORT_TTL_PORT = APP_PORT + 1;
/** Access-token lifetime of that instance: long enough to act, short enough to watch run out. */
export const SHORT_ACCESS_TOKEN_TTL = 8;
