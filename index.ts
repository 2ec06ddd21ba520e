// The stack program: stack config -> MySqlCluster -> stack outputs that
// application stacks read through a StackReference.

import * as pulumi from "@pulumi/pulumi";
import { argsFromConfig, MySqlCluster } from "./components/mysql-cluster";

const config = new pulumi.Config();
const { name, args } = argsFromConfig((key) => config.get(key));
const cluster = new MySqlCluster(name, args);

/** The write Service's fully qualified DNS name: every write goes here; it follows the primary. */
export const writeEndpoint = cluster.writeEndpoint;
/** Read Service's fully qualified DNS name: reads spread over caught-up pods. */
export const readEndpoint = cluster.readEndpoint;
export const port = cluster.port;
export const namespace = cluster.namespace;
/** Secret holding every password (keys: root-password, replication-password, ...). */
export const secretName = cluster.secretName;
export const appDatabase = cluster.appDatabase;
export const appUser = cluster.appUser;
/** Secret outputs: shown only with `pulumi stack output --show-secrets`. */
export const appPassword = cluster.appPassword;
export const rootPassword = cluster.rootPassword;
/** CA certificate that clients verify the servers with. */
export const caCertificate = cluster.caCertificate;
/** PVC holding the scheduled backups (another cluster's restoreFromClaim); undefined without backupSchedule. */
export const backupClaim = cluster.backupClaim;
