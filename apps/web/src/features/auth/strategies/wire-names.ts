/**
 * Header and cookie names of @jwt-lab/shared, spelled out (a test pins them together): importing
 * any value from that package puts every schema, and TypeBox's builder, into the page's first
 * download.
 */
export const CSRF_HEADER = 'x-csrf-token';
export const DPOP_HEADER = 'dpop';
export const DPOP_NONCE_HEADER = 'dpop-nonce';
/** Memory mode's readable CSRF cookie: how a reloaded page proves its refresh is its own (docs/decisions/012-memory-mode-refresh-after-reload.md). */
export const MEMORY_CSRF_COOKIE = 'jwtlab_memory_csrf';
