// Every external command a pod can start is in the image that runs it: for
// both flavors, each container, probe and hook of the rendered StatefulSet and
// backup CronJob is followed into the scripts it runs (and the scripts those
// run), and every command found must be one image-facts.ts confirms in that
// container's image. A script that calls a tool its image lacks, or that no
// one has confirmed there, fails here instead of on a real cluster.

import * as assert from "assert";
import { resolveArgs } from "../../../components/mysql-cluster/args";
import { FLAVORS } from "../../../components/mysql-cluster/flavors";
import { confirmedCommands, IMAGE_FACTS, unconfirmedReason } from "../../../components/mysql-cluster/image-facts";
import { renderObjects } from "../../../components/mysql-cluster/render";
import { imageRepository } from "../../../local/k8s";
import { externalCommands, functionsOf, simpleCommands } from "../../support/bash-commands";
import { AnyObject } from "../../support/objects";
import { argvsOf, SCRIPT_ARGV } from "../../support/scripts";

/** The libraries a script sources by its own directory (`source "${0%/*}/X.sh"`), in order, with those they source. */
function sourcedLibraries(scripts: Record<string, string>, name: string, seen = new Set<string>()): string[] {
  const found: string[] = [];
  for (const m of scripts[name].matchAll(/^\s*source "\$\{0%\/\*\}\/([A-Za-z0-9_.-]+\.sh)"/gm)) {
    if (seen.has(m[1])) continue;
    seen.add(m[1]);
    assert.ok(scripts[m[1]] !== undefined, `${name} sources ${m[1]}, which the scripts ConfigMap does not hold`);
    found.push(m[1], ...sourcedLibraries(scripts, m[1], seen));
  }
  return found;
}

/** The commands `bash /scripts/<name>` can start, following every library it sources and the scripts it runs by $SCRIPTS path. */
function scriptCommands(
  scripts: Record<string, string>,
  name: string,
  env: Record<string, string>,
  seen = new Set<string>(),
): { name: string; where: string }[] {
  if (seen.has(name)) return [];
  seen.add(name);
  const text = scripts[name];
  assert.ok(text !== undefined, `a pod runs /scripts/${name}, which the scripts ConfigMap does not hold`);
  // A library's top level runs where it is sourced, and its functions are the script's: read them as one.
  const parts = [...sourcedLibraries(scripts, name).map((lib) => functionsOf(scripts[lib])), functionsOf(text)];
  const found = externalCommands(
    parts.map((p) => p.topLevel).join("\n"),
    new Map(parts.flatMap((p) => [...p.functions])),
    env,
  ).map((c) => ({
    name: c.name,
    where: `${name} ${c.where}`,
  }));
  for (const m of text.matchAll(/\$SCRIPTS\/([A-Za-z0-9_.-]+\.sh)/g))
    found.push(...scriptCommands(scripts, m[1], env, seen));
  return found;
}

function podSpecs(objects: AnyObject[]): { owner: string; spec: AnyObject }[] {
  return [
    ...objects
      .filter((o) => o.kind === "StatefulSet")
      .map((o) => ({ owner: `StatefulSet ${o.metadata.name}`, spec: o.spec.template.spec })),
    ...objects
      .filter((o) => o.kind === "CronJob")
      .map((o) => ({ owner: `CronJob ${o.metadata.name}`, spec: o.spec.jobTemplate.spec.template.spec })),
  ];
}

describe("commands each image runs", function () {
  it("reads the commands of the shell constructs the scripts use, and only those", function () {
    const script = [
      "x=$(date -u) y=( a b )  # comment: rm",
      "case $F in",
      "  a|b) tr -d x ;;",
      '  *) "$TOOL" --flag ;;',
      "esac",
      "case ${F:-} in",
      "  x) rm -rf / ;;",
      "  y*) tail -1 ;;",
      "  *) touch no ;;",
      "esac",
      '[[ -d $x && ! -f $(basename "$y") ]] && exec {fd}<> <(:)',
      'for (( i = 0; i < $(nproc); i++ )); do printf "%s" "$i" >/dev/null 2>&1; done',
      "cat <<EOF",
      "rm inside a heredoc",
      "EOF",
      "run() { shift 1; \"$@\" -e 'x'; }",
      "run 1 mariadb",
      "timeout 5 head -1 | sort",
      "unused() {",
      "  touch never-called",
      "}",
    ].join("\n");
    const { functions, topLevel } = functionsOf(script);
    const names = externalCommands(topLevel, functions, { TOOL: "socat", F: "yes" }).map((c) => c.name);
    // case $F runs its first matching branch only: tail, not rm or touch; the first case (F matches no "a|b") its "*" branch.
    // A wrapper that is a program (timeout) is a command too, and so is what it runs.
    assert.deepStrictEqual(names.sort(), [
      "basename",
      "cat",
      "date",
      "head",
      "mariadb",
      "nproc",
      "socat",
      "sort",
      "tail",
      "timeout",
    ]);
    assert.deepStrictEqual(
      simpleCommands("a 'b c' \"d $(e f)\"").map((c) => c.words),
      [
        ["e", "f"],
        ["a", "b c", "d $(...)"],
      ],
    );
  });

  it("follows every library a script sources (lib.sh, k8s-api.sh, failover-lib.sh) into the functions it calls", function () {
    for (const flavor of FLAVORS) {
      const args = resolveArgs("db", { flavor, replicas: 3 });
      const objects = renderObjects(args) as AnyObject[];
      const scripts: Record<string, string> = objects.find(
        (o) => o.kind === "ConfigMap" && o.metadata.name.startsWith("db-config-"),
      )!.data;
      assert.deepStrictEqual(sourcedLibraries(scripts, "failover-agent.sh"), [
        "lib.sh",
        "k8s-api.sh",
        "failover-lib.sh",
      ]);
      const sidecar = (
        objects.find((o) => o.kind === "StatefulSet")!.spec.template.spec.containers as AnyObject[]
      ).find((c) => c.name === "sidecar")!;
      const env = Object.fromEntries((sidecar.env as AnyObject[]).map((e) => [e.name, e.value ?? ""]));
      const used = scriptCommands(scripts, "failover-agent.sh", env);
      // api_request (k8s-api.sh) talks to the API server through timeout and socat.
      for (const command of ["socat", "timeout"])
        assert.ok(
          used.some((u) => u.name === command && /api_request/.test(u.where)),
          `${flavor}: ${command} of k8s-api.sh's api_request is not followed`,
        );
      // No function of a sourced library is taken for an external command.
      const libraryFunctions = ["lib.sh", "k8s-api.sh", "failover-lib.sh"].flatMap((lib) => [
        ...functionsOf(scripts[lib]).functions.keys(),
      ]);
      assert.deepStrictEqual(
        used.filter((u) => libraryFunctions.includes(u.name)).map((u) => u.name),
        [],
        flavor,
      );
    }
  });

  it("records a source for every confirmed command and grants none it calls unconfirmed", function () {
    for (const [repo, facts] of Object.entries(IMAGE_FACTS)) {
      const confirmed = confirmedCommands(repo) ?? new Set();
      for (const f of facts.confirmed) assert.ok(f.source.length > 20, `${repo}: a confirmed fact without a source`);
      for (const u of facts.unconfirmed)
        for (const c of u.commands) assert.ok(!confirmed.has(c), `${repo}: ${c} is both confirmed and unconfirmed`);
      for (const l of facts.lacks)
        for (const c of l.commands) assert.ok(!confirmed.has(c), `${repo}: ${c} is both confirmed and lacking`);
    }
    // The UBI 9 minimal image: no source confirms awk or sed there.
    for (const c of ["awk", "sed"]) assert.ok(!confirmedCommands("percona/percona-xtrabackup")?.has(c));
  });

  for (const flavor of FLAVORS) {
    it(`${flavor}: every command a container, probe or hook can start is confirmed in that container's image`, function () {
      // Backups to the claim and the object store: the Job's store path (rclone from the tools volume) is read too.
      const args = resolveArgs("db", {
        flavor,
        replicas: 3,
        metrics: true,
        backupSchedule: "0 3 * * *",
        backupTarget: "both",
        backupStoreEndpoint: "https://s3.example.com",
        backupStoreBucket: "backups",
        backupStoreSecret: "store",
      });
      const objects = renderObjects(args) as AnyObject[];
      const problems: string[] = [];
      let checked = 0;
      for (const { owner, spec } of podSpecs(objects)) {
        // The scripts a container sees are the files of its "scripts" volume's ConfigMap.
        const scriptsVolume = (spec.volumes ?? []).find((v: AnyObject) => v.name === "scripts");
        const scripts: Record<string, string> = scriptsVolume
          ? (objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === scriptsVolume.configMap.name)?.data ??
            {})
          : {};
        for (const container of [...(spec.initContainers ?? []), ...spec.containers]) {
          const repo = imageRepository(container.image);
          const confirmed = confirmedCommands(repo);
          assert.ok(
            confirmed,
            `${owner} container ${container.name}: image ${container.image} has no facts in image-facts.ts`,
          );
          const env: Record<string, string> = Object.fromEntries(
            (container.env ?? [])
              .filter((e: AnyObject) => e.value !== undefined)
              .map((e: AnyObject) => [e.name, e.value]),
          );
          // store-lib.sh runs $STORE_RCLONE, the binary the tools init container copied from storeToolImage
          // into the tools volume: confirmed by that image's facts, in a container that mounts it.
          const tools = (container.volumeMounts ?? []).some((m: AnyObject) => m.name === "tools");
          if (tools) env.STORE_RCLONE = "rclone";
          const toolImage = (spec.initContainers ?? []).find((c: AnyObject) => c.name === "tools")?.image;
          const fromTools = (name: string) =>
            tools && name === "rclone" && !!toolImage && !!confirmedCommands(imageRepository(toolImage))?.has(name);
          for (const { what, argv } of argvsOf(container)) {
            const uses = [{ name: argv[0], where: what }];
            const script = SCRIPT_ARGV.exec(argv[1] ?? "");
            if (["bash", "sh"].includes(argv[0]) && script) uses.push(...scriptCommands(scripts, script[1], env));
            for (const use of uses) {
              checked++;
              if (!confirmed.has(use.name) && !fromTools(use.name)) {
                problems.push(
                  `${owner} container ${container.name} (${container.image}), ${use.where}: ${use.name}: ${unconfirmedReason(repo, use.name)}`,
                );
              }
            }
          }
        }
      }
      assert.ok(checked > 50, `only ${checked} command uses were found; the reader is missing commands`);
      assert.deepStrictEqual([...new Set(problems)], []);
    });
  }
});
