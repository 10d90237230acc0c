import { lazy, Suspense } from 'react';
import type { ComparedStrategy } from '../compared-strategy';

// The claims are words only, read after the page is usable: they load as their own small chunk.
const CompareRows = lazy(() => import('./CompareRows'));

/** The comparison in plain words, one column per strategy; each claim links to the experiment that shows it. */
export function CompareTable({ strategies }: { strategies: readonly ComparedStrategy[] }) {
  return (
    <section className="panel wide" id="compare" aria-labelledby="compare-title">
      <h2 id="compare-title">Compare the strategies</h2>
      <p>
        In plain words; every claim links to the cell of the Side by side table that shows it (press Run every experiment there
        first).
      </p>
      <div className="table-scroll">
        <table className="compare">
          <thead>
            <tr>
              <th scope="col">Question</th>
              {strategies.map((strategy) => (
                <th scope="col" key={strategy.id}>
                  {strategy.description.label}
                </th>
              ))}
            </tr>
          </thead>
          <Suspense
            fallback={
              <tbody>
                <tr>
                  <td colSpan={strategies.length + 1}>Loading the comparison…</td>
                </tr>
              </tbody>
            }
          >
            <CompareRows strategies={strategies} />
          </Suspense>
        </table>
      </div>
    </section>
  );
}
