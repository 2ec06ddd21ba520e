// Issue 18, the secure stream's options: the same bytes copied between two
// pods (two network namespaces, the sidecar containers, the images' socat and
// OpenSSL) in the clone's direction: pod 0 listens and sends, pod 1 connects
// and receives, as serve-backup.sh and clone-data.sh do. Every TLS variant keeps
// the clone's mutual authentication (lib.sh's stream_tls_options: each end
// presents the cluster's certificate and verifies the other's); they differ in
// the TLS version and cipher suite, socat's block size, and how many
// connections carry the bytes. A plain TCP copy is the reference. The source
// is one file in the page cache and the receiver writes to /dev/null, so the
// figure is the transport's alone, not the disks'.

import { BenchCluster, benchCluster, BenchOptions, now, withCluster } from "./common";
import { MOUNTS } from "../components/mysql-cluster/contract";

export interface TransportVariant {
  name: string;
  /** What it is, for the report. */
  label: string;
  tls: boolean;
  /** socat -b on both ends. */
  blockBytes: number;
  /** Connections in parallel, each carrying 1/streams of the bytes. */
  streams: number;
  /** Extra socat OPENSSL address options on both ends (TLS 1.2 cipher lists, protocol bounds). */
  socatOptions?: string;
  /** TLS 1.3 suites go through OpenSSL's configuration (socat 1.7 has no option for them): `Ciphersuites` in an OPENSSL_CONF file. */
  tls13Suites?: string;
  /** Whether this is what the clone's stream does today. */
  isDefault?: boolean;
}

export interface TransportRun {
  variant: string;
  rep: number;
  seconds: number;
  bytes: number;
  /** What socat -d -d reported on the receiving end: the protocol and the suite negotiated. */
  protocol?: string;
  cipher?: string;
}

export interface TransportResults {
  megabytes: number;
  variants: TransportVariant[];
  runs: TransportRun[];
  /** Why options were not measured (e.g. kernel TLS, the MySQL CLONE plugin). */
  notMeasured: { option: string; why: string }[];
}

const MiB = 1 << 20;
const PORT = 3390;
/** On the data claim, so the copy reads and writes the filesystem a clone does. */
const DIR = `${MOUNTS.data}/transport`;
const LIB = `${MOUNTS.scripts}/lib.sh`;

export const TRANSPORT_VARIANTS: TransportVariant[] = [
  { name: "plain", label: "plain TCP (no TLS), 1 MiB blocks", tls: false, blockBytes: MiB, streams: 1 },
  {
    name: "tls-default",
    label: "today's stream: mutual TLS, OpenSSL's default suite, 1 MiB blocks",
    tls: true,
    blockBytes: MiB,
    streams: 1,
    isDefault: true,
  },
  {
    name: "tls13-aes128",
    label: "TLS 1.3 TLS_AES_128_GCM_SHA256, 1 MiB blocks",
    tls: true,
    blockBytes: MiB,
    streams: 1,
    tls13Suites: "TLS_AES_128_GCM_SHA256",
  },
  {
    name: "tls13-chacha",
    label: "TLS 1.3 TLS_CHACHA20_POLY1305_SHA256, 1 MiB blocks",
    tls: true,
    blockBytes: MiB,
    streams: 1,
    tls13Suites: "TLS_CHACHA20_POLY1305_SHA256",
  },
  {
    name: "tls12-aes128",
    label: "TLS 1.2 ECDHE-ECDSA-AES128-GCM-SHA256 (socat `cipher=`), 1 MiB blocks",
    tls: true,
    blockBytes: MiB,
    streams: 1,
    socatOptions: "openssl-max-proto-version=TLS1.2,cipher=ECDHE-ECDSA-AES128-GCM-SHA256",
  },
  {
    name: "tls-16k",
    label: "today's TLS, 16 KiB blocks (one TLS record)",
    tls: true,
    blockBytes: 16 * 1024,
    streams: 1,
  },
  { name: "tls-128k", label: "today's TLS, 128 KiB blocks", tls: true, blockBytes: 128 * 1024, streams: 1 },
  { name: "tls-x2", label: "today's TLS, 2 connections in parallel", tls: true, blockBytes: MiB, streams: 2 },
  { name: "tls-x4", label: "today's TLS, 4 connections in parallel", tls: true, blockBytes: MiB, streams: 4 },
];

const NOT_MEASURED = [
  {
    option: "kernel TLS (OpenSSL `Options = KTLS`)",
    why: "this kernel is built without CONFIG_TLS (no /proc/net/tls_stat), so OpenSSL falls back to user-space records",
  },
  {
    option: "MySQL CLONE plugin (mysql flavor)",
    why: "MySQL 8.4 is not packaged for this machine's Debian, and the local runner runs the host's binaries; see the notes",
  },
];

/** An OPENSSL_CONF file that limits TLS 1.3 to `suites` (OpenSSL reads it at start; the system default otherwise). */
function opensslConf(suites: string): string {
  return [
    "openssl_conf = default_conf",
    "[default_conf]",
    "ssl_conf = ssl_sect",
    "[ssl_sect]",
    "system_default = system_default_sect",
    "[system_default_sect]",
    `Ciphersuites = ${suites}`,
    "",
  ].join("\n");
}

/** Shell that cuts whole.bin into n equal pieces x<n>.0 … (head and tail: the image grants no split or dd). */
function pieces(n: number, bytes: number): string {
  const size = Math.ceil(bytes / n);
  return Array.from(
    { length: n },
    (_, i) => `tail -c +${i * size + 1} ${DIR}/whole.bin | head -c ${size} >${DIR}/x${n}.${i}`,
  ).join(" && ");
}

async function sh(c: BenchCluster, ord: number, script: string): Promise<string> {
  const r = await c.runner.exec(ord, "sidecar", ["bash", "-c", script], { timeoutMs: 600_000 });
  if (r.code !== 0) throw new Error(`pod ${ord}: ${script} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

/** One copy of the whole file (split over v.streams connections) from pod 0 to pod 1; the host's wall clock from start to both ends done. */
async function copyOnce(c: BenchCluster, v: TransportVariant, bytes: number): Promise<Omit<TransportRun, "rep">> {
  const env = v.tls13Suites ? `export OPENSSL_CONF=${DIR}/${v.name}.cnf; ` : "";
  const extra = v.socatOptions ? `,${v.socatOptions}` : "";
  const part = (i: number): string => (v.streams === 1 ? `${DIR}/whole.bin` : `${DIR}/x${v.streams}.${i}`);
  const ports = Array.from({ length: v.streams }, (_, i) => PORT + i);
  const listen = (port: number): string =>
    v.tls ? `OPENSSL-LISTEN:${port},reuseaddr,$(stream_tls_options)${extra}` : `TCP-LISTEN:${port},reuseaddr`;
  const connect = (port: number): string =>
    v.tls ? `OPENSSL:$(peer_host 0):${port},$(stream_tls_options)${extra}` : `TCP:$(peer_host 0):${port}`;
  // Every end in the background, then each waited for: a failed end fails the copy.
  const all = (cmd: (i: number, port: number) => string): string =>
    `pids=(); ${ports.map((p, i) => `${cmd(i, p)} & pids+=($!);`).join(" ")} for p in "\${pids[@]}"; do wait "$p"; done`;
  const send = `source ${LIB}; ${env}set -eo pipefail; ${all((i, p) => `socat -b ${v.blockBytes} -u OPEN:${part(i)},rdonly ${listen(p)}`)}`;
  // socat -d -d on the receiving end names the protocol and suite it negotiated.
  const receive = `source ${LIB}; ${env}set -eo pipefail; ${all((i, p) => `socat -d -d -b ${v.blockBytes} -u ${connect(p)},retry=200,interval=0.05 OPEN:/dev/null,wronly 2>${DIR}/recv.${i}.log`)}; grep -h -o 'SSL proto version used: .*\\|SSL connection using .*' ${DIR}/recv.0.log || true`;
  const t0 = now();
  const [, out] = await Promise.all([sh(c, 0, send), sh(c, 1, receive)]);
  const seconds = (now() - t0) / 1000;
  return {
    variant: v.name,
    seconds,
    bytes,
    protocol: /SSL proto version used: (\S+)/.exec(out)?.[1],
    cipher: /SSL connection using (\S+)/.exec(out)?.[1],
  };
}

export async function benchTransport(opts: BenchOptions): Promise<TransportResults> {
  const megabytes = opts.quick ? 128 : 1024;
  const bytes = megabytes * MiB;
  const results: TransportResults = { megabytes, variants: TRANSPORT_VARIANTS, runs: [], notMeasured: NOT_MEASURED };
  const c = benchCluster("benchx", { replicas: 2 });
  await withCluster(c, async () => {
    await c.up();
    // The source file (incompressible) and its pieces for the parallel variants; the receiving pod needs only the configs.
    const streams = [...new Set(TRANSPORT_VARIANTS.map((v) => v.streams))].filter((n) => n > 1);
    const confs = TRANSPORT_VARIANTS.filter((v) => v.tls13Suites)
      .map((v) => `printf '%s' '${opensslConf(v.tls13Suites!)}' >${DIR}/${v.name}.cnf`)
      .join(" && ");
    await sh(
      c,
      0,
      // No pipefail: tail is cut off by head's end of piece (SIGPIPE), which is the point.
      `set -e; rm -rf ${DIR} && mkdir ${DIR} && head -c ${bytes} /dev/urandom >${DIR}/whole.bin && ${streams.map((n) => pieces(n, bytes)).join(" && ")} && ${confs}`,
    );
    await sh(c, 1, `set -e; rm -rf ${DIR} && mkdir ${DIR} && ${confs}`);
    for (let rep = 1; rep <= opts.reps; rep++) {
      // Variants alternate within a repetition, so drift on the shared machine hits them alike.
      for (const v of TRANSPORT_VARIANTS) {
        const run = await opts.measure(`transport ${v.name} #${rep}`, async () => {
          await sh(c, 0, `cat ${DIR}/* >/dev/null`); // in the page cache: the transport's figure, not the disk's
          return copyOnce(c, v, bytes);
        });
        results.runs.push({ rep, ...run });
        opts.log(
          `transport ${v.name} #${rep}: ${run.seconds.toFixed(2)}s, ${(bytes / 1e6 / run.seconds).toFixed(0)} MB/s${run.cipher ? ` (${run.protocol} ${run.cipher})` : ""}`,
        );
      }
    }
    await sh(c, 0, `rm -rf ${DIR}`);
    await sh(c, 1, `rm -rf ${DIR}`);
  });
  return results;
}
