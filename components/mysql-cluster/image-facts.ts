// What the container images the pods run really contain: the commands a
// script may call in each, each fact with where it was read and when. The
// local pod runner gives a container exactly its image's confirmed commands,
// and a unit test checks every command each pod script can run against the
// image the rendered pod spec runs it in. A tool nobody has confirmed in an
// image is listed as unconfirmed and is NOT granted: a script must not need it.
// Every fact cites the file it was read from: repository, path, commit, the
// tag that commit builds (and how that is known) and the day it was read.
// Check again when an image tag changes (IMAGE_FACTS_CHECKED).

/** When the sources below were last read. */
export const IMAGE_FACTS_CHECKED = "2026-12-03";

/** A file read for the facts, at one commit. */
export interface SourceFile {
  /** GitHub owner/name. */
  repo: string;
  path: string;
  /** The commit read, and its date. */
  commit: string;
  committed: string;
  /** The image tag this file builds, and what says so. */
  tag: string;
  /** When it was read. */
  read: string;
}

/** How a fact names its source: "github.com/<repo> <path> @<commit> (<date>; <tag>; read <day>)". */
export function cite(file: SourceFile): string {
  return `github.com/${file.repo} ${file.path} @${file.commit} (${file.committed}; ${file.tag}; read ${file.read})`;
}

export interface CommandFact {
  commands: string[];
  /** Where this was read: a repository path at a commit, or a page. */
  source: string;
}

export interface ImageFacts {
  /** The image reference the project uses (flavors.ts, args.ts). */
  image: string;
  base: string;
  user: string;
  confirmed: CommandFact[];
  /** Might be there, but nothing read says so: not granted. */
  unconfirmed: { commands: string[]; why: string }[];
  /** Known to be absent. */
  lacks: CommandFact[];
}

/**
 * The GNU coreutils commands the scripts and the runner's own tests use. One
 * package (coreutils, or coreutils-single on EL 9 minimal images) provides
 * all of them, so an image whose own build or entrypoint runs coreutils
 * commands has these.
 */
const COREUTILS = (
  "cat cp mv rm mkdir rmdir ls ln chmod chown touch sleep date echo printf test [ true false head tail wc tr cut sort " +
  "uniq tee basename dirname readlink realpath stat du df id timeout mktemp sync seq expr od sha1sum sha256sum md5sum env nproc uname install"
).split(" ");

/** The files of one repository, read on IMAGE_FACTS_CHECKED for the image tag `tag` builds. */
function filesOf(repo: string, tag: string) {
  return (path: string, commit: string, committed: string, about = "") =>
    cite({ repo, path, commit, committed, tag: about ? `${tag}; ${about}` : tag, read: IMAGE_FACTS_CHECKED });
}

// docker-library/official-images library/mysql @37079fb3 (2026-08-21) builds "8.4" (8.4.11) from
// docker-library/mysql @01f90d87 8.4/Dockerfile.oracle; that commit is newer than the snapshot that
// could be read, so master @99f090f (8.4.10) was read: its version bumps are the only kind of change
// between the two in the repository's history of this file. (An earlier citation, @3447d2db, was a
// pull request's branch, never built.)
const mysqlFile = filesOf(
  "docker-library/mysql",
  "tag 8.4 is built from 8.4/ per official-images library/mysql @37079fb3",
);
const MYSQL_DOCKERFILE = mysqlFile("8.4/Dockerfile.oracle", "99f090f", "2026-06-16, MYSQL_VERSION 8.4.10-1.el9");
const MYSQL_ENTRYPOINT = mysqlFile("8.4/docker-entrypoint.sh", "6ea5fc5", "2026-04-22", "runs on every start");
/** What Oracle's packaging removes from mysql-community-server-minimal ("Removing some tools"). */
const MYSQL_MINIMAL_SPEC = filesOf("mysql/mysql-server", "no tag: the package the tag 8.4's Dockerfile installs")(
  "packaging/rpm-docker/mysql.spec.in",
  "00ab1e0",
  "a 2017 (8.0) version, the newest stored: the 8.4 branch's could not be read here",
);
const mariadbFile = filesOf("MariaDB/mariadb-docker", "tag 11.4 per official-images library/mariadb @37079fb3");
const MARIADB_DOCKERFILE = mariadbFile(
  "11.4/Dockerfile",
  "53935c7",
  "2026-05-29, MARIADB_VERSION 1:11.4.12+maria~ubu2404",
);
const MARIADB_ENTRYPOINT = mariadbFile("11.4/docker-entrypoint.sh and 11.4/healthcheck.sh", "53935c7", "2026-05-29");
// percona/percona-xtrabackup is Percona's own Docker Hub repository, not an official image: no
// library file maps its tags to commits. percona-xtrabackup-8.x/ is the directory whose
// XTRABACKUP_VERSION is 8.4; main @5c654083 (2026-08-20) has it unchanged since fb1faaa5.
const pxbFile = filesOf(
  "percona/percona-docker",
  "tag 8.4: XTRABACKUP_VERSION 8.4.0-6.1; Percona publishes no tag-to-commit map",
);
const PXB_DOCKERFILE = pxbFile("percona-xtrabackup-8.x/Dockerfile", "fb1faaa5", "2026-07-29");
const PXB_ENTRYPOINT = pxbFile(
  "percona-xtrabackup-8.x/pxb-entry.sh",
  "fb1faaa5",
  "2026-07-29",
  "COPY'd as /docker-entrypoint.sh",
);
const EXPORTER_DOCKERFILE = filesOf("prometheus/mysqld_exporter", "tag v0.16.0 (the exporterImage default)")(
  "Dockerfile",
  "c366424",
  "2024-11-08",
);

// rclone/rclone: tag 1.75 (the storeToolImage default) is pushed by rclone's own release workflow
// for git tag v1.75.0 (.github/workflows/build_publish_docker_image.yml, docker/metadata-action
// "type=semver,pattern={{major}}.{{minor}}"), built from the Dockerfile at that tag.
const rcloneFile = filesOf("rclone/rclone", "tag 1.75 per .github/workflows/build_publish_docker_image.yml at v1.75.0");
const RCLONE_DOCKERFILE = rcloneFile("Dockerfile", "9ee9d0a", "2026-07-31, git tag v1.75.0");
const RCLONE_MAKEFILE = rcloneFile("Makefile", "9ee9d0a", "2026-07-31, git tag v1.75.0", "the Dockerfile's `make`");
/** Alpine's busybox build configuration: which applets /bin/busybox has (Alpine links each to it). */
const ALPINE_BUSYBOX = filesOf("alpinelinux/aports", "alpine:latest, the rclone image's final stage")(
  "main/busybox/busyboxconfig",
  "05253d2",
  "busybox 1.27.2's configuration, the version stored here; cp, the only applet used, is in every later one",
);

/** By image repository (registry and tag ignored, see imageRepository in the runner). */
export const IMAGE_FACTS: Record<string, ImageFacts> = {
  mysql: {
    image: "mysql:8.4",
    base: "oraclelinux:9-slim",
    user: "mysql, uid/gid 999",
    confirmed: [
      { commands: ["bash"], source: `${MYSQL_ENTRYPOINT}: #!/usr/bin/env bash` },
      {
        commands: COREUTILS,
        source: `${MYSQL_DOCKERFILE}: its RUN steps run rm, chmod, mktemp, tee, mkdir, chown, uname; ${MYSQL_ENTRYPOINT}: runs cat, date, dirname, id, ln, ls`,
      },
      {
        commands: ["grep", "sed", "awk", "find", "xargs"],
        source: `${MYSQL_DOCKERFILE}: grep -F and sed -i in a RUN step, microdnf install findutils; ${MYSQL_ENTRYPOINT}: awk (mysql_get_config), find, sed`,
      },
      {
        commands: ["mysqld", "mysql", "mysqladmin", "mysqldump", "mysql_tzinfo_to_sql"],
        source: `${MYSQL_DOCKERFILE}: mysql-community-server-minimal (mysqld --version, mysql --version); ${MYSQL_ENTRYPOINT}: mysqladmin shutdown, mysql_tzinfo_to_sql; ${MYSQL_MINIMAL_SPEC}: %files lists mysqldump`,
      },
      { commands: ["mysqlsh"], source: `${MYSQL_DOCKERFILE}: mysql-shell` },
      {
        commands: ["openssl", "gzip", "gunzip", "bzip2", "bunzip2", "xz", "xzcat", "zstd"],
        source: `${MYSQL_DOCKERFILE}: microdnf install bzip2 gzip openssl xz zstd`,
      },
      { commands: ["gosu"], source: `${MYSQL_DOCKERFILE}: /usr/local/bin/gosu` },
    ],
    unconfirmed: [
      {
        commands: ["hostname", "ps", "tar"],
        why: "not installed by the Dockerfile; oraclelinux:9-slim's package list was not read (its root filesystem is a tarball in oracle/container-images, no list)",
      },
    ],
    lacks: [
      {
        commands: ["mysqlbinlog", "mysqld_safe"],
        source: `${MYSQL_MINIMAL_SPEC}: "Removing some tools" deletes both from the minimal server package`,
      },
      {
        commands: ["xtrabackup", "xbstream", "socat", "ncat", "nc"],
        source: `${MYSQL_DOCKERFILE}: no package installed provides them (Percona's and networking tools); oraclelinux:9-slim's own package list was not read`,
      },
    ],
  },
  mariadb: {
    image: "mariadb:11.4",
    base: "ubuntu:noble",
    user: "mysql, uid/gid 999",
    confirmed: [
      {
        commands: ["bash"],
        source: `${MARIADB_ENTRYPOINT}: both begin #!/bin/bash (and bash is Essential in Ubuntu)`,
      },
      {
        commands: COREUTILS,
        source: `${MARIADB_DOCKERFILE}: its RUN steps run rm, chmod, mkdir, chown, touch (Ubuntu: coreutils is Essential)`,
      },
      {
        commands: ["awk", "grep", "sed", "find", "xargs"],
        source: `${MARIADB_DOCKERFILE}: dpkg --print-architecture | awk -F-, find /etc/mysql | xargs grep -lZE | xargs sed -Ei`,
      },
      {
        commands: [
          "mariadbd",
          "mariadb",
          "mariadb-admin",
          "mariadb-dump",
          "mariadb-install-db",
          "my_print_defaults",
          "resolveip",
        ],
        source: `${MARIADB_DOCKERFILE}: apt-get install mariadb-server (CMD ["mariadbd"]); ${MARIADB_ENTRYPOINT}: runs mariadb, mariadb-admin, mariadb-dump, mariadb-install-db, my_print_defaults, mariadb-upgrade; resolveip from the same package's file list (mariadb-server-core, as Debian's on this host ships it)`,
      },
      { commands: ["mariadb-backup", "mbstream"], source: `${MARIADB_DOCKERFILE}: apt-get install mariadb-backup` },
      { commands: ["socat"], source: `${MARIADB_DOCKERFILE}: apt-get install socat` },
      {
        commands: ["tar"],
        source: `${MARIADB_DOCKERFILE}: FROM ubuntu:noble; tar is an Essential package (Essential: yes, Priority: required) in Ubuntu and Debian, so every Ubuntu image has it`,
      },
      {
        commands: ["zstd", "xz", "pwgen", "gpg", "gosu"],
        source: `${MARIADB_DOCKERFILE}: apt-get install xz-utils zstd pwgen gpg; /usr/local/bin/gosu`,
      },
    ],
    unconfirmed: [
      {
        commands: ["mysql", "mysqladmin", "mysqld", "mysqldump"],
        why: "since 11.0 the mysql* names are in the mariadb-*-compat packages, which the Dockerfile does not install by name",
      },
      {
        commands: ["ps", "hostname"],
        why: "procps is not installed by the Dockerfile; ubuntu:noble's package list was not read (its root filesystem is built in Launchpad's cloud-images, which could not be read here)",
      },
    ],
    lacks: [
      {
        commands: ["wget"],
        source: `${MARIADB_DOCKERFILE}: installed only for gosu's download, then apt-get purge --auto-remove`,
      },
      {
        commands: ["ncat", "nc", "pv"],
        source: `${MARIADB_DOCKERFILE}: no package installed provides them; ubuntu:noble's own package list was not read`,
      },
    ],
  },
  "percona/percona-xtrabackup": {
    image: "percona/percona-xtrabackup:8.4",
    base: "redhat/ubi9-minimal",
    user: "uid 1001 (USER 1001); the pods run it as 999",
    confirmed: [
      { commands: ["bash"], source: `${PXB_ENTRYPOINT}: #!/bin/bash, the image's ENTRYPOINT` },
      {
        commands: COREUTILS,
        source: `${PXB_DOCKERFILE}: its RUN steps run mktemp, rm, cp, chmod, mkdir, chown, install, uname, sha256sum`,
      },
      { commands: ["find", "xargs"], source: `${PXB_DOCKERFILE}: microdnf install findutils` },
      {
        commands: ["xtrabackup", "xbstream", "xbcloud", "xbcrypt"],
        source: `${PXB_DOCKERFILE}: microdnf install percona-xtrabackup-84 (CMD ["/usr/bin/xtrabackup"])`,
      },
      {
        commands: ["mysql", "mysqladmin", "mysqldump"],
        source: `${PXB_DOCKERFILE}: microdnf install percona-server-client`,
      },
      {
        commands: ["socat", "hostname", "jq", "ps", "pgrep", "qpress", "lz4", "zstd", "tar", "unzip"],
        source: `${PXB_DOCKERFILE}: microdnf install socat hostname jq procps-ng qpress lz4 zstd tar unzip`,
      },
    ],
    unconfirmed: [
      {
        commands: ["awk", "sed", "grep"],
        why: "UBI 9 minimal leaves out 'some shell utilities' (Red Hat, Building, running and managing containers, 'Understanding the UBI minimal images'); no step of the Dockerfile installs or runs them",
      },
    ],
    lacks: [
      {
        commands: ["ncat", "nc"],
        source: `${PXB_DOCKERFILE}: no package installed provides them (socat is what it installs); ubi9-minimal's own package list was not read`,
      },
    ],
  },
  "rclone/rclone": {
    image: "rclone/rclone:1.75",
    base: "alpine:latest (final stage); the binary is built in golang:alpine",
    user: "root (no USER; the Dockerfile adds user rclone, uid 1009, unused); the pods run it as 999",
    confirmed: [
      {
        commands: ["rclone"],
        source:
          `${RCLONE_DOCKERFILE}: COPY --from=builder (the built rclone) /usr/local/bin/, ENTRYPOINT ["rclone"]; built by ` +
          `\`make\` under ARG CGO_ENABLED=0 (${RCLONE_MAKEFILE}: go build), so a static binary that runs in any Linux image of the same architecture`,
      },
      {
        commands: ["sh", "cp"],
        source: `${RCLONE_DOCKERFILE}: FROM alpine:latest, whose RUN steps use /bin/sh (adduser -s /bin/sh); ${ALPINE_BUSYBOX}: CONFIG_CP=y`,
      },
    ],
    unconfirmed: [],
    lacks: [
      {
        commands: ["bash"],
        source: `${RCLONE_DOCKERFILE}: bash is installed only in the builder stage (apk add make bash gawk git), not in the final image`,
      },
    ],
  },
  "prom/mysqld-exporter": {
    image: "prom/mysqld-exporter:v0.16.0",
    base: "quay.io/prometheus/busybox-linux-<arch>:latest",
    user: "nobody",
    confirmed: [
      { commands: ["mysqld_exporter"], source: `${EXPORTER_DOCKERFILE}: COPY mysqld_exporter /bin/mysqld_exporter` },
    ],
    unconfirmed: [
      {
        commands: ["sh"],
        why: "busybox applets: the set in quay.io/prometheus/busybox was not read, and the pods start only mysqld_exporter",
      },
    ],
    lacks: [],
  },
};

/** The commands confirmed in the image of this repository, or undefined for an image without facts. */
export function confirmedCommands(repository: string): Set<string> | undefined {
  const facts = IMAGE_FACTS[repository];
  return facts && new Set(facts.confirmed.flatMap((f) => f.commands));
}

/** The fact that confirms `command` in the image of `repository`, for messages. */
export function unconfirmedReason(repository: string, command: string): string {
  const facts = IMAGE_FACTS[repository];
  const u = facts?.unconfirmed.find((x) => x.commands.includes(command));
  if (u) return `unconfirmed in ${facts.image}: ${u.why}`;
  const l = facts?.lacks.find((x) => x.commands.includes(command));
  if (l) return `${facts.image} lacks it (${l.source})`;
  return `not among ${facts?.image ?? repository}'s confirmed commands (components/mysql-cluster/image-facts.ts)`;
}
