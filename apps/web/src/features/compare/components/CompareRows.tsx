import { TOPICS } from '../claims';
import type { ComparedStrategy } from '../compared-strategy';

/** One row per question, one cell per strategy. Default export: React.lazy loads it. */
export default function CompareRows({ strategies }: { strategies: readonly ComparedStrategy[] }) {
  return (
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
                {claim?.experiment && (
                  <a href={`#side-by-side-${strategy.id}-${claim.experiment}`} aria-label={`${topic.topic}, ${strategy.description.short}: the experiment`}>
                    the experiment
                  </a>
                )}
              </td>
            );
          })}
        </tr>
      ))}
    </tbody>
  );
}
