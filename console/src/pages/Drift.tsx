import { useEffect, useMemo, useState } from "react";
import { useSearchParams } from "react-router";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { drift, messageOf } from "../api";
import { useAccess } from "../access";
import { Chart } from "../components/Chart";
import { Table } from "../components/Table";
import { count } from "../format";
import type { FeatureDrift, GetDriftResponse } from "@tapline/client";
import { DEFAULT_FEATURES, REFERENCES, type Reference, WINDOWS, type Window, binLabels, parseFeatures, shares, verdict } from "../drift";

/** How a service's calls moved: the current window against a reference, feature by feature. */
export function Drift() {
  const access = useAccess();
  const [params, setParams] = useSearchParams();
  const service = access.boundService || (params.get("service") ?? "");
  const window = (params.get("window") as Window) in WINDOWS ? (params.get("window") as Window) : "1h";
  const reference = (params.get("reference") as Reference) in REFERENCES ? (params.get("reference") as Reference) : "24h";
  const baseline = params.get("baseline") ?? "";
  const features = parseFeatures(params.get("features") ?? DEFAULT_FEATURES.join(","));
  const featureList = features.join(",");
  const [result, setResult] = useState<GetDriftResponse | null>(null);
  const [chosen, setChosen] = useState("");
  const [error, setError] = useState("");
  const [saved, setSaved] = useState("");

  const set = (patch: Record<string, string | null>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(patch)) v === null || v === "" ? next.delete(k) : next.set(k, v);
    setParams(next);
  };

  const windows = useMemo(() => {
    const end = new Date();
    const start = new Date(end.getTime() - WINDOWS[window] * 1000);
    return { end, start, referenceStart: new Date(start.getTime() - REFERENCES[reference] * 1000) };
    // A new look each time the inputs change.
  }, [window, reference, service, baseline, featureList]);

  useEffect(() => {
    if (!service) return;
    let current = true;
    const abort = new AbortController();
    setError("");
    drift
      .getDrift(
        {
          filter: { service, startTime: timestampFromDate(windows.start), endTime: timestampFromDate(windows.end) },
          referenceStartTime: baseline ? undefined : timestampFromDate(windows.referenceStart),
          referenceEndTime: baseline ? undefined : timestampFromDate(windows.start),
          baseline,
          features: baseline && params.get("features") === null ? [] : features,
        },
        { signal: abort.signal },
      )
      .then((r) => current && setResult(r))
      .catch((e) => current && (setResult(null), setError(messageOf(e))));
    return () => {
      current = false;
      abort.abort();
    };
  }, [windows]);

  const shown = result?.features.find((f) => f.feature === chosen) ?? result?.features[0];
  const option = useMemo(() => (shown ? histogramOption(shown) : null), [shown]);

  const saveBaseline = (name: string) => {
    drift
      .saveDriftBaseline({
        name,
        filter: { service, startTime: timestampFromDate(windows.referenceStart), endTime: timestampFromDate(windows.start) },
        features,
      })
      .then((b) => setSaved(`Saved baseline "${b.name}" with ${b.histograms.length} features.`))
      .catch((e) => setSaved(messageOf(e)));
  };

  return (
    <>
      <h1>Drift{service && ` · ${service}`}</h1>
      <div className="toolbar">
        <label>
          Service
          <input
            name="service"
            placeholder="a service"
            disabled={access.boundService !== ""}
            defaultValue={service}
            onKeyDown={(e) => e.key === "Enter" && set({ service: e.currentTarget.value.trim() })}
            onBlur={(e) => e.currentTarget.value.trim() !== service && set({ service: e.currentTarget.value.trim() })}
          />
        </label>
        <label>
          Features
          <input
            name="features"
            size={40}
            defaultValue={featureList}
            onKeyDown={(e) => e.key === "Enter" && set({ features: e.currentTarget.value })}
            onBlur={(e) => parseFeatures(e.currentTarget.value).join(",") !== featureList && set({ features: e.currentTarget.value })}
          />
        </label>
        <fieldset className="range">
          <legend>Current window</legend>
          {(Object.keys(WINDOWS) as Window[]).map((w) => (
            <label key={w} className="pill">
              <input type="radio" name="window" checked={window === w} onChange={() => set({ window: w })} />
              last {w}
            </label>
          ))}
        </fieldset>
        <fieldset className="range">
          <legend>Reference</legend>
          {(Object.keys(REFERENCES) as Reference[]).map((r) => (
            <label key={r} className="pill">
              <input type="radio" name="reference" checked={!baseline && reference === r} onChange={() => set({ reference: r, baseline: null })} />
              {r} before
            </label>
          ))}
          <label>
            Baseline
            <input
              name="baseline"
              placeholder="none"
              defaultValue={baseline}
              onKeyDown={(e) => e.key === "Enter" && set({ baseline: e.currentTarget.value.trim() })}
            />
          </label>
        </fieldset>
      </div>
      {!service && <p className="muted">Name a service to compare its calls.</p>}
      {error && <p role="alert" className="error">{error}</p>}
      {result && (
        <>
          <Table<FeatureDrift>
            caption="Drift by feature (PSI under 0.1: stable; over 0.25: drifted)"
            rows={result.features}
            rowKey={(f) => f.feature}
            download={`drift-${service}.csv`}
            empty="No features."
            rowClass={(f) => `drift-${verdict(f.psi)}`}
            selected={(f) => f === shown}
            columns={[
              {
                title: "Feature",
                cell: (f) => (
                  <button type="button" className="plain" onClick={() => setChosen(f.feature)}>
                    {f.feature}
                  </button>
                ),
                value: (f) => f.feature,
              },
              { title: "Verdict", cell: (f) => verdict(f.psi) || "not enough calls" },
              { title: "PSI", cell: (f) => score(f.psi), numeric: true },
              { title: "Jensen-Shannon", cell: (f) => score(f.jensenShannon), numeric: true },
              { title: "KS", cell: (f) => score(f.ks), numeric: true },
              { title: "Wasserstein", cell: (f) => score(f.wasserstein), numeric: true },
              { title: "Reference calls", cell: (f) => count(f.reference?.total ?? 0n), numeric: true },
              { title: "Current calls", cell: (f) => count(f.current?.total ?? 0n), numeric: true },
            ]}
          />
          {shown && option && <Chart option={option} label={`${shown.feature}: share of calls per bin, reference and current`} height={280} />}
          {access.admin && !baseline && (
            <form
              className="toolbar"
              onSubmit={(e) => {
                e.preventDefault();
                saveBaseline(String(new FormData(e.currentTarget).get("name") ?? "").trim());
              }}
            >
              <label>
                Save the reference as a baseline named <input name="name" required pattern="[A-Za-z0-9._\-]{1,128}" />
              </label>
              <button type="submit">Save baseline</button>
              {saved && <span role="status">{saved}</span>}
            </form>
          )}
        </>
      )}
    </>
  );
}

function score(value: number | undefined): string {
  return value === undefined ? "–" : value.toFixed(4);
}

function histogramOption(f: FeatureDrift) {
  const reference = f.reference!;
  const labels = binLabels(reference);
  const percent = (values: number[]) => values.map((v) => Math.round(v * 10000) / 100);
  return {
    tooltip: { trigger: "axis", valueFormatter: (v: number) => `${v} %` },
    legend: { data: ["reference", "current"], top: 0, right: 16 },
    grid: { left: 48, right: 16, top: 32, bottom: 64 },
    xAxis: { type: "category", data: labels, axisLabel: { rotate: labels.length > 8 ? 30 : 0 } },
    yAxis: { type: "value", name: "% of calls" },
    series: [
      { name: "reference", type: "bar", data: percent(shares(reference)) },
      { name: "current", type: "bar", data: percent(shares(f.current!)) },
    ],
  };
}
