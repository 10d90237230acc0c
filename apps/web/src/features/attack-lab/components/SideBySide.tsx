import { lazy, Suspense } from 'react';
import type { SideBySideProps } from './side-by-side-props';

// Loaded after the page, as the lab's experiments are: none of it is needed to log in.
const SideBySideRun = lazy(() => import('./SideBySideRun'));


export function SideBySide(props: SideBySideProps) {
  return (
    <section className="panel wide side-by-side" id="side-by-side" aria-labelledby="side-by-side-title">
      <h2 id="side-by-side-title">Side by side</h2>
      <p>
        Every storage strategy through the same attacks, for real, with one button: no login needed first. The run registers one
        user, then logs it in once per row, and for each: runs the injected script in this page, lets the attacker's server replay
        what it took, opens the attacker's page on another site to forge requests, starts a fresh page over this tab's storage (what
        a reload starts with), asks a second tab it opened whether it shares the session, and logs out to see whether that tab
        notices. Every cell is what that run saw, with links to the evidence.
      </p>
      <Suspense fallback={<p className="hint">Loading the experiments…</p>}>
        <SideBySideRun {...props} />
      </Suspense>
    </section>
  );
}
