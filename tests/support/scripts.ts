// Which pod scripts a container runs: its command, probes and hooks name
// /scripts/<file>.sh, and a script runs another as `bash "$SCRIPTS/<file>.sh"`.
// One reading of that convention for every test that follows a container into
// its scripts (environment, Secret files, image commands).

import * as fs from "fs";
import * as path from "path";
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

/**
 * The script files `start` runs, transitively, with lib.sh (every script sources
 * it). `read` gives a file's text: the source tree by default, or a ConfigMap's data.
 */
export function scriptClosure(
  start: string[],
  read: (file: string) => string = (file) => fs.readFileSync(path.join(SCRIPTS_DIR, file), "utf8"),
): string[] {
  // A container that runs none of our scripts (an image's own program) reads nothing of ours.
  const seen = new Set<string>(start.length > 0 ? ["lib.sh"] : []);
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

/** The constants lib.sh declares as `readonly NAME=value`, with $VAR references expanded: the scripts' side of a contract. */
export function libShConstants(): Record<string, string> {
  const text = fs.readFileSync(path.join(SCRIPTS_DIR, "lib.sh"), "utf8");
  const values: Record<string, string> = {};
  for (const match of text.matchAll(/^readonly ([A-Z_]+)=(\S+)/gm)) {
    values[match[1]] = match[2].replace(/\$\{?([A-Z_]+)\}?/g, (_, v: string) => values[v] ?? "");
  }
  return values;
}
