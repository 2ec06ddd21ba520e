// Where `npm run local` gets its objects: the component's own pure render
// (no Pulumi engine), with fresh random passwords. Kept tiny on purpose: this
// is the one place the CLI depends on the component's API.
import { randomBytes } from "crypto";
import { resolveArgs } from "../components/mysql-cluster/args";
import { Flavor } from "../components/mysql-cluster/flavors";
import { renderObjects } from "../components/mysql-cluster/render";
import { TlsMaterial } from "../components/mysql-cluster/builders/tls-secret";
import { testCertificates } from "./tls";

export interface RenderedForLocal {
  /* eslint-disable-next-line @typescript-eslint/no-explicit-any */
  objects: any[];
  /** secretName -> key -> value; empty here because the rendered Secret already holds the passwords. */
  secretValues: Record<string, Record<string, string>>;
  /** The generated passwords by Secret key, so the CLI can show how to connect. */
  passwords: Record<string, string>;
}

/** Same passwords for every render of one supervisor: scaling must not rotate them. */
const passwords: Record<string, string> = {};
let certificates: TlsMaterial<string> | undefined;

export function renderForLocal(opts: { replicas: number; flavor?: string; name?: string }): RenderedForLocal {
  const args = resolveArgs(opts.name ?? "mysql", {
    flavor: (opts.flavor ?? "mariadb") as Flavor,
    replicas: opts.replicas,
    memoryRequest: "256Mi",
    memoryLimit: "512Mi",
  });
  certificates ??= testCertificates(args, "local");
  const objects = renderObjects(
    args,
    (key) => (passwords[key] ??= randomBytes(18).toString("base64url").replace(/-/g, "x")),
    certificates,
  );
  return { objects, secretValues: {}, passwords: { ...passwords } };
}
