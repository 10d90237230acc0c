import type { CredentialMode } from '@jwt-lab/shared';
import { lazy, Suspense } from 'react';
import type { ApiClient } from '../../../lib/api-client';

// The experiments load as their own chunk, right after the page: they are most of the lab's code
// and none of it is needed to log in, so the initial download stays within its budget.
const LabExperiments = lazy(() => import('./LabExperiments'));

interface AttackLabProps {
  /** The server mode of the page's strategy: which forged requests the attacker's page tries. */
  mode: CredentialMode;
  signedIn: boolean;
  /** The one API client: the lab's calls to this app go to the Request log like any other. */
  api: ApiClient;
  /** Makes the page send its next API request, as it would anyway (the payload catches it). */
  nudge: () => Promise<unknown>;
  /** Opens the attacker's page; window.open by default. */
  openPage?: (url: string) => void;
}

export function AttackLab({ mode, signedIn, api, nudge, openPage = openWithoutOpener }: AttackLabProps) {
  return (
    <section className="panel wide attack-lab" id="attack-lab" aria-labelledby="attack-lab-title">
      <h2 id="attack-lab-title">Attack lab</h2>
      <p>
        Two attacks on this page's current strategy, run for real against this page by an attacker's site that this server starts on another site: the other
        loopback name (<code>127.0.0.1</code> when you opened <code>localhost</code>, and the reverse). A different port alone
        would not be a different site: browsers compare scheme and host for SameSite, never ports.
      </p>
      {!signedIn && <p className="hint">Log in first to see what each attack gets from a live session.</p>}
      <Suspense fallback={<p className="hint">Loading the experiments…</p>}>
        <LabExperiments mode={mode} api={api} nudge={nudge} openPage={openPage} />
      </Suspense>
    </section>
  );
}

/** noopener: the attacker's page gets no handle on this window (window.opener stays null). */
function openWithoutOpener(url: string) {
  window.open(url, '_blank', 'noopener');
}
