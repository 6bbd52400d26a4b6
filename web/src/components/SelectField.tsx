import { useId } from "react";

/** A labelled <select> with its error under it (the select-box sibling of Field). `options`
 *  are [value, label] pairs; `empty`, when given, is a first option with the value "". */
export function SelectField({ label, value, options, onChange, error, empty, id }: {
  label: string; value: string; options: [string, string][]; onChange: (value: string) => void;
  error?: string; empty?: string; id?: string;
}) {
  const generated = useId();
  const fieldId = id ?? generated;
  return (
    <div className="field">
      <label htmlFor={fieldId}>{label}</label>
      <select id={fieldId} value={value} onChange={(e) => onChange(e.target.value)} aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${fieldId}-error` : undefined}>
        {empty !== undefined && <option value="">{empty}</option>}
        {options.map(([v, text]) => <option key={v} value={v}>{text}</option>)}
      </select>
      {error && <div id={`${fieldId}-error`} className="field-error">{error}</div>}
    </div>
  );
}
