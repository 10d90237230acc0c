import { Email, Password, USERNAME_PATTERN, Username } from '@jwt-lab/shared';
import { Value } from 'typebox/value';

export interface CredentialProblems {
  username?: string;
  password?: string;
  email?: string;
}

/**
 * The same limits the server enforces, read from the shared schemas, phrased for a person.
 * Checking here saves a round trip; the server still checks and its invalid_request is shown too.
 */
export function findCredentialProblems(username: string, password: string, email = ''): CredentialProblems {
  const problems: CredentialProblems = {};
  const [userMin, userMax] = [limit(Username, 'minLength', 0), limit(Username, 'maxLength', Infinity)];
  const [passwordMin, passwordMax] = [limit(Password, 'minLength', 0), limit(Password, 'maxLength', Infinity)];
  if (username === '') problems.username = 'Enter a username.';
  else if (username.length < userMin || username.length > userMax) problems.username = `Use ${userMin} to ${userMax} characters.`;
  else if (!new RegExp(USERNAME_PATTERN).test(username)) problems.username = 'Use only letters, digits, and the characters _ . -';
  if (password === '') problems.password = 'Enter a password.';
  else if (password.length < passwordMin) problems.password = `Use at least ${passwordMin} characters.`;
  else if (password.length > passwordMax) problems.password = `Use at most ${passwordMax} characters.`;
  if (email !== '' && !Value.Check(Email, email)) problems.email = 'Enter an address like name@example.com, or leave it empty.';
  return problems;
}

/** TypeBox keeps the options on the schema object but not in its static type. */
function limit(schema: object, keyword: 'minLength' | 'maxLength', otherwise: number): number {
  const value: unknown = (schema as Record<string, unknown>)[keyword];
  return typeof value === 'number' ? value : otherwise;
}
