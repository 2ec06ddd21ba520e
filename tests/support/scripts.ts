// Which pod scripts a container runs: its command, probes and hooks name
// /scripts/<file>.sh, and a script runs another as `bash "$SCRIPTS/<file>.sh"`.
// One reading of that convention for every test that follows a container into
// its scripts (environment, Secret files, image commands).

import * as fs from "fs";
import * as path from "path";
import { CONTRACT_FILE, renderShellContract } from "../../components/mysql-cluster/contract";
import { AnyObject } from "./objects";
import { SCRIPTS_DIR } from "./paths";

/** A container's argv that names a pod script: /scripts/<file>.sh. */
export const SCRIPT_ARGV = /^\/scripts\/([\w.-]+\.sh)$/;

/** Each argv a container can run: its command (with args), its probes' and its lifecycle hooks'. */
export function argvsOf(container: AnyObject): { what: string; argv: string[] }[] {
  const out = [{ what: "command", argv: [...(container.command ?? []), ...(container.args ?? [])] as string[] }];
  for (const p of ["startupProbe", "livenessProbe", "readinessProbe"]) {
    if (container[p]?.exec) out.push({ what: p, argv: container[p].exec.command });
  }
  for (const h of ["postStart", "preStop"]) {
    if (container.lifecycle?.[h]?.exec) out.push({ what: h, argv: container.lifecycle[h].exec.command });
  }
  return out;
}

/** The script files a script's text runs by path ($SCRIPTS/x.sh), in order of appearance. */
export function scriptsRunBy(text: string): string[] {
  return [...text.matchAll(/\$SCRIPTS\/([\w.-]+\.sh)/g)].map((m) => m[1]);
}

/** The scripts a container starts directly (its argvs' /scripts/<file>.sh words). */
export function startScripts(container: AnyObject): string[] {
  return argvsOf(container).flatMap(({ argv }) =>
    argv.map((word) => SCRIPT_ARGV.exec(word)?.[1]).filter((f): f is string => f !== undefined),
  );
}

/** A script as the ConfigMap ships it: a file of scripts/, or contract.sh rendered from contract.ts. */
export function scriptText(file: string): string {
  return file === CONTRACT_FILE ? renderShellContract() : fs.readFileSync(path.join(SCRIPTS_DIR, file), "utf8");
}

/**
 * The script files `start` runs, transitively, with lib.sh and the contract.sh it
 * sources (every script sources lib.sh). `read` gives a file's text: as shipped by
 * default (scriptText), or a ConfigMap's data.
 */
export function scriptClosure(start: string[], read: (file: string) => string = scriptText): string[] {
  // A container that runs none of our scripts (an image's own program) reads nothing of ours.
  const seen = new Set<string>(start.length > 0 ? ["lib.sh", CONTRACT_FILE] : []);
  const queue = [...start];
  while (queue.length > 0) {
    const file = queue.shift()!;
    if (seen.has(file)) continue;
    seen.add(file);
    queue.push(...scriptsRunBy(read(file)));
  }
  return [...seen];
}

/** The script files a container runs, transitively, starting from its command, probes and hooks. */
export function containerScripts(container: AnyObject, read?: (file: string) => string): string[] {
  return scriptClosure(startScripts(container), read);
}
