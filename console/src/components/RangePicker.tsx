import { RANGES, type RangeName } from "../filters";

export interface Range {
  range: RangeName;
  from: string;
  to: string;
}

/** Last 15 minutes, hour, day, week, or custom bounds (local time). */
export function RangePicker({ value, onChange }: { value: Range; onChange: (r: Range) => void }) {
  return (
    <fieldset className="range">
      <legend>Time range</legend>
      {[...Object.keys(RANGES), "custom"].map((name) => (
        <label key={name} className="pill">
          <input
            type="radio"
            name="range"
            value={name}
            checked={value.range === name}
            onChange={() => onChange({ ...value, range: name as RangeName })}
          />
          {name === "custom" ? "Custom" : `Last ${name}`}
        </label>
      ))}
      {value.range === "custom" && (
        <>
          <label>
            From{" "}
            <input
              type="datetime-local"
              value={value.from}
              onChange={(e) => onChange({ ...value, from: e.target.value })}
            />
          </label>
          <label>
            To{" "}
            <input
              type="datetime-local"
              value={value.to}
              onChange={(e) => onChange({ ...value, to: e.target.value })}
            />
          </label>
        </>
      )}
    </fieldset>
  );
}
