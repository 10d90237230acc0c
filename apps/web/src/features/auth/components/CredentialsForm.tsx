import { useState, type FormEvent } from 'react';
import type { CredentialProblems } from '../credential-rules';

type Submit = (username: string, password: string) => void;
/** `email` is empty when the field was left empty. */
type SubmitRegistration = (username: string, password: string, email: string) => void;

export function CredentialsForm(props: { busy: boolean; onLogIn: Submit; onRegister: SubmitRegistration }) {
  const [problems, setProblems] = useState<CredentialProblems>({});

  /** Login ignores the email field: only registration sends it. */
  const submitWith = (action: SubmitRegistration, { withEmail }: { withEmail: boolean }) => async (form: HTMLFormElement) => {
    const data = new FormData(form);
    // Text fields only: a FormData entry could also be a File.
    const text = (name: string) => {
      const value = data.get(name);
      return typeof value === 'string' ? value : '';
    };
    const username = text('username').trim();
    const password = text('password');
    const email = withEmail ? text('email').trim() : '';
    // The rules come from the shared schemas, which load lazily to keep the first download small.
    const { findCredentialProblems } = await import('../credential-rules');
    const found = findCredentialProblems(username, password, email);
    setProblems(found);
    const firstWrong = (['username', 'password', 'email'] as const).find((field) => found[field]);
    if (firstWrong) form.querySelector<HTMLInputElement>(`#${firstWrong}`)?.focus();
    else action(username, password, email);
  };
  const logIn = submitWith(props.onLogIn, { withEmail: false });
  const register = submitWith(props.onRegister, { withEmail: true });

  return (
    <form
      className="credentials"
      noValidate
      onSubmit={(event: FormEvent<HTMLFormElement>) => {
        event.preventDefault();
        void logIn(event.currentTarget);
      }}
    >
      <Field name="username" label="Username" type="text" autoComplete="username" problem={problems.username} hint="3 to 64 letters, digits, _ . -" />
      <Field name="password" label="Password" type="password" autoComplete="current-password" problem={problems.password} hint="At least 8 characters." />
      <Field
        name="email"
        label="Email (optional)"
        type="email"
        autoComplete="email"
        problem={problems.email}
        hint="Only for Register: lets you confirm the address and reset a forgotten password."
      />
      <div className="actions">
        <button type="submit" disabled={props.busy}>
          Log in
        </button>
        <button type="button" className="secondary" disabled={props.busy} onClick={(event) => event.currentTarget.form && void register(event.currentTarget.form)}>
          Register
        </button>
      </div>
    </form>
  );
}

function Field(props: { name: string; label: string; type: string; autoComplete: string; problem: string | undefined; hint: string }) {
  const { name, problem } = props;
  return (
    <div className="field">
      <label htmlFor={name}>{props.label}</label>
      <input
        id={name}
        name={name}
        type={props.type}
        autoComplete={props.autoComplete}
        spellCheck={false}
        autoCapitalize="none"
        aria-invalid={problem ? true : undefined}
        aria-describedby={`${name}-hint${problem ? ` ${name}-problem` : ''}`}
      />
      <p className="hint" id={`${name}-hint`}>
        {props.hint}
      </p>
      {problem && (
        <p className="problem" id={`${name}-problem`}>
          {problem}
        </p>
      )}
    </div>
  );
}
