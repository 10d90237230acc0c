import { useRef, useState } from 'react';
import { createLabRequests } from '../api/lab-requests';
import { connectToOtherTab, OTHER_TAB_PARAM } from '../side-by-side/other-tab';
import { EXPERIMENTS, type Cell, type LabRow, type RowResult } from '../side-by-side/rows';
import { runEveryExperiment } from '../side-by-side/run-experiments';
import type { SideBySideProps } from './side-by-side-props';

type Run =
  | { state: 'idle' }
  | { state: 'running' | 'done'; results: RowResult[]; current: string | null }
  | { state: 'failed'; message: string; results: RowResult[] };

const cellId = (rowId: string, experiment: string) => `side-by-side-${rowId}-${experiment}`;

/** The run and its two tables. Default export: React.lazy loads it. */
export default function SideBySideRun({ rows, api, record, beforeRun }: SideBySideProps) {
  const [run, setRun] = useState<Run>({ state: 'idle' });
  const [lab] = useState(() => createLabRequests(api));
  const running = useRef(false);

  function start() {
    if (running.current) return;
    running.current = true;
    // Opened now, while the click still counts as the visitor's: a pop-up opened later may be blocked.
    const runId = Array.from(crypto.getRandomValues(new Uint8Array(8)), (byte) => byte.toString(16).padStart(2, '0')).join('');
    const otherTab = connectToOtherTab(runId);
    window.open(`/?${OTHER_TAB_PARAM}=${runId}`, '_blank', 'noopener');
    void (async () => {
      const results: RowResult[] = [];
      setRun({ state: 'running', results: [], current: rows[0]?.label ?? null });
      try {
        await beforeRun();
        const outcome = await runEveryExperiment({
          rows,
          lab,
          api,
          record,
          otherTab,
          openPage: openClosablePage,
          onRow: (result) => {
            results.push(result);
            setRun({ state: 'running', results: [...results], current: rows[results.length]?.label ?? null });
          },
        });
        setRun(outcome.ok ? { state: 'done', results, current: null } : { state: 'failed', message: outcome.message, results });
      } finally {
        otherTab.close();
        running.current = false;
      }
    })();
  }

  const results = run.state === 'idle' ? [] : run.results;
  const ordinary = results.filter((result) => result.row.weakened.length === 0);
  const weakened = results.filter((result) => result.row.weakened.length > 0);
  return (
    <>
      <button type="button" disabled={run.state === 'running'} onClick={start}>
        Run every experiment
      </button>
      <p className="hint">
        It opens a second tab of this page and, for each row, the attacker's page: allow pop-ups for this page if your browser
        blocks them. It logs this page out first (the rows use the same cookies and storage).
      </p>
      {run.state === 'running' && (
        <p role="status" className="lab-status">
          Running {results.length + 1} of {rows.length}: {run.current}…
        </p>
      )}
      {run.state === 'done' && (
        <p role="status" className="lab-status">
          Done: {results.length} rows, every cell from this run.
        </p>
      )}
      {run.state === 'failed' && (
        <p role="alert" className="notice error">
          {run.message}
        </p>
      )}
      {ordinary.length > 0 && <ResultTable caption="Every strategy, every defence on" results={ordinary} />}
      {weakened.length > 0 && (
        <ResultTable
          caption="Defences off, on purpose (lab only): the cookie strategy with one defence removed, to show the forged request that then gets through"
          results={weakened}
        />
      )}
    </>
  );
}

function ResultTable({ caption, results }: { caption: string; results: RowResult[] }) {
  return (
    <div className="table-scroll">
      <table className="side-by-side-table">
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Strategy</th>
            {EXPERIMENTS.map((experiment) => (
              <th scope="col" key={experiment.id}>
                {experiment.title}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {results.map(({ row, cells, problem }) => (
            <tr key={row.id}>
              <th scope="row">{row.label}</th>
              {problem ? (
                <td colSpan={EXPERIMENTS.length} className="bad">
                  No: the row could not run. {problem}
                </td>
              ) : (
                EXPERIMENTS.map((experiment) => <ResultCell key={experiment.id} row={row} experiment={experiment} cell={cells[experiment.id]} />)
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ResultCell({ row, experiment, cell }: { row: LabRow; experiment: (typeof EXPERIMENTS)[number]; cell: Cell | undefined }) {
  if (!cell) return <td data-label={experiment.title}>No: this experiment did not run.</td>;
  return (
    <td id={cellId(row.id, experiment.id)} data-label={experiment.title} className={cell.yes ? 'yes' : 'no'}>
      <strong>{cell.yes ? 'Yes' : 'No'}</strong>: {cell.seen}
      {cell.evidence.length > 0 && (
        <span className="evidence">
          {' '}
          Evidence:{' '}
          {cell.evidence.map((evidence, index) => (
            <span key={`${evidence.href}-${index}`}>
              {index > 0 && ', '}
              <a href={evidence.href} {...(evidence.href.startsWith('#') ? {} : { target: '_blank', rel: 'noopener noreferrer' })}>
                {evidence.label}
              </a>
            </span>
          ))}
          .
        </span>
      )}
    </td>
  );
}

/**
 * Opens the attacker's page so that it cannot reach back to this one (its opener is cut before it
 * loads), while this page keeps the handle to close it: the cookie strategy's attacker page ends by
 * navigating its window to the app, where none of its script is left to close it.
 */
function openClosablePage(url: string): { close(): void } | null {
  const opened = window.open('about:blank', '_blank');
  if (opened === null) return null;
  opened.opener = null;
  opened.location.href = url;
  return { close: () => opened.close() };
}
