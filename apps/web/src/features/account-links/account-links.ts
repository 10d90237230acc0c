import type { ApiClient } from '../../lib/api-client';
import { createOutbox, type Outbox, type OutboxOptions } from './outbox-store';

export type LinkKind = 'password-reset' | 'verification';

/**
 * What the page does with single-use links: ask for one and spend one. Each call that makes the
 * server send a message tells the outbox to look for it.
 */
export function createAccountLinks(api: ApiClient, outboxOptions?: OutboxOptions) {
  const outbox: Outbox = createOutbox(api, outboxOptions);

  async function expectingMessage<T extends { ok: boolean }>(request: Promise<T>): Promise<T> {
    const answer = await request;
    if (answer.ok) outbox.watchForNew();
    return answer;
  }

  return {
    outbox,
    requestLink: (kind: LinkKind, email: string) =>
      expectingMessage(kind === 'password-reset' ? api.requestPasswordResetLink({ email }) : api.requestVerificationLink({ email })),
    verifyEmail: (token: string) => api.verifyEmail({ token }),
    resetPassword: (token: string, password: string) => api.resetPassword({ token, password }),
  };
}

export type AccountLinks = ReturnType<typeof createAccountLinks>;
