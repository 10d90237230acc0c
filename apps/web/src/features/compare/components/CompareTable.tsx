interface Row {
  topic: string;
  header: string;
  cookie: string;
  /** Where on the page the difference shows. */
  demo: { href: string; label: string };
}

const ROWS: Row[] = [
  {
    topic: 'XSS exposure',
    header: 'An injected script reads the tokens from localStorage and can use them anywhere until they expire or the session is revoked.',
    cookie: 'An injected script cannot read the tokens. It can still send requests from the open page while it runs.',
    demo: { href: '#attack-lab', label: 'Attack lab: run an XSS payload in each mode' },
  },
  {
    topic: 'CSRF exposure',
    header: 'None: a browser never adds the Authorization header by itself, so a forged request carries no credential.',
    cookie: 'The browser adds cookies by itself, so SameSite, the X-CSRF-Token header and an Origin check must block forged requests.',
    demo: { href: '#attack-lab', label: 'Attack lab: send a cross-site request' },
  },
  {
    topic: 'Mobile apps and API clients',
    header: 'Natural: any client can send a header.',
    cookie: 'Awkward: the client needs a cookie jar, and the CSRF token on top.',
    demo: { href: '#private-data', label: 'Private data: the server reports “via”' },
  },
  {
    topic: 'Cross-domain APIs',
    header: 'Works with any API origin that allows it through CORS.',
    cookie: 'Strict cookies go to the same site only; an API on another site needs SameSite=None and careful CORS.',
    demo: { href: '#request-log', label: 'Request log: same-origin calls only' },
  },
  {
    topic: 'Size limits',
    header: 'localStorage holds megabytes; servers cap header size (often 8 to 16 KB).',
    cookie: 'About 4 KB per cookie, and every cookie rides on every matching request.',
    demo: { href: '#token-inspector', label: 'Token inspector: the token’s size' },
  },
  {
    topic: 'Server work on logout',
    header: 'The server must revoke the session; the page deletes its copy, but a stolen copy works until revoked or expired.',
    cookie: 'The server revokes the session and tells the browser to delete the cookies.',
    demo: { href: '#request-log', label: 'Request log: logout, then the token is refused' },
  },
];

export function CompareTable() {
  return (
    <section className="panel wide" id="compare" aria-labelledby="compare-title">
      <h2 id="compare-title">Compare the two modes</h2>
      <table className="compare">
        <thead>
          <tr>
            <th scope="col">Trade-off</th>
            <th scope="col">localStorage + Authorization header</th>
            <th scope="col">HttpOnly cookie + CSRF token</th>
          </tr>
        </thead>
        <tbody>
          {ROWS.map((row) => (
            <tr key={row.topic}>
              <th scope="row">
                {row.topic}
                <a href={row.demo.href}>{row.demo.label}</a>
              </th>
              <td data-label="localStorage">{row.header}</td>
              <td data-label="Cookie">{row.cookie}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
