// Jobs on demand: runs one Job from a CronJob's jobTemplate now, as `kubectl
// create job --from=cronjob/<name>` does (the CronJob's schedule itself is not
// emulated), waits for it to finish and returns its exit code and logs.
import { ClusterContext, forgetSandbox, newPod, startPod } from "./cluster-context";

/** Network slots of Job pods start here, far above any StatefulSet ordinal the tests use. */
const JOB_SLOT_BASE = 200;

export interface JobResult {
  pod: string;
  code: number;
  logs: Record<string, string>;
}

export class JobRunner {
  private runs = 0;

  constructor(private readonly ctx: ClusterContext) {}

  /**
   * Runs the CronJob's Job and waits for it to finish. Its pod gets a network
   * slot above the StatefulSet's ordinals, the cluster's DNS names and its own
   * volumes; it is removed afterwards and its logs returned.
   */
  async run(cronJobName: string, timeoutMs = 600_000): Promise<JobResult> {
    this.ctx.mysqlUser(); // "cluster is not up" before anything else
    const store = this.ctx.store();
    const cronJob = store.ofKind("CronJob").find((o) => o.metadata.name === cronJobName);
    if (!cronJob) throw new Error(`no CronJob ${cronJobName} among the objects`);
    const template = JSON.parse(JSON.stringify(cronJob.spec?.jobTemplate?.spec?.template ?? {}));
    const slot = JOB_SLOT_BASE + (this.runs++ % 40);
    const pod = newPod(this.ctx, {
      stsName: store.statefulSet().metadata.name,
      serviceName: "",
      ordinal: slot,
      podName: `${cronJobName}-manual-${this.runs}`,
      template,
      claimTemplates: [],
      onStatusChange: () => undefined,
    });
    await startPod(this.ctx, pod, slot);
    let timer: NodeJS.Timeout | undefined;
    try {
      const code = await Promise.race([
        pod.completion(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`job pod ${pod.name} did not finish within ${timeoutMs / 1000}s (${pod.phase()})`)),
            timeoutMs,
          );
        }),
      ]);
      const logs: Record<string, string> = {};
      for (const c of pod.containers) logs[c.name] = pod.logs(c.name);
      this.ctx.log(`${pod.name}: ${pod.phase()}`);
      return { pod: pod.name, code, logs };
    } finally {
      clearTimeout(timer);
      await pod.delete(true);
      forgetSandbox(this.ctx, slot);
    }
  }
}
