// Stand-ins for container images. There is no container runtime here, so a
// container runs host binaries, but it may only *find* the commands its real
// image ships: PATH points at a per-image dir of symlinks to an allowlist. A
// script that calls a tool the image lacks then fails here ("command not
// found") instead of in production. The allowlists are the confirmed facts of
// components/mysql-cluster/image-facts.ts. Each image also gets the few filesystem
// paths that differ between the image and this host (its /etc/mysql, a private
// /run/mysqld, /var/lib/mysql and /tmp), so pods never share host state.
import * as fs from "fs";
import * as path from "path";
import { IMAGE_FACTS, confirmedCommands } from "../components/mysql-cluster/image-facts";
import { imageRepository } from "./k8s";
import { HOST_PATH } from "./sh";

/**
 * Commands per image repository (tag and registry ignored): exactly the ones
 * components/mysql-cluster/image-facts.ts confirms in the real image, nothing
 * granted "to be safe". A confirmed command this host has no stand-in for
 * (gosu, mysqlsh...) is simply absent; hostPackagesMissing() names the
 * packages for the ones the runner needs.
 */
export const IMAGE_COMMANDS: Record<string, string[]> = Object.fromEntries(
  Object.keys(IMAGE_FACTS).map((repo) => [repo, [...(confirmedCommands(repo) ?? [])]]),
);

/** Image command -> host binary, where Debian names the same program differently. */
const HOST_NAMES: Record<string, string> = { mysqld_exporter: "prometheus-mysqld-exporter" };

/**
 * The Debian package that stands in for each command the pods run, per image.
 * null: Debian has no package for it (MySQL 8.4, XtraBackup 8.4), so that
 * image cannot be stood in for here.
 */
const STAND_INS: Record<string, Record<string, string | null>> = {
  mariadb: {
    bash: "bash",
    cat: "coreutils",
    socat: "socat",
    mariadbd: "mariadb-server",
    "mariadb-install-db": "mariadb-server",
    mariadb: "mariadb-client",
    "mariadb-admin": "mariadb-client",
    "mariadb-backup": "mariadb-backup",
    mbstream: "mariadb-backup",
    sha1sum: "coreutils",
    sha256sum: "coreutils",
    tar: "tar",
  },
  mysql: { bash: "bash", mysqld: null, mysql: null, mysqladmin: null },
  "percona/percona-xtrabackup": { bash: "bash", socat: "socat", xtrabackup: null, xbstream: null, mysql: null },
  "prom/mysqld-exporter": { mysqld_exporter: "prometheus-mysqld-exporter" },
  // Debian's rclone 1.60 (dynamically linked; the image's 1.75 is static, which the runner cannot
  // tell apart: its containers share the host's libraries). The `tools` init container copies it.
  "rclone/rclone": { rclone: "rclone", cp: "coreutils" },
};

/**
 * What this host lacks to stand in for `images`: one line per missing Debian
 * package (with the commands it would provide), or per image Debian cannot
 * stand in for at all. Empty when everything is there.
 */
export function hostPackagesMissing(images: string[], hostPath = HOST_PATH): string[] {
  const packages = new Map<string, Set<string>>();
  const impossible = new Map<string, Set<string>>();
  for (const image of new Set(images)) {
    const repo = imageRepository(image);
    commandsForImage(image);
    for (const [cmd, pkg] of Object.entries(STAND_INS[repo] ?? {})) {
      // null: whatever the host has under that name (MariaDB's mysqld/mysql compatibility links) is not that program.
      if (pkg !== null && hostBinary(HOST_NAMES[cmd] ?? cmd, hostPath)) continue;
      const into = pkg === null ? impossible : packages;
      const key = pkg ?? image;
      if (!into.has(key)) into.set(key, new Set());
      into.get(key)?.add(cmd);
    }
  }
  return [
    ...[...packages].map(([pkg, cmds]) => `Debian package ${pkg} (for ${[...cmds].join(", ")})`),
    ...[...impossible].map(
      ([image, cmds]) => `${image}: no Debian package provides ${[...cmds].join(", ")}; this image cannot run here`,
    ),
  ];
}

export function commandsForImage(image: string): string[] {
  const repo = imageRepository(image);
  const cmds = IMAGE_COMMANDS[repo];
  if (!cmds) {
    throw new Error(`image ${image} has no local stand-in (known: ${Object.keys(IMAGE_COMMANDS).join(", ")})`);
  }
  return cmds;
}

function hostBinary(cmd: string, hostPath = HOST_PATH): string | undefined {
  for (const dir of hostPath.split(":")) {
    const p = path.join(dir, cmd);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      if (fs.statSync(p).isFile()) return p;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

/**
 * Where the image's command dir is mounted inside the container, and the
 * container's whole PATH. /usr/local/bin exists on every Debian host, so it
 * needs no mount point of ours, and it is not under /tmp (shadowed per
 * container).
 */
export const CONTAINER_PATH = "/usr/local/bin";

export interface ImageLayout {
  /** Host dir of symlinks; mounted at CONTAINER_PATH, the only PATH entry a container gets. */
  binDir: string;
  /** Read-only paths shared by all containers of the image: container path -> host dir. */
  sharedDirs: Record<string, string>;
  /** Paths every container gets a fresh private writable copy of (its "writable layer"). */
  privateDirs: { path: string; mode: number; mysqlOwned: boolean }[];
}

/** Build (once per workDir) the bin dir and config tree of an image. */
export function prepareImage(workDir: string, image: string): ImageLayout {
  const repo = imageRepository(image);
  const cmds = commandsForImage(image);
  const root = path.join(workDir, "images", repo.replace(/\//g, "_"));
  const binDir = path.join(root, "bin");
  if (!fs.existsSync(binDir)) {
    fs.mkdirSync(binDir, { recursive: true, mode: 0o755 });
    for (const cmd of cmds) {
      const target = hostBinary(HOST_NAMES[cmd] ?? cmd);
      if (target) fs.symlinkSync(target, path.join(binDir, cmd));
    }
  }
  const sharedDirs: Record<string, string> = {};
  if (repo === "mariadb") sharedDirs["/etc/mysql"] = mariadbEtc(root);
  return {
    binDir,
    sharedDirs,
    privateDirs: [
      { path: "/tmp", mode: 0o1777, mysqlOwned: false },
      // The official images create these owned by mysql; /run/mysqld is 1777 there.
      { path: "/run/mysqld", mode: 0o1777, mysqlOwned: true },
      { path: "/var/lib/mysql", mode: 0o755, mysqlOwned: true },
    ],
  };
}

/**
 * The official mariadb image's /etc/mysql: the distribution config with the
 * edits its Dockerfile makes (bind-address/log/user commented out, name
 * resolution off). Copied from the host's Debian package, which is the same
 * layout.
 */
function mariadbEtc(root: string): string {
  const dir = path.join(root, "etc-mysql");
  if (fs.existsSync(dir)) return dir;
  fs.cpSync("/etc/mysql", dir, { recursive: true, dereference: true });
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".cnf")) {
        const text = fs.readFileSync(p, "utf8");
        fs.writeFileSync(p, text.replace(/^(bind-address|log|user\s)/gm, "#$1"));
      }
    }
  };
  walk(dir);
  fs.mkdirSync(path.join(dir, "mariadb.conf.d"), { recursive: true });
  fs.writeFileSync(
    path.join(dir, "mariadb.conf.d", "05-skipcache.cnf"),
    "[mariadb]\nhost-cache-size=0\nskip-name-resolve\n",
  );
  return dir;
}
