// How an application stack turns a mysql-cluster stack's outputs into the
// connection settings of its pods: the endpoints and user in plain values, the
// password only as a Pulumi secret and, in Kubernetes, only inside a Secret.

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
}

/** Something that serves stack outputs: a pulumi.StackReference. */
export type StackOutputs = Pick<pulumi.StackReference, "getOutput" | "requireOutput">;

/** Reads the connection from the database stack's outputs (writeEndpoint, readEndpoint, port, appDatabase, appUser, appPassword). */
export function databaseConnection(stack: StackOutputs): DatabaseConnection {
  const required = (output: string) => (value: string | undefined): string => {
    if (value === undefined || value === null || value === "") {
      throw new Error(`the database stack has no "${output}" output: set appDatabase and appUser on it (an existingSecret cluster exports no passwords)`);
    }
    return value;
  };
  return {
    host: stack.requireOutput("writeEndpoint") as pulumi.Output<string>,
    readHost: stack.requireOutput("readEndpoint") as pulumi.Output<string>,
    port: (stack.requireOutput("port") as pulumi.Output<number | string>).apply((p) => Number(p)),
    database: (stack.getOutput("appDatabase") as pulumi.Output<string | undefined>).apply(required("appDatabase")),
    user: (stack.getOutput("appUser") as pulumi.Output<string | undefined>).apply(required("appUser")),
    password: pulumi.secret(stack.getOutput("appPassword") as pulumi.Output<string | undefined>).apply(required("appPassword")),
  };
}

/** The Secret's data: one environment variable per key (DB_HOST, ..., DB_PASSWORD). */
export function databaseSecretData(db: DatabaseConnection): Record<string, pulumi.Output<string>> {
  return {
    DB_HOST: db.host,
    DB_READ_HOST: db.readHost,
    DB_PORT: db.port.apply(String),
    DB_NAME: db.database,
    DB_USER: db.user,
    DB_PASSWORD: pulumi.secret(db.password),
  };
}

/** Container env that takes every connection setting from the Secret, so no value sits in the pod spec. */
export function databaseEnv(secretName: pulumi.Input<string>): k8s.types.input.core.v1.EnvVar[] {
  return ["DB_HOST", "DB_READ_HOST", "DB_PORT", "DB_NAME", "DB_USER", "DB_PASSWORD"].map((key) => ({
    name: key,
    valueFrom: { secretKeyRef: { name: secretName, key } },
  }));
}
