// The report's plots, drawn with gnuplot (Debian package gnuplot-nox, see
// BENCHMARKS.md "set-up") from the results: bootstrap vs plain copy per data
// size, time to N Ready pods, and replication lag over time under load.
// A missing gnuplot skips the plots with a warning; the report still renders.

import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spread } from "./stats";
import type { BenchResults } from "./results";

const TERMINAL = "set terminal pngcairo noenhanced size 900,540 font 'DejaVu Sans,10'";

function gnuplot(script: string, dataFiles: Record<string, string>): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-plot-"));
  try {
    for (const [name, text] of Object.entries(dataFiles)) fs.writeFileSync(path.join(dir, name), text);
    fs.writeFileSync(path.join(dir, "plot.gp"), script);
    execFileSync("gnuplot", ["plot.gp"], { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const row = (...cols: number[]): string => cols.map((x) => (Number.isFinite(x) ? x.toFixed(3) : "NaN")).join(" ");

function bootstrapPlot(r: BenchResults, file: string): boolean {
  const b = r.bootstrap;
  if (!b?.runs.length) return false;
  const lines = b.sizesMB.map((size) => {
    const runs = b.runs.filter((x) => x.sizeMB === size);
    const total = spread(runs.map((x) => x.phases.total));
    const stream = spread(runs.map((x) => x.phases.stream));
    const copy = spread(runs.map((x) => x.copy?.seconds ?? NaN));
    return row(
      size,
      total.median,
      total.min,
      total.max,
      stream.median,
      stream.min,
      stream.max,
      copy.median,
      copy.min,
      copy.max,
    );
  });
  gnuplot(
    `${TERMINAL}
set output '${file}'
set title 'Replica bootstrap vs plain tar|socat copy of the same data (median, min-max bars)'
set xlabel 'data loaded (MB)'
set ylabel 'seconds'
set key top left
set grid
set logscale x 2
set xrange [${Math.min(...b.sizesMB) / 1.5}:${Math.max(...b.sizesMB) * 1.5}]
set yrange [0:*]
plot 'b.dat' using 1:2:3:4 with yerrorlines lw 2 title 'bootstrap: scale -> Ready', \\
     'b.dat' using 1:5:6:7 with yerrorlines lw 2 title 'of which backup stream', \\
     'b.dat' using 1:8:9:10 with yerrorlines lw 2 title 'plain copy (physical limit)', \\
     'b.dat' using 1:($8*1.25) with lines dt 2 lw 1 title 'goal: 1.25 x plain copy'
`,
    { "b.dat": lines.join("\n") + "\n" },
  );
  return true;
}

function readyPlot(r: BenchResults, file: string): boolean {
  const t = r.timeToReady;
  if (!t?.empty.length) return false;
  const lines: string[] = [];
  for (let n = 1; n <= t.maxPods; n++) {
    const e = spread(t.empty.map((x) => x.readyAt[n - 1]));
    const d = spread(t.withData.map((x) => x.readyAt[n - 1]));
    lines.push(row(n, e.median, e.min, e.max, d.median, d.min, d.max));
  }
  gnuplot(
    `${TERMINAL}
set output '${file}'
set title 'Time to N Ready pods (OrderedReady; median, min-max bars)'
set xlabel 'N (pods Ready)'
set ylabel 'seconds'
set key top left
set grid
set xtics 1
set xrange [0.5:${t.maxPods + 0.5}]
set yrange [0:*]
plot 'r.dat' using 1:2:3:4 with yerrorlines lw 2 title 'empty namespace -> N pods', \\
     'r.dat' using 1:5:6:7 with yerrorlines lw 2 title 'scale-out 1 -> N, primary holding ${t.withDataMB} MB'
`,
    { "r.dat": lines.join("\n") + "\n" },
  );
  return true;
}

function lagPlot(r: BenchResults, file: string): boolean {
  const l = r.lag;
  if (!l?.runs.length) return false;
  const data: Record<string, string> = {};
  const plots: string[] = [];
  // One line per client count: the run whose peak lag is the median one, replica 1's heartbeat lag.
  for (const clients of l.clientCounts) {
    const runs = l.runs
      .filter((x) => x.clients === clients && x.replicaThreads === l.defaultThreads)
      .sort((a, b) => a.peakLag[0] - b.peakLag[0]);
    const run = runs[Math.floor(runs.length / 2)];
    if (!run) continue;
    const name = `lag${clients}.dat`;
    data[name] = run.samples.map((s) => row(s.t, s.delay?.[1] ?? NaN, s.lag[1] ?? NaN)).join("\n") + "\n";
    plots.push(
      `'${name}' using 1:2 with linespoints lw 2 pt 7 ps 0.5 title '${clients} client${clients > 1 ? "s" : ""}: delay'`,
    );
    plots.push(
      `'${name}' using 1:3 with lines lw 1 dt 3 title '${clients} client${clients > 1 ? "s" : ""}: raw heartbeat age'`,
    );
  }
  gnuplot(
    `${TERMINAL}
set output '${file}'
set title 'Replica heartbeat lag under sysbench oltp_write_only (load from 0 to ${l.seconds} s; median run)'
set xlabel 'seconds since the load started'
set ylabel "replica 1 lag (s): heartbeat age minus the primary's"
set key top right
set grid
set yrange [0:*]
set arrow from ${l.seconds},graph 0 to ${l.seconds},graph 1 nohead dt 2
plot ${plots.join(", \\\n     ")}
`,
    data,
  );
  return true;
}

/** Writes the PNGs into dir; returns the files written. */
export function writePlots(results: BenchResults, dir: string): string[] {
  try {
    execFileSync("gnuplot", ["--version"], { stdio: "ignore" });
  } catch {
    console.warn("gnuplot not found (apt-get install gnuplot-nox): no plots");
    return [];
  }
  const out: string[] = [];
  const plots: [string, (r: BenchResults, f: string) => boolean][] = [
    ["bootstrap.png", bootstrapPlot],
    ["time-to-ready.png", readyPlot],
    ["lag.png", lagPlot],
  ];
  for (const [name, fn] of plots) {
    const file = path.join(dir, name);
    try {
      if (fn(results, file)) out.push(file);
    } catch (e) {
      console.warn(`plot ${name} failed: ${(e as Error).message}`);
    }
  }
  return out;
}
