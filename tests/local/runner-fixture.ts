// A small hand-made StatefulSet for testing the local runner itself (not the
// MySQL component): bash scripts from a ConfigMap, socat serving the pod's
// name, a readiness probe the test can flip, a PVC, an emptyDir, a Secret, and
// optionally PersistentVolumeClaim objects (one of them mounted at /shared).
/* eslint-disable @typescript-eslint/no-explicit-any */

const INIT = `set -eu
if [ -n "\${FAIL_ONCE:-}" ] && [ ! -e /data/failed-once ]; then touch /data/failed-once; echo "failing on purpose"; exit 3; fi
n=$(cat /data/boot-count 2>/dev/null || echo 0)
echo $((n + 1)) > /data/boot-count
if [ -e /work/marker ]; then echo "emptyDir survived"; fi
echo "init on $HOSTNAME boot $((n + 1)) as $(id -un)"
`;

const SERVE = `set -eu
echo "serving $POD_NAME on $POD_IP"
exec socat TCP-LISTEN:8080,fork,reuseaddr SYSTEM:'echo $POD_NAME'
`;

export interface FixtureOptions {
  replicas?: number;
  /** Extra env entries for the server container. */
  env?: any[];
  podManagementPolicy?: "OrderedReady" | "Parallel";
  annotations?: Record<string, string>;
  /** The init container fails its first run (per PVC). */
  initFailsOnce?: boolean;
  /** The data volumeClaimTemplate's size. Default 64Mi. */
  storage?: string;
  /** PersistentVolumeClaim objects to render: name -> requested size. */
  claims?: Record<string, string>;
  /** A claim (among `claims`) the server mounts at /shared. */
  sharedClaim?: string;
  /** The Secret's token (mounted at /etc/web-secret/token). Default "tok". */
  token?: string;
  /** Appended to serve.sh in the scripts ConfigMap (mounted whole at /scripts and by subPath at /opt/web/serve.sh). */
  serveComment?: string;
}

export function runnerFixture(o: FixtureOptions = {}): any[] {
  const labels = { app: "web" };
  const claims = Object.entries(o.claims ?? {}).map(([name, storage]) => ({
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name, namespace: "default" },
    spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage } } },
  }));
  return [
    ...claims,
    {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "web-secret", namespace: "default" },
      data: {
        password: Buffer.from("from-object").toString("base64"),
        token: Buffer.from(o.token ?? "tok").toString("base64"),
      },
    },
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "web-scripts", namespace: "default" },
      data: { "init.sh": INIT, "serve.sh": SERVE + (o.serveComment ? `# ${o.serveComment}\n` : "") },
    },
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "web", namespace: "default" },
      spec: {
        clusterIP: "None",
        publishNotReadyAddresses: true,
        selector: labels,
        ports: [{ name: "http", port: 8080 }],
      },
    },
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "web-read", namespace: "default" },
      spec: { selector: labels, ports: [{ name: "http", port: 80, targetPort: "http" }] },
    },
    {
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      metadata: { name: "web", namespace: "default" },
      spec: {
        serviceName: "web",
        replicas: o.replicas ?? 2,
        podManagementPolicy: o.podManagementPolicy ?? "OrderedReady",
        selector: { matchLabels: labels },
        template: {
          metadata: { labels, annotations: o.annotations ?? {} },
          spec: {
            terminationGracePeriodSeconds: 5,
            securityContext: { runAsUser: 999, fsGroup: 999 },
            initContainers: [
              {
                name: "init-config",
                image: "docker.io/library/mariadb:11.4",
                command: ["bash", "/scripts/init.sh"],
                env: o.initFailsOnce ? [{ name: "FAIL_ONCE", value: "1" }] : [],
                volumeMounts: [
                  { name: "scripts", mountPath: "/scripts" },
                  { name: "data", mountPath: "/data" },
                  { name: "work", mountPath: "/work" },
                ],
              },
            ],
            containers: [
              {
                name: "server",
                image: "mariadb:11.4",
                command: ["bash", "/scripts/serve.sh"],
                ports: [{ name: "http", containerPort: 8080 }],
                env: [
                  { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
                  { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
                  { name: "PASSWORD", valueFrom: { secretKeyRef: { name: "web-secret", key: "password" } } },
                  { name: "MEM_MB", valueFrom: { resourceFieldRef: { resource: "limits.memory", divisor: "1Mi" } } },
                  ...(o.env ?? []),
                ],
                resources: { limits: { memory: "256Mi" } },
                readinessProbe: {
                  exec: { command: ["bash", "-c", "test ! -e /work/not-ready"] },
                  periodSeconds: 1,
                  failureThreshold: 1,
                },
                // /tmp is the container's own writable layer: a restart clears the marker.
                livenessProbe: {
                  exec: { command: ["bash", "-c", "test ! -e /tmp/dead"] },
                  periodSeconds: 1,
                  failureThreshold: 2,
                },
                volumeMounts: [
                  { name: "scripts", mountPath: "/scripts" },
                  { name: "data", mountPath: "/data" },
                  { name: "work", mountPath: "/work" },
                  { name: "secret", mountPath: "/etc/web-secret", readOnly: true },
                  { name: "scripts", mountPath: "/opt/web/serve.sh", subPath: "serve.sh" },
                  ...(o.sharedClaim ? [{ name: "shared", mountPath: "/shared" }] : []),
                ],
              },
            ],
            volumes: [
              { name: "scripts", configMap: { name: "web-scripts", defaultMode: 493 } },
              { name: "work", emptyDir: {} },
              { name: "secret", secret: { secretName: "web-secret", items: [{ key: "token", path: "token" }] } },
              ...(o.sharedClaim ? [{ name: "shared", persistentVolumeClaim: { claimName: o.sharedClaim } }] : []),
            ],
          },
        },
        volumeClaimTemplates: [
          {
            metadata: { name: "data" },
            spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: o.storage ?? "64Mi" } } },
          },
        ],
      },
    },
  ];
}
