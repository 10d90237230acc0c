/** The answer to a request: a status for good news, an alert with the error code otherwise. */
export function ResultLine({ good, code, text }: { good: boolean; code?: string | undefined; text: string }) {
  return (
    <p className={`notice ${good ? 'info' : 'error'}`} role={good ? 'status' : 'alert'}>
      {code && (
        <>
          <code>{code}</code>{' '}
        </>
      )}
      {text}
    </p>
  );
}
