// Kubernetes object shapes the builders return: the Pulumi provider's input
// types, filled with plain values only, so the same objects feed Pulumi
// resources, `npm run render` and the local pod runner.

import * as k8s from "@pulumi/kubernetes";

/** Any object of the render list (render.ts): every builder's result is one. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; labels?: unknown; annotations?: unknown };
}

type Named = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; labels: Record<string, string> };
};

export type ConfigMapObject = k8s.types.input.core.v1.ConfigMap & Named & { data: Record<string, string> };
export type ServiceObject = k8s.types.input.core.v1.Service & Named;
export type StatefulSetObject = k8s.types.input.apps.v1.StatefulSet & Named;
export type ContainerObject = k8s.types.input.core.v1.Container;
export type EnvVarObject = k8s.types.input.core.v1.EnvVar;
export type SecretObject<V> = Named & {
  apiVersion: "v1";
  kind: "Secret";
  type: "Opaque";
  stringData: Record<string, V>;
};
