import type { TSchema } from 'typebox';
import { Value } from 'typebox/value';

/**
 * Why `value` does not fit `schema`, in words: its first mismatch ("/user/id: must be string";
 * `whole` names the value itself when that is what is wrong). Every reader of untrusted JSON
 * (answers, stored files, messages between instances) checks with `Value.Check`, which also
 * narrows the type, and says with this what was wrong, rather than casting.
 */
export function firstMismatch(schema: TSchema, value: unknown, whole = 'the value'): string {
  const [first] = Value.Errors(schema, value);
  return first ? `${first.instancePath || whole}: ${first.message}` : 'it does not match the expected shape';
}
