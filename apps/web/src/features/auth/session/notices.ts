import type { ApiError } from '../../../lib/api-client';

/** What the session tells the visitor, in one place: the controller decides when, this says what. */
export interface Notice {
  tone: 'info' | 'error';
  text: string;
  code?: string;
}

export const notices = {
  reused: {
    tone: 'error',
    code: 'refresh_token_reused',
    text: 'Your session was ended for safety: a refresh token of this session was used a second time, which can mean someone copied it. Please log in again.',
  },
  ended: { tone: 'error', text: 'Your session has ended (it was logged out elsewhere, or it ran out). Please log in again.' },
  otherTab: { tone: 'info', text: 'You were logged out in another tab.' },
  adopted: { tone: 'info', text: 'Another tab had just refreshed the token, so this tab picked up that new token instead of asking again.' },
  loggedOut: { tone: 'info', text: 'You are logged out. The server revoked the session, so the old access token is refused from now on.' },
} satisfies Record<string, Notice>;

export function problemNotice(error: ApiError, prefix = ''): Notice {
  return { tone: 'error', code: error.code, text: prefix + error.message };
}

export const welcome = (username: string, where: string): Notice => ({ tone: 'info', text: `Welcome, ${username}. ${where}` });

export const registered = (username: string, email?: string): Notice => {
  const confirm = email ? ` A message with a link to confirm ${email} is on its way (in local runs, to the Outbox).` : '';
  return { tone: 'info', text: `Account “${username}” created.${confirm} Now press Log in to get your tokens.` };
};

export const loggedOutEverywhere = (username: string | undefined): Notice => ({
  tone: 'info',
  text: `You are logged out everywhere: the server revoked every session of ${username ?? 'this user'}, in every browser.`,
});

export const switched = (to: string, from: string): Notice => ({
  tone: 'info',
  text: `You switched to ${to} mode, so you were logged out of ${from} mode first: the server revoked that session and the page cleared its storage. Log in again to get tokens that travel the new way.`,
});

export const prefixes = {
  restoreFailed: 'Your saved session could not be restored: ',
  refreshFailed: 'The token could not be refreshed: ',
  noLongerValid: 'Your saved session is no longer valid: ',
  checkFailed: 'Your saved session could not be checked: ',
  revokeFailed: 'You are logged out on this page, but the server could not revoke the session: ',
  endedOnServer: 'Your session was ended on the server, so you are logged out here too: ',
};
