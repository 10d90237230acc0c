/** One line per registered header parameter and claim: what it is for. */
export const HEADER_NOTES: Record<string, string> = {
  alg: 'Algorithm: how the signature was made. The server accepts only the one it is configured for.',
  typ: 'Type: “at+jwt” marks an access token (RFC 9068), so a refresh token cannot pass for one.',
  kid: 'Key ID: which of the server’s keys signed it.',
};

export const CLAIM_NOTES: Record<string, string> = {
  iss: 'Issuer: who created and signed the token.',
  aud: 'Audience: the API the token is meant for; any other must refuse it.',
  sub: 'Subject: the user the token speaks for (your user id).',
  iat: 'Issued at: when the token was made.',
  exp: 'Expires: from this moment every request with it is refused.',
  jti: 'JWT ID: unique to this one token.',
  sid: 'Session ID: the login this token belongs to. Logging out revokes it, and with it the token.',
  cnf: 'Confirmation (DPoP): jkt is the thumbprint of the key this token is bound to; without a proof signed by that key it is refused.',
};

/** Claims whose values are NumericDate seconds, shown as dates. */
export const TIME_CLAIMS = new Set(['iat', 'exp', 'nbf']);
