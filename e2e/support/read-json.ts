import { firstMismatch } from '@jwt-lab/shared';
import type { Static, TSchema } from 'typebox';
import { Value } from 'typebox/value';

/** What Playwright's page and API responses both offer. */
interface JsonAnswer {
  url(): string;
  status(): number;
  json(): Promise<unknown>;
}

/**
 * An answer's JSON, checked against the shared schema it is documented with: a test reads what the
 * app really sent, and an answer of another shape fails the test saying where, instead of being cast.
 */
export async function readJson<S extends TSchema>(response: JsonAnswer, schema: S): Promise<Static<S>> {
  const body: unknown = await response.json();
  if (Value.Check(schema, body)) return body;
  throw new Error(`${response.url()} answered ${response.status()} with a body of another shape (${firstMismatch(schema, body, 'the body')})`);
}
