// The machine a run measured, for the report's "machine" section: the figures
// only mean something next to the cores, memory, disk, kernel and versions.

import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  disk: string;
  filesystem: string;
  kernel: string;
  os: string;
  mariadb: string;
  mariadbBackup: string;
  sysbench: string;
  node: string;
}

function sh(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    return (err.stdout || err.stderr || "unknown").toString().trim();
  }
}

export function machineInfo(): MachineInfo {
  const dfLine = sh("df", ["-PT", "/tmp"]).split("\n")[1]?.split(/\s+/) ?? [];
  const device = dfLine[0] ?? "?";
  const base = device.replace(/^\/dev\//, "");
  const rotational = fs.existsSync(`/sys/block/${base}/queue/rotational`)
    ? fs.readFileSync(`/sys/block/${base}/queue/rotational`, "utf8").trim()
    : "?";
  const model = sh("bash", [
    "-c",
    `cat /sys/block/${base}/device/model /sys/block/${base}/device/vendor 2>/dev/null | head -1; readlink -f /sys/block/${base}/device/driver 2>/dev/null`,
  ])
    .split("\n")
    .filter(Boolean)
    .map((x) => x.split("/").pop())
    .join(", ");
  const sizeGB = dfLine[2] ? Math.round(Number(dfLine[2]) / 1024 / 1024) : NaN;
  const osRelease = fs.existsSync("/etc/os-release")
    ? (/PRETTY_NAME="([^"]+)"/.exec(fs.readFileSync("/etc/os-release", "utf8"))?.[1] ?? "?")
    : "?";
  return {
    cpuModel: os.cpus()[0]?.model ?? "?",
    cores: os.cpus().length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    disk: `${device}${model ? ` [${model}]` : ""} (${sizeGB} GiB, ${rotational === "0" ? "non-rotational" : rotational === "1" ? "reports rotational" : "rotational ?"})`,
    filesystem: dfLine[1] ?? "?",
    kernel: os.release(),
    os: osRelease,
    mariadb: sh("mariadbd", ["--version"])
      .replace(/^.*Ver /, "")
      .split(" for ")[0],
    mariadbBackup: sh("bash", ["-c", "mariadb-backup --version 2>&1 | tail -1"]).replace(/^.*Ver /, ""),
    sysbench: sh("sysbench", ["--version"]),
    node: process.version,
  };
}
