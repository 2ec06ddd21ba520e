// The failover agents' least privilege matches what the pod scripts do: every
// Kubernetes API request a script can make (api_request METHOD PATH, in the
// functions reachable from the scripts the pods run, libraries included) is
// allowed by the Role builders/failover.ts renders, by resourceNames where the
// path names the object, and the Role grants nothing no request uses. A script
// that starts calling PUT or list, or an object the Role does not name, fails
// here instead of with a 403 on a real cluster.

import * as assert from "assert";
import { resolveArgs } from "../../../components/mysql-cluster/args";
import { buildRole } from "../../../components/mysql-cluster/builders/failover";
import { configMapData } from "../../../components/mysql-cluster/config-files";
import { clusterNames } from "../../../components/mysql-cluster/names";
import { functionsOf } from "../../support/bash-commands";
import { AnyObject } from "../../support/objects";

const VERBS: Record<string, string> = { GET: "get", PATCH: "patch", PUT: "update", POST: "create", DELETE: "delete" };

interface Request {
  verb: string;
  group: string;
  resource: string;
  /** The object's name when the path gives it literally or by a known variable; "?" when a caller passes it. */
  name?: string;
  where: string;
}

/** The API requests reachable from the runnable scripts (#! files) of `scripts`. */
function apiRequests(scripts: Record<string, string>, known: Record<string, string>): Request[] {
  const shell = Object.entries(scripts).filter(([file]) => file.endsWith(".sh"));
  const functions = new Map<string, { body: string; file: string }>();
  const topLevels: { file: string; text: string }[] = [];
  const constants: Record<string, string> = {};
  for (const [file, text] of shell) {
    const { functions: own, topLevel } = functionsOf(text);
    for (const [name, def] of own) functions.set(name, { body: def.body, file });
    if (text.startsWith("#!")) topLevels.push({ file, text: topLevel });
    for (const m of text.matchAll(/^readonly ([A-Z_]+)="?([^"\n]*)"?$/gm)) constants[m[1]] = m[2];
  }
  // Reachable functions: named (as a word) by a runnable script's top level or by a reachable function.
  const queue = topLevels.map((t) => ({ text: t.text, where: t.file }));
  const reached = new Set<string>();
  for (let i = 0; i < queue.length; i++) {
    for (const [name, def] of functions) {
      if (reached.has(name) || !new RegExp(`(^|[^\\w-])${name}($|[^\\w-])`, "m").test(queue[i].text)) continue;
      reached.add(name);
      queue.push({ text: def.body, where: `${def.file} function ${name}` });
    }
  }
  const expand = (path: string) => {
    let out = path;
    for (let n = 0; n < 3; n++) out = out.replace(/\$\{?([A-Z_]+)\}?/g, (m, v: string) => constants[v] ?? m);
    return out;
  };
  const requests: Request[] = [];
  for (const { text, where } of queue) {
    for (const m of text.matchAll(/\bapi_request ([A-Z]+) "([^"]+)"/g)) {
      const path = expand(m[2]);
      const p = /^\/(?:api\/v1|apis\/([a-z0-9.]+)\/v1)\/namespaces\/[^/]+\/([a-z]+)(?:\/([^/]+))?$/.exec(path);
      assert.ok(p, `${where}: api_request ${m[1]} ${m[2]} is not a namespaced path this check reads`);
      const rawName = p[3];
      const variable = rawName && /^\$\{?([A-Z_]+)\}?$/.exec(rawName)?.[1];
      requests.push({
        verb: VERBS[m[1]] ?? m[1],
        group: p[1] ?? "",
        resource: p[2],
        name:
          rawName === undefined ? undefined : variable ? (known[variable] ?? "?") : /^\$/.test(rawName) ? "?" : rawName,
        where,
      });
    }
  }
  return requests;
}

/** What a request lacks in the Role ("" when allowed). */
function denied(role: AnyObject, r: Request): string {
  const rules = (role.rules as AnyObject[]).filter(
    (rule) => rule.apiGroups.includes(r.group) && rule.resources.includes(r.resource) && rule.verbs.includes(r.verb),
  );
  if (rules.length === 0) return `${r.where}: ${r.verb} ${r.group}/${r.resource}: no rule allows it`;
  if (r.name === undefined) {
    // A create or a collection request: resourceNames cannot restrict it, so the rule must not have any.
    return rules.some((rule) => !rule.resourceNames) ? "" : `${r.where}: ${r.verb} ${r.resource}: only named objects`;
  }
  // A name a caller passes (a pod ordinal) cannot be checked here: failover.test.ts checks the pods the Role names.
  if (r.name === "?") return "";
  return rules.some((rule) => !rule.resourceNames || rule.resourceNames.includes(r.name))
    ? ""
    : `${r.where}: ${r.verb} ${r.resource}/${r.name}: not among the Role's resourceNames`;
}

describe("the agents' Role against the API requests the pod scripts make", function () {
  for (const flavor of ["mysql", "mariadb"] as const) {
    it(`${flavor}: allows every request a pod script can make, and grants nothing none of them uses`, function () {
      const args = resolveArgs("db", { flavor, replicas: 3 });
      const names = clusterNames(args);
      const role = buildRole(args, names) as AnyObject;
      const requests = apiRequests(configMapData(args), { LEASE_NAME: names.lease, STS_NAME: names.statefulSet });
      const kinds = [...new Set(requests.map((r) => `${r.verb} ${r.group}/${r.resource}`))].sort();
      // The agent reads and writes the Lease, reads the StatefulSet, labels pods and records Events.
      for (const k of [
        "create /events",
        "get apps/statefulsets",
        "get coordination.k8s.io/leases",
        "patch /pods",
        "patch coordination.k8s.io/leases",
      ])
        assert.ok(kinds.includes(k), `no script makes a ${k} request: ${kinds.join(", ")}`);
      assert.deepStrictEqual(requests.map((r) => denied(role, r)).filter(Boolean), []);
      const granted = (role.rules as AnyObject[]).flatMap((rule) =>
        rule.apiGroups.flatMap((g: string) =>
          rule.resources.flatMap((res: string) => rule.verbs.map((v: string) => `${v} ${g}/${res}`)),
        ),
      );
      // Least privilege: the Role grants nothing no script uses.
      assert.deepStrictEqual(
        granted.filter((g) => !kinds.includes(g)),
        [],
        "the Role grants what no script uses",
      );
    });
  }

  it("finds a request the Role does not allow (the check itself)", function () {
    const args = resolveArgs("db", { replicas: 3 });
    const names = clusterNames(args);
    const role = buildRole(args, names) as AnyObject;
    const scripts = {
      "x.sh": [
        "#!/bin/bash",
        'readonly L="/apis/coordination.k8s.io/v1/namespaces/$NS/leases/$LEASE_NAME"',
        "put() {",
        '  api_request PUT "$L"',
        "}",
        "unused() {",
        '  api_request DELETE "/api/v1/namespaces/$NS/pods/db-0"',
        "}",
        "put",
        'api_request PATCH "/api/v1/namespaces/$NS/pods/db-7" application/merge-patch+json',
        'api_request GET "/api/v1/namespaces/$NS/secrets"',
      ].join("\n"),
    };
    const requests = apiRequests(scripts, { LEASE_NAME: names.lease });
    assert.deepStrictEqual(
      requests.map((r) => `${r.verb} ${r.group}/${r.resource}/${r.name ?? ""}`),
      ["patch /pods/db-7", "get /secrets/", "update coordination.k8s.io/leases/db-primary"],
    );
    assert.deepStrictEqual(
      requests.map((r) => denied(role, r).replace(/^.*: /, "")),
      ["not among the Role's resourceNames", "no rule allows it", "no rule allows it"],
    );
  });
});
