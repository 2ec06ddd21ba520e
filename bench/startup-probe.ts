// An experiment on a setting the measured commit does not change: the mysql
// container's startupProbe period. Kubernetes (and the local runner) start the
// readiness probe only once the startup probe has succeeded, so a pod cannot
// turn Ready before the first startup probe that finds the server up: with a
// period of P seconds and a server that takes a little while to start, that is
// P seconds after the container started, whatever the sidecar's poll and the
// readiness probe's period. Here the rendered StatefulSet's startupProbe is
// patched (bench-side, the component is untouched) to a 1 s period with the
// same total allowance, and compared with the commit's own value, alternating
// the two so that drift on a shared machine hits both alike: a replica's
// bootstrap at a small size (its fixed cost) and an empty namespace to N pods.

import { bootstrapOnce } from "./bootstrap";
import { benchCluster, BenchOptions, loadData, purgeBinlogs, withCluster } from "./common";
import type { BootstrapRun } from "./bootstrap";
import { benchTimeToReadyOnce, ReadyRun } from "./time-to-ready";

export interface StartupProbeVariant {
  /** The mysql container's startupProbe period (s); failureThreshold keeps period × threshold of the default. */
  periodSeconds: number;
  failureThreshold: number;
  /** Whether this is the measured commit's own value. */
  isDefault: boolean;
  bootstrap: Omit<BootstrapRun, "copy" | "copyTls">[];
  timeToReady: ReadyRun[];
}

export interface StartupProbeResults {
  bootstrapSizeMB: number;
  maxPods: number;
  variants: StartupProbeVariant[];
}

interface Probe {
  periodSeconds?: number;
  failureThreshold?: number;
}

interface StatefulSetLike {
  kind: string;
  spec: { template: { spec: { containers: { name: string; startupProbe?: Probe }[] } } };
}

/** The mysql container's startupProbe in rendered objects. */
function startupProbe(objects: object[]): Probe | undefined {
  const sts = (objects as StatefulSetLike[]).find((o) => o.kind === "StatefulSet");
  return sts?.spec.template.spec.containers.find((c) => c.name === "mysql")?.startupProbe;
}

export async function benchStartupProbe(opts: BenchOptions): Promise<StartupProbeResults> {
  const bootstrapSizeMB = opts.quick ? 32 : 256;
  const maxPods = 5;
  // Which period the next render uses; undefined = the commit's own.
  let period: number | undefined;
  let own: Probe = {};
  const mutate = (objects: object[]): void => {
    const p = startupProbe(objects);
    if (!p) throw new Error("the rendered mysql container has no startupProbe");
    own = { periodSeconds: p.periodSeconds ?? 10, failureThreshold: p.failureThreshold ?? 3 };
    if (period === undefined) return;
    p.periodSeconds = period;
    p.failureThreshold = Math.ceil((own.periodSeconds! * own.failureThreshold!) / period);
  };
  const results: StartupProbeResults = { bootstrapSizeMB, maxPods, variants: [] };
  const c = benchCluster("benchp", { replicas: 1 }, mutate);
  const variant = (p: number | undefined): StartupProbeVariant => {
    const periodSeconds = p ?? own.periodSeconds!;
    let v = results.variants.find((x) => x.periodSeconds === periodSeconds);
    if (!v) {
      v = {
        periodSeconds,
        failureThreshold:
          p === undefined ? own.failureThreshold! : Math.ceil((own.periodSeconds! * own.failureThreshold!) / p),
        isDefault: p === undefined,
        bootstrap: [],
        timeToReady: [],
      };
      results.variants.push(v);
    }
    return v;
  };
  const periods: (number | undefined)[] = [undefined, 1];
  await withCluster(c, async () => {
    await c.up();
    await loadData(c, bootstrapSizeMB, opts.log);
    await purgeBinlogs(c);
    for (let rep = 1; rep <= opts.reps; rep++) {
      for (const p of periods) {
        period = p;
        await c.reapply(1); // rolls pod 0 if the template changed; pod 1 is created from the same template
        const v = variant(p);
        const run = await opts.measure(
          `startup probe ${v.periodSeconds} s: bootstrap ${bootstrapSizeMB} MB #${rep}`,
          async () => {
            const r = await bootstrapOnce(c, 1);
            await c.scale(1);
            await c.runner.deleteClaim("data", 1);
            return r;
          },
        );
        v.bootstrap.push({
          sizeMB: bootstrapSizeMB,
          rep,
          parallelism: c.args.backupParallelism ?? 4,
          dataBytes: 0,
          ...run,
        });
        opts.log(
          `startup probe ${v.periodSeconds} s: bootstrap ${bootstrapSizeMB} MB #${rep}: ${run.phases.total.toFixed(1)}s (start ${run.phases.start.toFixed(1)}s, readiness ${run.phases.readiness.toFixed(1)}s)`,
        );
      }
    }
  });
  for (let rep = 1; rep <= opts.reps; rep++) {
    for (const p of periods) {
      period = p;
      const v = variant(p);
      const run = await opts.measure(`startup probe ${v.periodSeconds} s: time to ${maxPods} ready #${rep}`, () =>
        benchTimeToReadyOnce("benchq", maxPods, rep, mutate),
      );
      v.timeToReady.push(run);
      opts.log(
        `startup probe ${v.periodSeconds} s: time to ready #${rep}: ${run.readyAt.map((x) => x.toFixed(1)).join(" ")}`,
      );
    }
  }
  return results;
}
