/** Labelled form controls shared by the panels (each has a visible label tied to its control). */
import { useEffect, useId, useState, type ReactNode } from 'react';

/**
 * A number input that keeps what the person typed while it is not a number yet ("1e-", "0."), reports
 * finite numbers only, and says when the text is not one.
 */
export function NumberField({
  label,
  value,
  onChange,
  step,
  min,
  max,
  integer = false,
  disabled = false,
  hint,
  invalidText,
  testId,
}: {
  label: string;
  value: number;
  onChange: (v: number) => void;
  step?: number | 'any';
  min?: number;
  max?: number;
  integer?: boolean;
  disabled?: boolean;
  hint?: string;
  invalidText: string;
  testId?: string;
}) {
  const id = useId();
  const [text, setText] = useState(String(value));
  useEffect(() => {
    // An outside change (reset, URL, "apply") replaces the text; typing that parses to the same value does not.
    setText((old) => (Number(old) === value && old.trim() !== '' ? old : String(value)));
  }, [value]);
  const parsed = Number(text);
  const bad = text.trim() === '' || !Number.isFinite(parsed) || (integer && !Number.isInteger(parsed));
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="text"
        inputMode="decimal"
        value={text}
        disabled={disabled}
        aria-invalid={bad}
        aria-describedby={bad ? `${id}-err` : undefined}
        data-testid={testId}
        data-min={min}
        data-max={max}
        data-step={step}
        onChange={(ev) => {
          setText(ev.target.value);
          const x = Number(ev.target.value);
          if (ev.target.value.trim() !== '' && Number.isFinite(x) && (!integer || Number.isInteger(x)))
            onChange(x);
        }}
      />
      {bad ? (
        <span id={`${id}-err`} className="field-error">
          {invalidText}
        </span>
      ) : (
        hint !== undefined && <span className="field-hint">{hint}</span>
      )}
    </div>
  );
}

export function SelectField<V extends string>({
  label,
  value,
  options,
  onChange,
  disabled = false,
  testId,
}: {
  label: string;
  value: V;
  options: readonly { value: V; label: string }[];
  onChange: (v: V) => void;
  disabled?: boolean;
  testId?: string;
}) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select
        id={id}
        value={value}
        disabled={disabled}
        data-testid={testId}
        onChange={(ev) => {
          const v = options.find((o) => o.value === ev.target.value);
          if (v !== undefined) onChange(v.value);
        }}
      >
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}

export function CheckField({
  label,
  checked,
  onChange,
  disabled = false,
}: {
  label: string;
  checked: boolean;
  onChange: (v: boolean) => void;
  disabled?: boolean;
}) {
  const id = useId();
  return (
    <div className="field check">
      <input
        id={id}
        type="checkbox"
        checked={checked}
        disabled={disabled}
        onChange={(ev) => onChange(ev.target.checked)}
      />
      <label htmlFor={id}>{label}</label>
    </div>
  );
}

/** A titled group of fields. */
export function FieldGroup({ title, children }: { title: string; children: ReactNode }) {
  return (
    <fieldset className="group">
      <legend>{title}</legend>
      <div className="fields">{children}</div>
    </fieldset>
  );
}

/** A labelled range slider with its value shown beside it (`format`). */
export function RangeField({
  label,
  value,
  min,
  max,
  step,
  onChange,
  format,
  testId,
}: {
  label: string;
  value: number;
  min: number;
  max: number;
  step: number;
  onChange: (v: number) => void;
  format: (v: number) => string;
  testId?: string;
}) {
  const id = useId();
  return (
    <div className="row">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="range"
        min={min}
        max={max}
        step={step}
        value={value}
        onChange={(ev) => onChange(Number(ev.target.value))}
      />
      <output htmlFor={id} className="mono" data-testid={testId}>
        {format(value)}
      </output>
    </div>
  );
}
