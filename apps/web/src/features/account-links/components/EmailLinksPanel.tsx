import { useState, useSyncExternalStore, type FormEvent } from 'react';
import type { AccountLinks, LinkKind } from '../account-links';
import { FormField } from './FormField';
import { ResultLine } from './ResultLine';

/** The answer to a link request, as the form shows it. */
interface Notice {
  tone: 'info' | 'error';
  text: string;
  code?: string;
}

const RATE_LIMITED = 'Too many links were asked for lately. Wait a while (up to 15 minutes), then try again.';

/** Asks for a password reset link, or for a new message to confirm an address. */
export function EmailLinksPanel({ links }: { links: AccountLinks }) {
  const outboxShown = useSyncExternalStore(links.outbox.subscribe, () => links.outbox.getState().availability === 'on');
  const [problem, setProblem] = useState<string | undefined>();
  const [result, setResult] = useState<Notice | null>(null);
  const [busy, setBusy] = useState(false);

  async function send(kind: LinkKind, form: HTMLFormElement) {
    const entered = new FormData(form).get('email');
    const email = typeof entered === 'string' ? entered.trim() : '';
    const { findEmailProblem } = await import('../link-rules');
    const found = findEmailProblem(email);
    setProblem(found);
    if (found) {
      form.querySelector<HTMLInputElement>('#link-email')?.focus();
      return;
    }
    setBusy(true);
    setResult(null);
    const answer = await links.requestLink(kind, email);
    setBusy(false);
    if (answer.ok) {
      setResult({ tone: 'info', text: `${answer.value.message}${outboxShown ? ' Look in the Outbox below.' : ''}` });
    } else {
      const { code, message } = answer.error;
      setResult({ tone: 'error', code, text: code === 'rate_limited' ? RATE_LIMITED : message });
    }
  }

  return (
    <section className="panel" id="email-links" aria-labelledby="email-links-title">
      <h2 id="email-links-title">Email links</h2>
      <p>
        Forgot your password? Send a reset link to the address of your account. Registered with an address? Confirm it with a
        verification link. Each link works once, for a short while.
      </p>
      <form
        noValidate
        onSubmit={(event: FormEvent<HTMLFormElement>) => {
          event.preventDefault();
          void send('password-reset', event.currentTarget);
        }}
      >
        <FormField id="link-email" name="email" label="Email" type="email" autoComplete="email" problem={problem} />
        <div className="actions">
          <button type="submit" disabled={busy}>
            Send reset link
          </button>
          <button
            type="button"
            className="secondary"
            disabled={busy}
            onClick={(event) => event.currentTarget.form && void send('verification', event.currentTarget.form)}
          >
            Send verification link
          </button>
        </div>
      </form>
      {result && <ResultLine good={result.tone === 'info'} code={result.code} text={result.text} />}
    </section>
  );
}
