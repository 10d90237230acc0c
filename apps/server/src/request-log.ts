/**
 * What a request log line may hold: the method and the path only (no query string, headers or
 * body, so no token or password), with the credential headers redacted should anything log them
 * anyway. Its own module so that the bench's reference servers (bench/reference) log exactly as
 * the app does without loading the app.
 */
export const REQUEST_LOG_OPTIONS = {
  serializers: {
    req: (request: { method: string; url: string }) => ({ method: request.method, path: request.url.split('?')[0] }),
  },
  redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'req.headers.dpop', 'res.headers["set-cookie"]'], censor: '[redacted]' },
};
