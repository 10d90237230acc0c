import type { PublicUser } from '@jwt-lab/shared';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { ApiResult, ProblemCode } from '../../../lib/api-client';
import type { AccountLinks } from '../account-links';
import { takeLandedLink, takeLinkFromAddress, type LandedLink } from '../link-in-address';
import { FormField } from './FormField';
import { ResultLine } from './ResultLine';

interface Outcome {
  tone: 'success' | 'refused' | 'retry';
  text: string;
  code?: ProblemCode;
}

/** What a spent, expired or broken link says. These are final: only a new link helps. */
const REFUSED: Partial<Record<ProblemCode, string>> = {
  link_used: 'This link was already used. Each link works once: if you still need one, ask for a new link under Email links.',
  link_expired: 'This link has expired: links work only for a short while. Ask for a new one under Email links.',
};

function refusalOrRetry(error: { code: ProblemCode; message: string }): Outcome {
  if (error.code === 'invalid_link') return { tone: 'refused', code: error.code, text: `${error.message} (Email links, below, sends a new one.)` };
  const refused = REFUSED[error.code];
  return refused ? { tone: 'refused', code: error.code, text: refused } : { tone: 'retry', code: error.code, text: error.message };
}

const INCOMPLETE: Outcome = {
  tone: 'refused',
  code: 'invalid_link',
  text: 'This link is incomplete: it carries no token. Copy the whole link, or ask for a new one under Email links.',
};

interface LandingProps {
  links: AccountLinks;
  /** Called after a successful reset: the server has logged out every session of that user. */
  onPasswordReset: (user: PublicUser) => void;
}

/**
 * Where a link from a message lands: on load and on every `hashchange` (a link opened from the
 * Outbox in this tab), the token is taken out of the address first, then the page asks for the
 * new password or for a confirmation.
 */
export function LinkLanding(props: LandingProps) {
  const [landing, setLanding] = useState(() => ({ link: takeLandedLink(), arrival: 0 }));
  useEffect(() => {
    const onHashChange = () => {
      const link = takeLinkFromAddress();
      if (link) setLanding((previous) => ({ link, arrival: previous.arrival + 1 }));
    };
    window.addEventListener('hashchange', onHashChange);
    return () => window.removeEventListener('hashchange', onHashChange);
  }, []);

  if (!landing.link) return null;
  // A new arrival starts afresh, even with the same link (a second visit must say "already used").
  return <LandedLinkPanel key={landing.arrival} link={landing.link} {...props} onClose={() => setLanding(({ arrival }) => ({ link: null, arrival }))} />;
}

function LandedLinkPanel({ link, links, onPasswordReset, onClose }: LandingProps & { link: LandedLink; onClose: () => void }) {
  const [outcome, setOutcome] = useState<Outcome | null>(link.token ? null : INCOMPLETE);
  const [busy, setBusy] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);

  async function spend<T>(request: () => Promise<ApiResult<T>>, success: (value: T) => string): Promise<void> {
    setBusy(true);
    setOutcome(null);
    const answer = await request();
    setBusy(false);
    setOutcome(answer.ok ? { tone: 'success', text: success(answer.value) } : refusalOrRetry(answer.error));
  }

  const reset = link.purpose === 'reset-password';
  const finished = outcome?.tone === 'success' || outcome?.tone === 'refused';
  return (
    <section className="panel wide landing" id="link-landing" aria-labelledby="link-landing-title">
      <h2 id="link-landing-title" tabIndex={-1} ref={heading}>
        {reset ? 'Reset your password' : 'Confirm your email address'}
      </h2>
      {!finished && reset && (
        <NewPasswordForm
          busy={busy}
          onSubmit={(password) =>
            spend(
              () => links.resetPassword(link.token, password),
              ({ user, sessionsRevoked }) => {
                onPasswordReset(user);
                return `Your password is changed. Every session of ${user.username} was logged out (${sessionsRevoked}): log in with the new password.`;
              },
            )
          }
        />
      )}
      {!finished && !reset && (
        <>
          <p>Confirm that this address is yours. The link works once, and it is no longer in the address bar.</p>
          <div className="actions">
            <button type="button" disabled={busy} onClick={() => void spend(() => links.verifyEmail(link.token), (value) => `${value.email} is confirmed for ${value.user.username}.`)}>
              Confirm email
            </button>
          </div>
        </>
      )}
      {outcome && <ResultLine good={outcome.tone === 'success'} code={outcome.code} text={outcome.text} />}
      <div className="actions">
        <button type="button" className="secondary" onClick={onClose}>
          Close
        </button>
      </div>
    </section>
  );
}

function NewPasswordForm({ busy, onSubmit }: { busy: boolean; onSubmit: (password: string) => Promise<void> }) {
  const [problem, setProblem] = useState<string | undefined>();
  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const entered = new FormData(form).get('new-password');
    const password = typeof entered === 'string' ? entered : '';
    const { findNewPasswordProblem } = await import('../link-rules');
    const found = findNewPasswordProblem(password);
    setProblem(found);
    if (found) form.querySelector<HTMLInputElement>('#new-password')?.focus();
    else await onSubmit(password);
  }
  return (
    <form noValidate onSubmit={(event) => void submit(event)}>
      <p>Choose a new password for the account this link was sent for. The link works once, and it is no longer in the address bar.</p>
      <FormField
        id="new-password"
        name="new-password"
        label="New password"
        type="password"
        autoComplete="new-password"
        hint="At least 8 characters. Every session of the account is logged out when it changes."
        problem={problem}
      />
      <div className="actions">
        <button type="submit" disabled={busy}>
          Set new password
        </button>
      </div>
    </form>
  );
}
