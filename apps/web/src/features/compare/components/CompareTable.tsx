import { TOPICS } from '../claims';

export interface ComparedStrategy {
  id: string;
  description: { label: string; short: string };
}

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
          <tbody>
            {TOPICS.map((topic) => (
              <tr key={topic.topic}>
                <th scope="row">
                  {topic.topic}
                  {topic.elsewhere && <a href={topic.elsewhere.href}>{topic.elsewhere.label}</a>}
                </th>
                {strategies.map((strategy) => {
                  const claim = topic.claims[strategy.id];
                  return (
                    <td key={strategy.id} data-label={strategy.description.short}>
                      {claim?.text ?? 'Not compared yet.'}{' '}
                      {claim?.experiment && <a href={`#side-by-side-${strategy.id}-${claim.experiment}`}>the experiment</a>}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
