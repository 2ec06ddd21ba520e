// Example application stack: reads a mysql-cluster stack's outputs through a
// StackReference and runs an application whose pods get the connection
// settings from a Secret (the password never appears in the Deployment) and
// the cluster's CA certificate as a file (DB_SSL_CA), to verify the server.

import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import {
  databaseCaVolume,
  databaseCaVolumeMount,
  databaseConnection,
  databaseEnv,
  databaseSecretData,
} from "./database-env";

const config = new pulumi.Config();
const namespace = config.get("namespace") ?? "default";
const image = config.get("image") ?? "ghcr.io/example/shop:1.0";
const replicas = config.getNumber("replicas") ?? 2;

const database = new pulumi.StackReference(config.require("databaseStack"));
const db = databaseConnection(database);

const labels = { "app.kubernetes.io/name": "shop" };

const dbSecret = new k8s.core.v1.Secret("shop-db", {
  metadata: { namespace, labels },
  type: "Opaque",
  stringData: databaseSecretData(db),
});

const deployment = new k8s.apps.v1.Deployment("shop", {
  metadata: { namespace, labels },
  spec: {
    replicas,
    selector: { matchLabels: labels },
    template: {
      metadata: { labels },
      spec: {
        securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
        containers: [
          {
            name: "shop",
            image,
            env: databaseEnv(dbSecret.metadata.name),
            volumeMounts: [databaseCaVolumeMount],
            securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
          },
        ],
        volumes: [databaseCaVolume(dbSecret.metadata.name)],
      },
    },
  },
});

export const databaseHost = db.host;
export const databaseReadHost = db.readHost;
export const secretName = dbSecret.metadata.name;
export const deploymentName = deployment.metadata.name;
