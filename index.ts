// The stack program: stack config -> MySqlCluster -> stack outputs that
// application stacks read through a StackReference.

import * as pulumi from "@pulumi/pulumi";
import { argsFromConfig, MySqlCluster } from "./components/mysql-cluster";

const config = new pulumi.Config();
// Every key of the stack, so that a misspelt or foreign key is an error rather than silently ignored.
// The project's name is the namespace of its keys, whatever Pulumi.yaml names it.
const { name, args } = argsFromConfig(
  (key) => config.get(key),
  Object.keys(pulumi.runtime.allConfig()),
  pulumi.getProject(),
);
const cluster = new MySqlCluster(name, args);

/** The write Service's fully qualified DNS name: every write goes here; it follows the primary. */
export const writeEndpoint = cluster.writeEndpoint;
/** Read Service's fully qualified DNS name: reads spread over caught-up pods. */
export const readEndpoint = cluster.readEndpoint;
export const port = cluster.port;
export const namespace = cluster.namespace;
/** Secret holding every password (keys: root-password, replication-password, ...); admins read root's from it with kubectl. */
export const secretName = cluster.secretName;
export const appDatabase = cluster.appDatabase;
export const appUser = cluster.appUser;
/**
 * The application's password, a secret output. The root password is deliberately
 * not an output: every stack allowed to reference this one could read it.
 */
export const appPassword = cluster.appPassword;
/** CA certificate that clients verify the servers with. */
export const caCertificate = cluster.caCertificate;
/** PVC holding the scheduled backups (another cluster's restoreFromClaim); undefined without backupSchedule. */
export const backupClaim = cluster.backupClaim;
/** The Lease whose holder is the primary: `kubectl get lease <primaryLease>` says where it is now. */
export const primaryLease = cluster.primaryLease;
/** The primary pod as of this stack's last read of the Lease (`pulumi refresh` after a failover). */
export const primaryPod = cluster.primaryPod;
