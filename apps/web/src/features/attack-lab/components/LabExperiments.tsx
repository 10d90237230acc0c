import type { CredentialMode } from '@jwt-lab/shared';
import { useState } from 'react';
import type { ApiClient } from '../../../lib/api-client';
import { createLabRequests } from '../api/lab-requests';
import { CrossSiteSection } from './CrossSiteSection';
import { XssSection } from './XssSection';

interface LabExperimentsProps {
  mode: CredentialMode;
  api: ApiClient;
  /** Makes the page send its next API request, as it would anyway (the payload catches it). */
  nudge: () => Promise<unknown>;
  openPage: (url: string) => void;
}

/** The two attacks, one under the other. Default export: React.lazy loads it. */
export default function LabExperiments({ mode, api, nudge, openPage }: LabExperimentsProps) {
  const [lab] = useState(() => createLabRequests(api));
  return (
    <div className="lab-grid">
      <XssSection lab={lab} nudge={nudge} />
      <CrossSiteSection lab={lab} mode={mode} openPage={openPage} />
    </div>
  );
}
