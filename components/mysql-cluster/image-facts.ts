// What the container images the pods run really contain: the commands a
// script may call in each, each fact with where it was read and when. The
// local pod runner gives a container exactly its image's confirmed commands,
// and a unit test checks every command each pod script can run against the
// image the rendered pod spec runs it in. A tool nobody has confirmed in an
// image is listed as unconfirmed and is NOT granted: a script must not need it.
// Check again when an image tag changes (IMAGE_FACTS_CHECKED).

/** When the Dockerfiles below were last read. */
export const IMAGE_FACTS_CHECKED = "2026-12-02";

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

const MYSQL_DOCKERFILE = "github.com/docker-library/mysql 8.4/Dockerfile.oracle @3447d2db (MYSQL_VERSION 8.4.10-1.el9)";
const MYSQL_ENTRYPOINT =
  "github.com/docker-library/mysql 8.4/docker-entrypoint.sh @06118821 (runs in the image on every start)";
const MARIADB_DOCKERFILE =
  "github.com/MariaDB/mariadb-docker 11.4/Dockerfile @c3bba22d (2026-05-29, MARIADB_VERSION 1:11.4.12+maria~ubu2404)";
const PXB_DOCKERFILE =
  "github.com/percona/percona-docker percona-xtrabackup-8.x/Dockerfile @fb1faaa5 (2026-07-29, XTRABACKUP_VERSION 8.4.0-6.1)";
const EXPORTER_DOCKERFILE =
  "github.com/prometheus/mysqld_exporter Dockerfile (FROM quay.io/prometheus/busybox; COPY mysqld_exporter /bin/mysqld_exporter)";

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
        source: `${MYSQL_DOCKERFILE}: its RUN steps run rm, chmod, mktemp, tee, mkdir, chown, uname; the entrypoint runs cat, date, dirname, id, ln, ls`,
      },
      {
        commands: ["grep", "sed", "awk", "find", "xargs"],
        source: `${MYSQL_DOCKERFILE}: grep -F and sed -i in a RUN step, microdnf install findutils; ${MYSQL_ENTRYPOINT}: awk (mysql_get_config), find, sed`,
      },
      {
        commands: ["mysqld", "mysql", "mysqladmin", "mysqldump", "mysql_tzinfo_to_sql"],
        source: `${MYSQL_DOCKERFILE}: mysql-community-server-minimal (mysqld --version, mysql --version); the entrypoint runs mysqladmin and mysql_tzinfo_to_sql`,
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
        why: "not installed by the Dockerfile, and oraclelinux:9-slim's package list was not read",
      },
    ],
    lacks: [
      {
        commands: ["xtrabackup", "xbstream", "socat", "ncat", "nc", "mysqlbinlog", "mysqld_safe"],
        source: `${MYSQL_DOCKERFILE} (the minimal server package); ../shared/images.md, read 2026-11`,
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
        source: `${MARIADB_DOCKERFILE}: docker-entrypoint.sh and healthcheck.sh are bash scripts (Ubuntu: bash is Essential)`,
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
        source: `${MARIADB_DOCKERFILE}: apt-get install mariadb-server (CMD ["mariadbd"])`,
      },
      { commands: ["mariadb-backup", "mbstream"], source: `${MARIADB_DOCKERFILE}: apt-get install mariadb-backup` },
      { commands: ["socat"], source: `${MARIADB_DOCKERFILE}: apt-get install socat` },
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
        why: "procps is not installed by the Dockerfile; ubuntu:noble's package list was not read",
      },
    ],
    lacks: [
      {
        commands: ["ncat", "nc", "pv", "wget"],
        source: `${MARIADB_DOCKERFILE} (wget is purged after use); ../shared/images.md, read 2026-11`,
      },
    ],
  },
  "percona/percona-xtrabackup": {
    image: "percona/percona-xtrabackup:8.4",
    base: "redhat/ubi9-minimal",
    user: "uid 1001 (USER 1001); the pods run it as 999",
    confirmed: [
      { commands: ["bash"], source: `${PXB_DOCKERFILE}: ENTRYPOINT /docker-entrypoint.sh is #!/bin/bash` },
      {
        commands: COREUTILS,
        source: `${PXB_DOCKERFILE}: its RUN steps run mktemp, rm, cp, chmod, mkdir, chown, install, uname, sha256sum`,
      },
      { commands: ["find", "xargs"], source: `${PXB_DOCKERFILE}: microdnf install findutils` },
      {
        commands: ["xtrabackup", "xbstream", "xbcloud", "xbcrypt"],
        source: `${PXB_DOCKERFILE}: percona-xtrabackup-84 (CMD ["/usr/bin/xtrabackup"])`,
      },
      { commands: ["mysql", "mysqladmin", "mysqldump"], source: `${PXB_DOCKERFILE}: percona-server-client` },
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
    lacks: [{ commands: ["ncat", "nc"], source: "../shared/images.md, read 2026-11" }],
  },
  "prom/mysqld-exporter": {
    image: "prom/mysqld-exporter",
    base: "quay.io/prometheus/busybox",
    user: "nobody",
    confirmed: [{ commands: ["mysqld_exporter"], source: EXPORTER_DOCKERFILE }],
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
