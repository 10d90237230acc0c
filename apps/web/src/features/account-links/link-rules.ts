import { Email, Password } from '@jwt-lab/shared';
import { Value } from 'typebox/value';

/**
 * The server's limits for link requests and new passwords, read from the shared schemas and
 * phrased for a person. Loaded lazily, with the schemas, when a form is first sent.
 */

export function findEmailProblem(email: string): string | undefined {
  if (email === '') return 'Enter the email address of your account.';
  if (!Value.Check(Email, email)) return 'Enter an address like name@example.com.';
  return undefined;
}

// TypeBox keeps a schema's options on the object but not in its static type.
const passwordLimits = Password as typeof Password & { minLength: number; maxLength: number };

export function findNewPasswordProblem(password: string): string | undefined {
  if (Value.Check(Password, password)) return undefined;
  if (password === '') return 'Enter a new password.';
  return `Use ${passwordLimits.minLength} to ${passwordLimits.maxLength} characters.`;
}
