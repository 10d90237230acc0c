import { timingSafeEqual } from 'node:crypto';

/** Compares a presented secret with the expected one in time that does not depend on where they differ. */
export function sameSecret(presented: string, expected: string): boolean {
  const left = Buffer.from(presented);
  const right = Buffer.from(expected);
  return left.length === right.length && timingSafeEqual(left, right);
}
