// Volumes the way the kubelet provides them: PVCs that outlive the pod and
// hold only what they were sized for, emptyDirs that die with it,
// ConfigMap/Secret dirs with the right file modes.
// It also turns a container's volumeMounts into a bind-mount plan, and creates
// on the host the mount points that only exist inside the image (e.g.
// /scripts): bind mounts need an existing target, and without a container
// root filesystem the target has to be on the host. Those paths are recorded
// so teardown can remove them again.
import * as fs from "fs";
import * as path from "path";
import { K8sObject, ObjectStore, quantityValue } from "./k8s";
import { run } from "./sh";

export const MYSQL_UID_NAME = "mysql";

export interface HostUser {
  uid: number;
  gid: number;
}

/** Host mysql user: what a container with a non-zero runAsUser runs as. */
export function hostMysqlUser(): HostUser {
  const line = fs
    .readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((l) => l.startsWith(`${MYSQL_UID_NAME}:`));
  if (!line) throw new Error("host user mysql does not exist");
  const f = line.split(":");
  return { uid: Number(f[2]), gid: Number(f[3]) };
}

export interface MountEntry {
  source: string; // host path (under workDir)
  target: string; // path inside the container
  readOnly: boolean;
  isFile: boolean;
}

export interface PodVolumeContext {
  workDir: string;
  podName: string;
  stsName: string;
  ordinal: number;
  podSpec: K8sObject;
  claimTemplates: string[];
  store: ObjectStore;
  /** Pod runs something as the mysql user or has an fsGroup: writable volumes go to mysql. */
  owner?: HostUser;
  fsGroup?: HostUser;
  /** For projected volumes: the pod's namespace (downwardAPI) and its service account's bound token. */
  namespace?: string;
  serviceAccountToken?: () => string;
}

/** Host dir of a PersistentVolumeClaim (its volume's mount point). */
export function claimDir(workDir: string, claim: string): string {
  return path.join(workDir, "pvc", claim);
}

/** A claim's requested size in bytes (spec.resources.requests.storage). */
export function claimRequestBytes(claim: K8sObject): number {
  const bytes = quantityValue(claim?.spec?.resources?.requests?.storage);
  if (!bytes || bytes <= 0) throw new Error(`claim ${claim?.metadata?.name}: no spec.resources.requests.storage`);
  return Math.ceil(bytes);
}

function isMountPoint(dir: string): boolean {
  return fs
    .readFileSync("/proc/mounts", "utf8")
    .split("\n")
    .some((l) => l.split(" ")[1] === dir);
}

/** A mounted claim's capacity in bytes. */
export function claimCapacity(dir: string): number {
  const st = fs.statfsSync(dir);
  return st.blocks * st.bsize;
}

/**
 * Provide claim `name` with at least `bytes` of capacity: a size-limited
 * tmpfs per claim, so writing past the request fails with ENOSPC ("No space
 * left on device") as on a real volume of that size. A bigger request grows it
 * in place (remount), as online volume expansion does; a claim never shrinks
 * (the API server forbids it). growExisting false is the StatefulSet
 * controller's rule: it creates a missing claim from the template but never
 * touches an existing one. A plain directory left there (a volume copied in
 * by a test) becomes a claim of that size with its contents.
 * tmpfs, not a loop-mounted image: ext4 online resize needs CAP_SYS_RESOURCE,
 * which this machine's root lacks, and tmpfs only uses memory for what is
 * written. Returns what it did, for the event log.
 */
export async function provisionClaim(
  workDir: string,
  name: string,
  bytes: number,
  growExisting: boolean,
): Promise<"created" | "grown" | undefined> {
  const dir = claimDir(workDir, name);
  if (isMountPoint(dir)) {
    if (!growExisting || claimCapacity(dir) >= bytes) return undefined;
    await run("/usr/bin/mount", ["-o", `remount,size=${bytes}`, dir]);
    return "grown";
  }
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const existing = fs.existsSync(dir);
  const old = `${dir}.before-claim`;
  if (existing) fs.renameSync(dir, old);
  fs.mkdirSync(dir);
  await run("/usr/bin/mount", ["-t", "tmpfs", "-o", `size=${bytes},mode=0777`, `pvc-${name}`, dir]);
  if (existing) {
    await run("/usr/bin/cp", ["-a", `${old}/.`, dir]);
    fs.rmSync(old, { recursive: true, force: true });
  }
  return "created";
}

export function podDir(workDir: string, podName: string): string {
  return path.join(workDir, "pods", podName);
}

/** Host dir backing each pod volume, by volume name. */
export function volumeSource(ctx: PodVolumeContext, vol: K8sObject): string {
  const pd = podDir(ctx.workDir, ctx.podName);
  if (ctx.claimTemplates.includes(vol.name)) return claimDir(ctx.workDir, `${vol.name}-${ctx.stsName}-${ctx.ordinal}`);
  if (vol.persistentVolumeClaim) return claimDir(ctx.workDir, vol.persistentVolumeClaim.claimName);
  if (vol.emptyDir) return path.join(pd, "emptydir", vol.name);
  if (vol.configMap || vol.secret || vol.projected) return path.join(pd, "volumes", vol.name);
  throw new Error(
    `volume ${vol.name}: only volumeClaimTemplates, persistentVolumeClaim, emptyDir, configMap, secret and projected are supported`,
  );
}

/** All volumes of the pod, including the implicit ones from volumeClaimTemplates. */
export function podVolumes(ctx: PodVolumeContext): K8sObject[] {
  const declared: K8sObject[] = ctx.podSpec.volumes ?? [];
  const names = new Set(declared.map((v) => v.name));
  return [...declared, ...ctx.claimTemplates.filter((n) => !names.has(n)).map((name) => ({ name }))];
}

/**
 * Create/refresh the pod's volume dirs. Called when the pod is (re)created:
 * emptyDirs start empty, PVC dirs are kept, ConfigMap/Secret dirs rewritten.
 * Throws (like a pod stuck in ContainerCreating) if a referenced object or key is missing.
 */
export function preparePodVolumes(ctx: PodVolumeContext): void {
  for (const vol of podVolumes(ctx)) {
    const dir = volumeSource(ctx, vol);
    if (vol.emptyDir) {
      fs.rmSync(dir, { recursive: true, force: true });
      fs.mkdirSync(dir, { recursive: true });
      fs.chmodSync(dir, 0o777); // emptyDirs are world-writable in Kubernetes
      applyOwnership(dir, ctx);
    } else if (vol.configMap || vol.secret || vol.projected) {
      writeProjection(ctx, vol, dir);
    } else {
      // A claim is made by the objects (or the StatefulSet controller) before the pod: the pod only waits for it.
      if (!fs.existsSync(dir))
        throw new Error(`persistentvolumeclaim "${path.basename(dir)}" not found (volume ${vol.name})`);
      applyOwnership(dir, ctx);
    }
  }
}

/**
 * The kubelet's periodic sync of a running pod's ConfigMap and Secret volumes:
 * rewrites those whose object changed since. Returns the names of the volumes
 * it changed. A broken or missing object leaves the pod its old files.
 */
export function refreshProjections(ctx: PodVolumeContext): string[] {
  const changed: string[] = [];
  for (const vol of podVolumes(ctx)) {
    if (vol.configMap || vol.secret) {
      try {
        if (writeProjection(ctx, vol, volumeSource(ctx, vol))) changed.push(vol.name);
      } catch {
        /* a running pod keeps its old files if the new object is broken */
      }
    }
  }
  return changed;
}

function applyOwnership(dir: string, ctx: PodVolumeContext): void {
  const owner = ctx.owner;
  if (owner) fs.chownSync(dir, owner.uid, ctx.fsGroup?.gid ?? owner.gid);
  else if (ctx.fsGroup) fs.chownSync(dir, 0, ctx.fsGroup.gid);
  if (ctx.fsGroup) fs.chmodSync(dir, (fs.statSync(dir).mode & 0o7777) | 0o2070); // setgid + group rwx, as the kubelet does
}

/** The link to the current payload directory, as the kubelet's atomic writer names it. */
const DATA_LINK = "..data";

/**
 * A ConfigMap/Secret volume written the way the kubelet's atomic writer does
 * (kubernetes/kubernetes pkg/volume/util/atomic_writer.go): the files go into
 * a fresh hidden "..<timestamp>" directory, then the "..data" symlink is
 * swapped to it by one rename, so a reader sees either every old file or
 * every new one, never a mix; each key is a symlink "<key> -> ..data/<key>".
 * A subPath mount binds the file itself, so it keeps the old content (as in
 * Kubernetes). Returns whether anything changed.
 */
type ProjectedFile = { rel: string; content: Buffer; mode: number };

/** The files of one ConfigMap or Secret source (a volume of its own, or one source of a projected volume). */
function sourceFiles(ctx: PodVolumeContext, vol: K8sObject, src: K8sObject, isConfigMap: boolean, defaultMode: number) {
  const kind = isConfigMap ? "configmap" : "secret";
  const name: string = isConfigMap ? src.name : (src.secretName ?? src.name);
  const data = isConfigMap ? ctx.store.configMapData(name) : ctx.store.secretData(name);
  if (!data && !src.optional) throw new Error(`${kind} "${name}" not found (volume ${vol.name})`);
  const files: ProjectedFile[] = [];
  if (src.items) {
    for (const item of src.items) {
      const content = data?.[item.key];
      if (content === undefined) {
        if (src.optional) continue;
        throw new Error(`${kind} "${name}" has no key ${item.key} (volume ${vol.name})`);
      }
      files.push({ rel: item.path, content, mode: item.mode ?? defaultMode });
    }
  } else {
    for (const [k, content] of Object.entries(data ?? {})) files.push({ rel: k, content, mode: defaultMode });
  }
  return files;
}

/**
 * A projected volume's files: ConfigMap and Secret sources as above, the pod's
 * bound service-account token (serviceAccountToken; the runner does not rotate
 * it) and downwardAPI metadata.namespace, the sources the service-account
 * admission's own volume uses. Other sources are refused, not ignored.
 */
function projectedFiles(ctx: PodVolumeContext, vol: K8sObject): ProjectedFile[] {
  const defaultMode: number = vol.projected.defaultMode ?? 0o644;
  const files: ProjectedFile[] = [];
  for (const s of vol.projected.sources ?? []) {
    if (s.configMap) files.push(...sourceFiles(ctx, vol, s.configMap, true, defaultMode));
    else if (s.secret) files.push(...sourceFiles(ctx, vol, s.secret, false, defaultMode));
    else if (s.serviceAccountToken) {
      if (!ctx.serviceAccountToken) throw new Error(`volume ${vol.name}: no service-account token to project`);
      files.push({
        rel: s.serviceAccountToken.path,
        content: Buffer.from(ctx.serviceAccountToken()),
        mode: defaultMode,
      });
    } else if (s.downwardAPI) {
      for (const item of s.downwardAPI.items ?? []) {
        if (item.fieldRef?.fieldPath !== "metadata.namespace")
          throw new Error(`volume ${vol.name}: downwardAPI ${item.fieldRef?.fieldPath} is not modelled`);
        files.push({
          rel: item.path,
          content: Buffer.from(ctx.namespace ?? "default"),
          mode: item.mode ?? defaultMode,
        });
      }
    } else throw new Error(`volume ${vol.name}: projected source ${Object.keys(s).join(",")} is not modelled`);
  }
  return files;
}

function writeProjection(ctx: PodVolumeContext, vol: K8sObject, dir: string): boolean {
  const files: ProjectedFile[] = vol.projected
    ? projectedFiles(ctx, vol)
    : sourceFiles(
        ctx,
        vol,
        vol.configMap ?? vol.secret,
        !!vol.configMap,
        (vol.configMap ?? vol.secret).defaultMode ?? 0o644,
      );
  // With fsGroup the kubelet hands the files to that group and adds read for owner+group.
  for (const f of files) f.mode = (ctx.fsGroup ? f.mode | 0o440 : f.mode) & 0o7777;
  fs.mkdirSync(dir, { recursive: true });
  const dataLink = path.join(dir, DATA_LINK);
  const current = fs.existsSync(dataLink) ? fs.readlinkSync(dataLink) : undefined;
  if (current && sameFiles(path.join(dir, current), files)) return false;
  const payload = `..${new Date().toISOString().replace(/[-:.]/g, "_")}.${process.pid}${Math.random().toString(36).slice(2, 8)}`;
  for (const f of files) {
    const p = path.join(dir, payload, f.rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, f.content);
    fs.chmodSync(p, f.mode);
    if (ctx.fsGroup) fs.chownSync(p, 0, ctx.fsGroup.gid);
  }
  fs.mkdirSync(path.join(dir, payload), { recursive: true });
  fs.chmodSync(path.join(dir, payload), 0o755);
  const tmpLink = path.join(dir, "..data_tmp");
  fs.rmSync(tmpLink, { force: true });
  fs.symlinkSync(payload, tmpLink);
  fs.renameSync(tmpLink, dataLink);
  // The user-visible names: one symlink per top-level path, into ..data.
  const wanted = new Set(files.map((f) => f.rel.split("/")[0]));
  for (const entry of fs.readdirSync(dir)) {
    if (!entry.startsWith("..") && !wanted.has(entry))
      fs.rmSync(path.join(dir, entry), { recursive: true, force: true });
  }
  for (const top of wanted) {
    const link = path.join(dir, top);
    if (!fs.lstatSync(link, { throwIfNoEntry: false })?.isSymbolicLink()) {
      fs.rmSync(link, { recursive: true, force: true });
      fs.symlinkSync(path.join(DATA_LINK, top), link);
    }
  }
  if (current) fs.rmSync(path.join(dir, current), { recursive: true, force: true });
  fs.chmodSync(dir, 0o755);
  if (ctx.fsGroup) fs.chownSync(dir, 0, ctx.fsGroup.gid);
  return true;
}

function sameFiles(payloadDir: string, files: { rel: string; content: Buffer; mode: number }[]): boolean {
  const count = (d: string): number =>
    fs
      .readdirSync(d, { withFileTypes: true })
      .reduce((n, e) => n + (e.isDirectory() ? count(path.join(d, e.name)) : 1), 0);
  try {
    if (count(payloadDir) !== files.length) return false;
    return files.every((f) => {
      const p = path.join(payloadDir, f.rel);
      return (fs.statSync(p).mode & 0o7777) === f.mode && fs.readFileSync(p).equals(f.content);
    });
  } catch {
    return false;
  }
}

/** Expand $(VAR) in subPathExpr with the container's env. */
function expandVars(s: string, env: Record<string, string>): string {
  return s.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, v: string) => env[v] ?? m);
}

/** Bind mounts for one container's volumeMounts (creating subPath dirs like the kubelet). */
export function containerMounts(
  ctx: PodVolumeContext,
  container: K8sObject,
  env: Record<string, string>,
): MountEntry[] {
  const vols = new Map<string, K8sObject>(podVolumes(ctx).map((v) => [v.name, v]));
  const out: MountEntry[] = [];
  for (const vm of container.volumeMounts ?? []) {
    const vol = vols.get(vm.name);
    if (!vol) throw new Error(`container ${container.name}: volumeMount ${vm.name} has no volume`);
    let source = volumeSource(ctx, vol);
    const sub: string | undefined = vm.subPath ?? (vm.subPathExpr ? expandVars(vm.subPathExpr, env) : undefined);
    if (sub) {
      if (sub.split("/").includes("..") || path.isAbsolute(sub))
        throw new Error(`subPath ${sub} must be relative without ..`);
      source = path.join(source, sub);
      if (!fs.existsSync(source)) {
        fs.mkdirSync(source, { recursive: true });
        if (ctx.owner) fs.chownSync(source, ctx.owner.uid, ctx.fsGroup?.gid ?? ctx.owner.gid);
      }
    }
    out.push({
      source,
      target: path.posix.normalize(vm.mountPath),
      readOnly: !!vm.readOnly,
      isFile: fs.statSync(source).isFile(),
    });
  }
  return out;
}

/**
 * Make sure every mount target that lies on the host filesystem exists there.
 * Targets below another mount of the same container are created by the setup
 * script inside that mount instead. Returns the host paths this created.
 */
export function ensureHostMountpoints(entries: MountEntry[]): string[] {
  const created: string[] = [];
  const targets = entries.map((e) => e.target);
  for (const e of entries) {
    const nested = targets.some((t) => t !== e.target && (t === "/" || e.target.startsWith(t + "/")));
    if (nested || fs.existsSync(e.target)) continue;
    // Record the topmost missing component: that is what teardown removes.
    let top = e.target;
    while (!fs.existsSync(path.dirname(top))) top = path.dirname(top);
    if (e.isFile) {
      fs.mkdirSync(path.dirname(e.target), { recursive: true });
      fs.writeFileSync(e.target, "", { flag: "a" });
    } else {
      fs.mkdirSync(e.target, { recursive: true });
    }
    created.push(top);
  }
  return created;
}

/**
 * Host paths created as mount points, shared by all clusters on the machine:
 * one cluster may create /scripts and another use it, so whoever tears down
 * last removes them all. Survives a crashed runner, so a later down() still
 * finds them.
 */
const HOST_PATH_REGISTRY = "/run/mysql-local-host-paths";

export function recordHostPaths(paths: string[]): void {
  if (paths.length) fs.appendFileSync(HOST_PATH_REGISTRY, paths.map((p) => p + "\n").join(""));
}

/** Remove every recorded mount point that is still empty; call only when no cluster runs. */
export function removeRecordedHostPaths(): void {
  let text = "";
  try {
    text = fs.readFileSync(HOST_PATH_REGISTRY, "utf8");
  } catch {
    return;
  }
  removeHostMountpoints(text.split("\n").filter((p) => p.startsWith("/") && p !== "/"));
  fs.rmSync(HOST_PATH_REGISTRY, { force: true });
}

/** Remove mount points we created on the host, if they are still empty. */
function removeHostMountpoints(paths: string[]): void {
  const removeEmpty = (p: string): void => {
    let st: fs.Stats;
    try {
      st = fs.lstatSync(p);
    } catch {
      return;
    }
    if (st.isDirectory()) {
      for (const e of fs.readdirSync(p)) removeEmpty(path.join(p, e));
      try {
        fs.rmdirSync(p);
      } catch {
        /* not empty: someone put something there, keep it */
      }
    } else if (st.isFile() && st.size === 0) {
      fs.rmSync(p, { force: true });
    }
  };
  for (const p of [...new Set(paths)].sort((a, b) => b.length - a.length)) removeEmpty(p);
}
