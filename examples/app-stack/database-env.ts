// How an application stack turns a mysql-cluster stack's outputs into the
// connection settings of its pods: the endpoints and user in plain values, the
// password only as a Pulumi secret and, in Kubernetes, only inside a Secret;
// the cluster's CA certificate as a file the app verifies the server with.

import * as pulumi from "@pulumi/pulumi";
import type * as k8s from "@pulumi/kubernetes";

/** The mysql-cluster stack outputs an application needs. */
export interface DatabaseConnection {
  /** The primary's DNS name: writes (and reads that must see them) go here. */
  host: pulumi.Output<string>;
  /** The read Service's DNS name: reads spread over caught-up replicas. */
  readHost: pulumi.Output<string>;
  port: pulumi.Output<number>;
  database: pulumi.Output<string>;
  user: pulumi.Output<string>;
  /** Always a Pulumi secret, whether or not the reference reports it as one. */
  password: pulumi.Output<string>;
  /** PEM of the cluster's CA: the app verifies the server's certificate (and name) with it. */
  caCertificate: pulumi.Output<string>;
}

/** Something that serves stack outputs: a pulumi.StackReference. */
export type StackOutputs = Pick<pulumi.StackReference, "getOutput" | "requireOutput">;

/** Keys of the app's Secret that become environment variables. */
export const DATABASE_ENV_KEYS = ["DB_HOST", "DB_READ_HOST", "DB_PORT", "DB_NAME", "DB_USER", "DB_PASSWORD"] as const;
/** Key of the app's Secret holding the CA certificate, mounted as a file. */
export const CA_KEY = "ca.crt";
/** Where the CA file appears in the app's container; DB_SSL_CA holds its path. */
export const CA_MOUNT_PATH = "/etc/db-tls";
export const CA_FILE = `${CA_MOUNT_PATH}/${CA_KEY}`;
const CA_VOLUME = "db-ca";

/** Reads the connection from the database stack's outputs (writeEndpoint, readEndpoint, port, appDatabase, appUser, appPassword, caCertificate). */
export function databaseConnection(stack: StackOutputs): DatabaseConnection {
  const required =
    (output: string, fix: string) =>
    (value: string | undefined): string => {
      if (value === undefined || value === null || value === "")
        throw new Error(`the database stack has no "${output}" output: ${fix}`);
      return value;
    };
  const appOutput = (output: string) =>
    required(output, "set appDatabase and appUser on it (an existingSecret cluster exports no passwords)");
  return {
    host: stack.requireOutput("writeEndpoint") as pulumi.Output<string>,
    readHost: stack.requireOutput("readEndpoint") as pulumi.Output<string>,
    port: (stack.requireOutput("port") as pulumi.Output<number | string>).apply((p) => Number(p)),
    database: (stack.getOutput("appDatabase") as pulumi.Output<string | undefined>).apply(appOutput("appDatabase")),
    user: (stack.getOutput("appUser") as pulumi.Output<string | undefined>).apply(appOutput("appUser")),
    password: pulumi
      .secret(stack.getOutput("appPassword") as pulumi.Output<string | undefined>)
      .apply(appOutput("appPassword")),
    caCertificate: (stack.getOutput("caCertificate") as pulumi.Output<string | undefined>).apply(
      required("caCertificate", "a cluster with a tlsSecret exports no CA; give the app that Secret's ca.crt instead"),
    ),
  };
}

/** The Secret's data: one environment variable per key (DB_HOST, ..., DB_PASSWORD) and the CA certificate as ca.crt. */
export function databaseSecretData(db: DatabaseConnection): Record<string, pulumi.Output<string>> {
  return {
    DB_HOST: db.host,
    DB_READ_HOST: db.readHost,
    DB_PORT: db.port.apply(String),
    DB_NAME: db.database,
    DB_USER: db.user,
    DB_PASSWORD: pulumi.secret(db.password),
    [CA_KEY]: db.caCertificate,
  };
}

/**
 * Container env that takes every connection setting from the Secret, so no
 * value sits in the pod spec, and DB_SSL_CA: the path of the CA file
 * (databaseCaVolume mounted with databaseCaVolumeMount).
 */
export function databaseEnv(secretName: pulumi.Input<string>): k8s.types.input.core.v1.EnvVar[] {
  return [
    ...DATABASE_ENV_KEYS.map((key) => ({ name: key, valueFrom: { secretKeyRef: { name: secretName, key } } })),
    { name: "DB_SSL_CA", value: CA_FILE },
  ];
}

/** A volume with the Secret's ca.crt only: the password never becomes a file. */
export function databaseCaVolume(secretName: pulumi.Input<string>): k8s.types.input.core.v1.Volume {
  return { name: CA_VOLUME, secret: { secretName, items: [{ key: CA_KEY, path: CA_KEY }], defaultMode: 0o444 } };
}

export const databaseCaVolumeMount: k8s.types.input.core.v1.VolumeMount = {
  name: CA_VOLUME,
  mountPath: CA_MOUNT_PATH,
  readOnly: true,
};
