import type { PageStrategy, StrategyId } from '../strategies/strategy';

/** One radio per strategy, named by the strategy itself: a new strategy needs no change here. */
export function StorageModeField(props: { strategies: readonly PageStrategy[]; selected: StrategyId; disabled: boolean; onChange: (id: StrategyId) => void }) {
  return (
    <fieldset className="modes" disabled={props.disabled}>
      <legend>Storage mode</legend>
      {props.strategies.map(({ id, description }) => (
        <div className="mode" key={id}>
          <input
            type="radio"
            id={`mode-${id}`}
            name="storage-mode"
            value={id}
            checked={props.selected === id}
            aria-describedby={`mode-${id}-hint`}
            onChange={() => props.onChange(id)}
          />
          <label htmlFor={`mode-${id}`}>{description.label}</label>
          <p className="hint" id={`mode-${id}-hint`}>
            {description.hint}
          </p>
        </div>
      ))}
    </fieldset>
  );
}
