// Where `npm run local` gets its objects: the component's own pure render
// (no Pulumi engine), with fresh random passwords, either from a stack's own
// settings (`--stack dev`: Pulumi.yaml defaults and Pulumi.dev.yaml, read and
// checked the way `pulumi up` hands them to the program, tools/stack-file.ts)
// or from a few flags. Kept small on purpose: this is the one place the CLI
// depends on the component's API.
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { argsFromConfig } from "../components/mysql-cluster/stack-config";
import { MySqlClusterArgs, resolveArgs, ResolvedArgs } from "../components/mysql-cluster/args";
import { Flavor } from "../components/mysql-cluster/flavors";
import { renderObjects } from "../components/mysql-cluster/render";
import { TlsMaterial } from "../components/mysql-cluster/builders/tls-secret";
import { endpoints, PORTS, SECRET_KEYS } from "../components/mysql-cluster/names";
import { readStackConfig } from "../tools/stack-file";
import { testCertificates } from "./tls";

/** The repository root, where Pulumi.yaml and the stack files are. */
const ROOT = path.join(__dirname, "..");

/** How a client application of the stack connects: what the stack's outputs would tell it. */
export interface ClientAccess {
  /** The write Service's DNS name, resolvable inside the runner's network namespaces. */
  host: string;
  port: number;
  user: string;
  database?: string;
  password: string;
  /** CA certificate the servers' certificate is verified with (output caCertificate). */
  ca: string;
}

export interface RenderedForLocal {
  /* eslint-disable-next-line @typescript-eslint/no-explicit-any */
  objects: any[];
  /** secretName -> key -> value; empty here because the rendered Secret already holds the passwords. */
  secretValues: Record<string, Record<string, string>>;
  /** The generated passwords by Secret key (kept in the supervisor, never printed). */
  passwords: Record<string, string>;
  /** The application user's access, when the settings name an appUser. */
  app?: ClientAccess;
}

export interface LocalRenderOptions {
  /** Replicas; with `stack`, overrides the stack's (scale). */
  replicas?: number;
  flavor?: string;
  name?: string;
  /** A stack name: run Pulumi.<stack>.yaml's settings. */
  stack?: string;
}

/**
 * A fresh password as the component's random.RandomPassword makes them: 24
 * characters the scripts accept in a Secret ([A-Za-z0-9_]), so it needs no
 * quoting in an option file either.
 */
export function generatePassword(): string {
  return randomBytes(18).toString("base64url").replace(/-/g, "x");
}

/** Same passwords for every render of one supervisor: scaling must not rotate them. */
const passwords: Record<string, string> = {};
let certificates: TlsMaterial<string> | undefined;

/** The stack's name and args as the stack program (index.ts) would get them; throws the program's error on bad settings. */
export function stackArgs(stack: string, root = ROOT): { name: string; args: MySqlClusterArgs } {
  // As `pulumi up --stack <name>`: a stack without its file is not a stack (readStackConfig alone would give the defaults).
  if (!fs.existsSync(path.join(root, `Pulumi.${stack}.yaml`)))
    throw new Error(`no stack file Pulumi.${stack}.yaml in ${root}`);
  const config = readStackConfig(root, stack);
  return argsFromConfig((key) => config[key]);
}

function localArgs(opts: LocalRenderOptions): ResolvedArgs {
  if (opts.stack) {
    const { name, args } = stackArgs(opts.stack);
    if (args.existingSecret || args.tlsSecret)
      throw new Error(
        `stack ${opts.stack}: existingSecret and tlsSecret name Secrets of a real cluster, which the local runner does not have; unset them to run it here`,
      );
    return resolveArgs(name, opts.replicas === undefined ? args : { ...args, replicas: opts.replicas });
  }
  return resolveArgs(opts.name ?? "mysql", {
    flavor: (opts.flavor ?? "mariadb") as Flavor,
    replicas: opts.replicas ?? 3,
    memoryRequest: "256Mi",
    memoryLimit: "512Mi",
  });
}

export function renderForLocal(opts: LocalRenderOptions): RenderedForLocal {
  const args = localArgs(opts);
  certificates ??= testCertificates(args, "local");
  const password = (key: string): string => (passwords[key] ??= generatePassword());
  const objects = renderObjects(args, password, certificates);
  const app: ClientAccess | undefined = args.appUser
    ? {
        host: endpoints(args).write,
        port: PORTS.mysql,
        user: args.appUser,
        database: args.appDatabase,
        password: password(SECRET_KEYS.app),
        ca: certificates.ca,
      }
    : undefined;
  return { objects, secretValues: {}, passwords: { ...passwords }, app };
}
