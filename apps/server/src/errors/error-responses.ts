import { ErrorResponse, type ErrorCode } from '@jwt-lab/shared';
import { Type } from 'typebox';
import { ERROR_TABLE } from './api-error.js';

type ErrorResponseSchema = typeof ErrorResponse;

/** Every code the error table answers with this status, in the table's order. */
export const codesWithStatus = (status: number): ErrorCode[] =>
  (Object.keys(ERROR_TABLE) as ErrorCode[]).filter((code) => ERROR_TABLE[code].status === status);

/**
 * The envelope narrowed to these codes. Its description names each code with its default message,
 * and the API reference shows it as the status's description. Serialising is unchanged: `error` is a
 * string either way.
 */
function envelopeFor(codes: readonly ErrorCode[]): ErrorResponseSchema {
  const description = codes.map((code) => `\`${code}\`: ${ERROR_TABLE[code].message}`).join(' · ');
  return Type.Object(
    { error: Type.Unsafe<ErrorCode>(Type.String({ enum: [...codes] })), message: Type.String() },
    { description },
  );
}

/**
 * One response schema per error status a route can answer, each listing the codes that status
 * carries. Give a status for every code the table has with it, or codes to name exactly those.
 */
export function errorResponses(...answers: (number | ErrorCode)[]): Record<number, ErrorResponseSchema> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const answer of answers) {
    const codes = typeof answer === 'number' ? codesWithStatus(answer) : [answer];
    if (codes.length === 0) throw new Error(`no error code answers with status ${answer}`);
    const status = ERROR_TABLE[codes[0]!].status;
    const known = byStatus.get(status) ?? [];
    byStatus.set(status, [...known, ...codes.filter((code) => !known.includes(code))]);
  }
  return Object.fromEntries([...byStatus].map(([status, codes]) => [status, envelopeFor(codes)]));
}

/** What a route that authenticates the request can answer with 401 (see auth/authenticate.ts). */
export const ACCESS_TOKEN_REFUSALS = ['missing_token', 'invalid_token', 'token_expired', 'token_revoked'] as const satisfies readonly ErrorCode[];
