import type { ApiClient, Exchange } from '../../../lib/api-client';
import type { LabRow } from '../side-by-side/rows';

/** What the Side by side region and its lazily loaded run share (a module of its own: no import cycle). */
export interface SideBySideProps {
  rows: readonly LabRow[];
  api: ApiClient;
  /** The request log's recorder: returns the entry's id, which the cells link to. */
  record: (exchange: Exchange) => number;
  /** Ends this page's own session first: the run's sessions use the same cookies and storage. */
  beforeRun: () => Promise<void>;
}
