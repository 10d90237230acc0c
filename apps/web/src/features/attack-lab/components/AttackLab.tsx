import type { CredentialMode } from '@jwt-lab/shared';
import { lazy, Suspense } from 'react';
import type { Exchange } from '../../../lib/api-client';
import type { LabApi } from '../lab-api';

// The experiments load as their own chunk, right after the page: they are most of the lab's code
// and none of it is needed to log in, so the initial download stays within its budget.
const LabExperiments = lazy(() => import('./LabExperiments'));

export interface AttackLabProps {
  mode: CredentialMode;
  signedIn: boolean;
  /** The Request log's recorder: the lab's calls to this app are API calls like any other. */
  onExchange: (exchange: Exchange) => void;
  /** Tests pass a lab API over a fake fetch. */
  api?: LabApi;
  /** Opens the attacker's page; window.open by default. */
  openPage?: (url: string) => void;
}

export function AttackLab({ mode, signedIn, onExchange, api, openPage = openWithoutOpener }: AttackLabProps) {
  return (
    <section className="panel wide attack-lab" id="attack-lab" aria-labelledby="attack-lab-title">
      <h2 id="attack-lab-title">Attack lab</h2>
      <p>
        Two attacks, run for real against this page by an attacker's site that this server starts on another site: the other
        loopback name (<code>127.0.0.1</code> when you opened <code>localhost</code>, and the reverse). A different port alone
        would not be a different site: browsers compare scheme and host for SameSite, never ports.
      </p>
      {!signedIn && <p className="hint">Log in first to see what each attack gets from a live session.</p>}
      <Suspense fallback={<p className="hint">Loading the experiments…</p>}>
        <LabExperiments mode={mode} onExchange={onExchange} api={api} openPage={openPage} />
      </Suspense>
    </section>
  );
}

/** noopener: the attacker's page gets no handle on this window (window.opener stays null). */
function openWithoutOpener(url: string) {
  window.open(url, '_blank', 'noopener');
}
