// The object store's pieces of a pod (issue 17): the `tools` init container
// that copies rclone's static binary out of its own image into a memory-backed
// emptyDir, the user's backupStoreSecret as a volume mounted only into the
// container that uploads or restores, and the store's address as environment.
// The scripts configure rclone from these inside the process (store-lib.sh
// store_setup): no credential reaches a command line or the pod spec.

import { ResolvedArgs } from "../args";
import { MOUNTS, TOOLS_CA_BUNDLE } from "../contract";
import { containerSecurity } from "./pod-parts";
import { ContainerObject, EnvVarObject } from "./types";

/** Where the rclone image keeps its binary (image-facts.ts, rclone/rclone: COPY ... /usr/local/bin/). */
export const STORE_TOOL_BINARY = "/usr/local/bin/rclone";
/**
 * The rclone image's CA bundle: its final stage runs `apk add --no-cache ca-certificates`
 * (rclone's Dockerfile), which Alpine installs at this path. rclone is a Go binary and
 * verifies https with the bundle SSL_CERT_FILE names: copied with it, an https endpoint
 * is verified the same way in the server and backup images, whatever bundle they carry.
 */
export const STORE_TOOL_CA_BUNDLE = `/etc/ssl/certs/${TOOLS_CA_BUNDLE}`; // cp keeps the name: TOOLS_DIR/TOOLS_CA_BUNDLE

/** Whether scheduled backups upload to the object store. */
export function backupsToStore(args: ResolvedArgs): boolean {
  return args.backupSchedule !== undefined && args.backupTarget !== "claim";
}

/**
 * Whether the primary archives its binary logs to the object store (archive-binlogs.sh, started by
 * the sidecar): whenever backups go there. The sidecar then holds the store's Secret and rclone.
 */
export function archivesBinlogs(args: ResolvedArgs): boolean {
  return backupsToStore(args);
}

/** The archiver's environment: the store's address, the cluster's prefix and the recovery point bound. */
export function archiveEnv(args: ResolvedArgs): EnvVarObject[] {
  return [
    ...storeEnv(args, { name: "STORE_PREFIX", value: storePrefixOf(args) }),
    { name: "BINLOG_ARCHIVE_MAX_AGE", value: String(args.binlogArchiveMaxAgeSeconds) },
  ];
}

/** Whether scheduled backups are kept on the backup PVC. */
export function backupsToClaim(args: ResolvedArgs): boolean {
  return args.backupSchedule !== undefined && args.backupTarget !== "store";
}

/** The init container that copies rclone and its CA bundle into the `tools` volume; cp is busybox's in that image. */
export function toolsInitContainer(args: ResolvedArgs): ContainerObject {
  return {
    name: "tools",
    image: args.storeToolImage,
    command: ["cp", STORE_TOOL_BINARY, STORE_TOOL_CA_BUNDLE, `${MOUNTS.tools}/`],
    volumeMounts: [{ name: "tools", mountPath: MOUNTS.tools, readOnly: false }],
    // The copy lands in a memory-backed volume: its pages (the binary, about 70 MB) count against this limit.
    resources: { requests: { cpu: "10m", memory: "64Mi" }, limits: { memory: "256Mi" } },
    securityContext: containerSecurity,
  };
}

/** The mounts of a container that uses the store: the binary (read-only) and the Secret. */
export const STORE_MOUNTS = [
  { name: "tools", mountPath: MOUNTS.tools, readOnly: true },
  { name: "store-secret", mountPath: MOUNTS["store-secret"], readOnly: true },
];

/** The volumes those mounts need. Memory-backed tools: nothing of it outlives the pod. */
export function storeVolumes(args: ResolvedArgs) {
  return [
    { name: "tools", emptyDir: { medium: "Memory", sizeLimit: "256Mi" } },
    // The whole Secret: a missing key is named by the script (store_setup), not a mount error.
    { name: "store-secret", secret: { secretName: args.backupStoreSecret!, defaultMode: 0o440 } },
  ];
}

/** The store's address; `prefix` is the path the container works under (its own, or the one it restores from). */
export function storeEnv(args: ResolvedArgs, prefix: { name: string; value: string }): EnvVarObject[] {
  return [
    { name: "STORE_ENDPOINT", value: args.backupStoreEndpoint! },
    { name: "STORE_BUCKET", value: args.backupStoreBucket! },
    { name: "STORE_REGION", value: args.backupStoreRegion },
    prefix,
  ];
}

/** The prefix a cluster's backups go under: backupStorePrefix, or its name. */
export function storePrefixOf(args: ResolvedArgs): string {
  return args.backupStorePrefix ?? args.name;
}
