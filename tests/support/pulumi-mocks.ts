// Pulumi unit-test mocks shared by the component and example tests. Records
// every resource the program registers (type, name, inputs, parent URN and the
// resource options the mock monitor sees), makes RandomPassword return a
// recognisable "pw-<name>" (another value per rotation keeper, as a real
// replacement would) and the @pulumi/tls resources "KEY-<name>" /
// "CERT-<name>" (another after renewCertificates()) / "CSR-<name>", and lets
// a test serve StackReference outputs.

import * as pulumi from "@pulumi/pulumi";
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";

export interface RecordedResource {
  type: string;
  name: string;
  urn: string;
  /** Inputs as the provider would receive them, secret values unwrapped. */
  inputs: Record<string, unknown>;
  /** Inputs with secrets still wrapped in Pulumi's secret envelope. */
  rawInputs: Record<string, unknown>;
  /** The state the mocks returned for it (its outputs). */
  state: Record<string, unknown>;
  /** URN of the parent resource, "" for none. */
  parent: string;
  ignoreChanges: string[];
  retainOnDelete: boolean;
  dependencies: string[];
  custom: boolean;
  /** customTimeouts as registered ("" where unset). */
  customTimeouts: { create: string; update: string; delete: string };
  replaceOnChanges: string[];
}

export interface MockOptions {
  /** Project name the program sees (config keys are "<project>:<key>"). Default MOCK_PROJECT. */
  project?: string;
  /** Stack config, by full key ("<project>:<key>"). */
  config?: Record<string, string>;
  /** Outputs served by every StackReference ("pulumi:pulumi:StackReference"). */
  stackOutputs?: Record<string, unknown>;
  /** Names of the StackReference outputs the "engine" reports as secret. */
  secretOutputNames?: string[];
  /** The holder the provider reads back for every Lease, as after `pulumi refresh` once a pod holds it. */
  liveLeaseHolder?: string;
}

export const MOCK_PROJECT = "mysql-cluster";
export const MOCK_STACK = "unit";

/** The value the mocked RandomPassword named `name` generates; keepers {rotation: "0"} (or none) gives "pw-<name>". */
export function mockPassword(name: string, rotation?: string): string {
  return rotation && rotation !== "0" ? `pw-${name}-rotation-${rotation}` : `pw-${name}`;
}

/** The PEM the mocked tls.PrivateKey named `name` generates. */
export function mockPrivateKey(name: string): string {
  return `KEY-${name}`;
}

/** The PEM the mocked tls.SelfSignedCert or tls.LocallySignedCert named `name` issues. */
export function mockCertificate(name: string): string {
  return `CERT-${name}`;
}

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getIgnorechangesList(): string[];
  getRetainondelete?(): boolean;
  getDependenciesList(): string[];
  getCustomtimeouts?(): { getCreate(): string; getUpdate(): string; getDelete(): string } | undefined;
  getReplaceonchangesList?(): string[];
}

type MonitorLike = {
  registerResource(req: RegisterRequest, callback: (err: unknown, res: unknown) => void): Promise<void>;
};

/** Replaces every secret envelope ({sig: secret, value}) with its value. */
export function unwrapSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (value && typeof value === "object") {
    const record = value as Record<string, unknown>;
    if (record[specialSigKey] === specialSecretSig) return unwrapSecrets(record.value);
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, unwrapSecrets(v)]));
  }
  return value;
}

/** Whether a value (or anything inside it) is wrapped as a secret. */
export function containsSecret(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(containsSecret);
  if (value && typeof value === "object") {
    const record = value as Record<string, unknown>;
    return record[specialSigKey] === specialSecretSig || Object.values(record).some(containsSecret);
  }
  return false;
}

export class MockRecorder {
  readonly resources: RecordedResource[] = [];
  private readonly options = new Map<
    string,
    Pick<
      RecordedResource,
      "parent" | "ignoreChanges" | "retainOnDelete" | "dependencies" | "customTimeouts" | "replaceOnChanges"
    >
  >();
  /** How many times the certificates were renewed: each renewal issues other PEMs (as earlyRenewalHours would). */
  private renewals = 0;

  constructor(private readonly opts: MockOptions) {}

  /** Makes every certificate issued from now on a new one, as a renewal within earlyRenewalHours does. */
  renewCertificates(): void {
    this.renewals++;
  }

  /** Forgets every resource recorded so far (call before each program run). */
  reset(): void {
    this.resources.length = 0;
    this.options.clear();
  }

  ofType(type: string): RecordedResource[] {
    return this.resources.filter((r) => r.type === type);
  }

  one(type: string, name?: string): RecordedResource {
    const found = this.ofType(type).filter((r) => name === undefined || r.name === name);
    if (found.length !== 1) {
      throw new Error(
        `expected exactly one ${type}${name ? ` named ${name}` : ""}, found ${found.length}: ${this.resources.map((r) => `${r.type}/${r.name}`).join(", ")}`,
      );
    }
    return found[0];
  }

  /** @internal */
  mocks(): pulumi.runtime.Mocks {
    return {
      newResource: (args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult => {
        const key = `${args.type}::${args.name}`;
        const options = this.options.get(key) ?? {
          parent: "",
          ignoreChanges: [],
          retainOnDelete: false,
          dependencies: [],
          customTimeouts: { create: "", update: "", delete: "" },
          replaceOnChanges: [],
        };
        // The URN the mock monitor gives it: the parent's type qualifies the type.
        const parentType = options.parent ? options.parent.split("::")[2].split("$").pop() : undefined;
        const urn = `urn:pulumi:${MOCK_STACK}::${this.opts.project ?? MOCK_PROJECT}::${parentType ? `${parentType}$` : ""}${args.type}::${args.name}`;
        const state = this.stateFor(args);
        this.resources.push({
          type: args.type,
          name: args.name,
          urn,
          inputs: unwrapSecrets(args.inputs) as Record<string, unknown>,
          rawInputs: args.inputs,
          state: unwrapSecrets(state) as Record<string, unknown>,
          custom: args.custom ?? true,
          ...options,
        });
        return {
          id: args.type === "pulumi:pulumi:StackReference" ? (args.inputs.name ?? args.name) : `${args.name}-id`,
          state,
        };
      },
      call: (args: pulumi.runtime.MockCallArgs) => args.inputs,
    };
  }

  private stateFor(args: pulumi.runtime.MockResourceArgs): Record<string, unknown> {
    switch (args.type) {
      case "random:index/randomPassword:RandomPassword":
        return { ...args.inputs, result: mockPassword(args.name, args.inputs.keepers?.rotation) };
      case "tls:index/privateKey:PrivateKey":
        return { ...args.inputs, privateKeyPem: mockPrivateKey(args.name), publicKeyPem: `PUBLIC-${args.name}` };
      case "tls:index/selfSignedCert:SelfSignedCert":
      case "tls:index/locallySignedCert:LocallySignedCert":
        return {
          ...args.inputs,
          certPem: mockCertificate(args.name) + (this.renewals > 0 ? `-renewal-${this.renewals}` : ""),
        };
      case "tls:index/certRequest:CertRequest":
        return { ...args.inputs, certRequestPem: `CSR-${args.name}` };
      case "pulumi:pulumi:StackReference":
        return {
          ...args.inputs,
          outputs: this.opts.stackOutputs ?? {},
          secretOutputNames: this.opts.secretOutputNames ?? [],
        };
      case "kubernetes:coordination.k8s.io/v1:Lease":
        if (this.opts.liveLeaseHolder === undefined) return args.inputs;
        return { ...args.inputs, spec: { ...args.inputs.spec, holderIdentity: this.opts.liveLeaseHolder } };
      default:
        // Kubernetes objects without a name get one from the provider: "<resource name>-<suffix>".
        if (args.type.startsWith("kubernetes:") && args.inputs.metadata && !args.inputs.metadata.name) {
          return { ...args.inputs, metadata: { ...args.inputs.metadata, name: `${args.name}-a1b2c3d4` } };
        }
        return args.inputs;
    }
  }

  /** @internal: wraps the mock monitor so the recorder also sees parent and options. */
  observe(monitor: MonitorLike): void {
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req, callback) => {
      this.options.set(`${req.getType()}::${req.getName()}`, {
        parent: req.getParent(),
        ignoreChanges: req.getIgnorechangesList(),
        retainOnDelete: req.getRetainondelete?.() ?? false,
        dependencies: req.getDependenciesList(),
        customTimeouts: {
          create: req.getCustomtimeouts?.()?.getCreate() ?? "",
          update: req.getCustomtimeouts?.()?.getUpdate() ?? "",
          delete: req.getCustomtimeouts?.()?.getDelete() ?? "",
        },
        replaceOnChanges: req.getReplaceonchangesList?.() ?? [],
      });
      return register(req, callback);
    };
  }
}

/** Installs fresh mocks for the whole process and returns their recorder. */
export async function installMocks(opts: MockOptions = {}): Promise<MockRecorder> {
  const recorder = new MockRecorder(opts);
  await pulumi.runtime.setMocks(recorder.mocks(), opts.project ?? MOCK_PROJECT, MOCK_STACK, false);
  pulumi.runtime.setAllConfig(opts.config ?? {});
  recorder.observe(pulumi.runtime.getMonitor() as unknown as MonitorLike);
  return recorder;
}

/** Waits until every registration the program started has reached the mocks. */
export async function settle(): Promise<void> {
  const runtime = pulumi.runtime as unknown as { waitForRPCs?: () => Promise<void> };
  for (let i = 0; i < 3; i++) {
    if (runtime.waitForRPCs) await runtime.waitForRPCs();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/**
 * Builds a component from a clean recorder and waits until every resource it
 * registers has reached the mocks: its URN, then `outputs` (those that resolve
 * last), then whatever registrations are still in flight.
 */
export async function deployFresh<C extends pulumi.ComponentResource>(
  recorder: MockRecorder,
  build: () => C,
  outputs: (component: C) => pulumi.Output<unknown>[] = () => [],
): Promise<C> {
  recorder.reset();
  const component = build();
  await valueOf(component.urn);
  await Promise.all(outputs(component).map((o) => valueOf(o)));
  await settle();
  return component;
}

/** The value of an Output (undefined while unknown), for assertions. */
export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply((v) => resolve(v)));
}

/** Whether an Output is marked secret. */
export function isSecret<T>(output: pulumi.Output<T>): Promise<boolean> {
  return pulumi.isSecret(output);
}
