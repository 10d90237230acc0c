import type { CredentialMode } from '@jwt-lab/shared';

const OPTIONS: { mode: CredentialMode; label: string; hint: string }[] = [
  {
    mode: 'header',
    label: 'localStorage + Authorization header',
    hint: 'The page keeps the tokens and sends the access token itself. Any script on the page can read them.',
  },
  {
    mode: 'cookie',
    label: 'HttpOnly cookie + CSRF token',
    hint: 'The browser keeps the tokens where scripts cannot read them and sends them by itself.',
  },
];

export function StorageModeField(props: { mode: CredentialMode; disabled: boolean; onChange: (mode: CredentialMode) => void }) {
  return (
    <fieldset className="modes" disabled={props.disabled}>
      <legend>Storage mode</legend>
      {OPTIONS.map(({ mode, label, hint }) => (
        <div className="mode" key={mode}>
          <input
            type="radio"
            id={`mode-${mode}`}
            name="storage-mode"
            value={mode}
            checked={props.mode === mode}
            aria-describedby={`mode-${mode}-hint`}
            onChange={() => props.onChange(mode)}
          />
          <label htmlFor={`mode-${mode}`}>{label}</label>
          <p className="hint" id={`mode-${mode}-hint`}>
            {hint}
          </p>
        </div>
      ))}
    </fieldset>
  );
}
