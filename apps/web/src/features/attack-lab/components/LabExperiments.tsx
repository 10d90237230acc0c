import type { CredentialMode } from '@jwt-lab/shared';
import { useState } from 'react';
import type { Exchange } from '../../../lib/api-client';
import { createLabApi, type LabApi } from '../lab-api';
import { CrossSiteSection } from './CrossSiteSection';
import { XssSection } from './XssSection';

export interface LabExperimentsProps {
  mode: CredentialMode;
  onExchange: (exchange: Exchange) => void;
  api: LabApi | undefined;
  openPage: (url: string) => void;
}

/** The two attacks, side by side on a wide screen. Default export: React.lazy loads it. */
export default function LabExperiments({ mode, onExchange, api, openPage }: LabExperimentsProps) {
  const [lab] = useState(() => api ?? createLabApi({ onExchange }));
  return (
    <div className="lab-grid">
      <XssSection lab={lab} mode={mode} />
      <CrossSiteSection lab={lab} mode={mode} openPage={openPage} />
    </div>
  );
}
