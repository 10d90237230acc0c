/** A compact JWS split and decoded for display. Nothing here verifies the signature: only the server can. */
interface DecodedJwt {
  /** header.payload.signature, still base64url-encoded */
  parts: [string, string, string];
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
  /** What the token costs in every request that carries it. */
  byteLength: number;
}

export function decodeJwt(token: string): DecodedJwt | null {
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  const [header, payload, signature] = parts as [string, string, string];
  const decodedHeader = decodeJsonPart(header);
  const decodedClaims = decodeJsonPart(payload);
  if (!decodedHeader || !decodedClaims) return null;
  return { parts: [header, payload, signature], header: decodedHeader, claims: decodedClaims, byteLength: token.length };
}

/** The `exp` claim in milliseconds, or null when the token has none we can read. */
export function readExpiry(token: string): number | null {
  const exp = decodeJwt(token)?.claims.exp;
  return typeof exp === 'number' ? exp * 1000 : null;
}

function decodeJsonPart(part: string): Record<string, unknown> | null {
  try {
    const base64 = part.replace(/-/g, '+').replace(/_/g, '/');
    const binary = atob(base64.padEnd(base64.length + ((4 - (base64.length % 4)) % 4), '='));
    const bytes = Uint8Array.from(binary, (char) => char.charCodeAt(0));
    const value: unknown = JSON.parse(new TextDecoder().decode(bytes));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
