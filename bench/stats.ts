// Statistics every benchmark section reports with: the median and the spread
// (min–max) over repetitions, and how a spread is printed. Pure, so the
// report, the plots and the measurements share one definition.

export interface Spread {
  median: number;
  min: number;
  max: number;
  n: number;
  values: number[];
}

export function spread(values: number[]): Spread {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return { median: NaN, min: NaN, max: NaN, n: 0, values: [] };
  const mid = Math.floor(v.length / 2);
  const median = v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
  return { median, min: v[0], max: v[v.length - 1], n: v.length, values };
}

/** "12.3 (11.9–13.0)" with the given number of decimals. */
export function fmt(s: Spread | undefined, digits = 1, unit = ""): string {
  if (!s || !s.n) return "n/a";
  const f = (x: number): string => x.toFixed(digits);
  const u = unit ? ` ${unit}` : "";
  return s.n === 1 ? `${f(s.median)}${u} (n=1)` : `${f(s.median)}${u} (${f(s.min)}–${f(s.max)})`;
}
