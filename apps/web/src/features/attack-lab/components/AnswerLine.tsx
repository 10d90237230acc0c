/** One API answer in a line: the status, then the error code and message, or the success message. */
export function AnswerLine({ status, answer }: { status: number | null; answer: unknown }) {
  if (status === null) return <span className="bad">no answer (the app could not be reached)</span>;
  const body = typeof answer === 'object' && answer !== null ? (answer as Record<string, unknown>) : {};
  const ok = status < 400;
  return (
    <>
      <strong className={ok ? 'good' : 'bad'}>{status}</strong>{' '}
      {typeof body.error === 'string' && (
        <>
          <code>{body.error}</code>{' '}
        </>
      )}
      {typeof body.message === 'string' && body.message}
      {typeof body.via === 'string' && (
        <>
          {' '}
          (<code>via: "{body.via}"</code>)
        </>
      )}
    </>
  );
}
