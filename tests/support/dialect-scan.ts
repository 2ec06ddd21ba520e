// Finds every flavor-specific name the pod scripts and the server config use,
// and for which flavor: the scripts say MySQL and MariaDB apart only with
// `case $FLAVOR in mariadb) ... ;; mysql) ... ;; esac` (a default arm, read as
// the flavors no earlier arm named, is left only to lib.sh's check) and
// `[[ $FLAVOR == mariadb ]] && A || B`; text outside those serves both. The
// names come from a maintained list of patterns (system variables, server
// options, statements, CHANGE ... TO options, functions, privileges, status
// columns, error numbers), each broad enough that a name added tomorrow is
// found without editing this file. dialect.test.ts checks them against
// components/mysql-cluster/dialect.ts.

import { DialectKind } from "../../components/mysql-cluster/dialect";
import { Flavor, FLAVORS } from "../../components/mysql-cluster/flavors";

export interface UsedName {
  kind: DialectKind;
  name: string;
  flavor: Flavor;
  /** Where: "file:line". */
  at: string;
  /** Set "loose_" (or --loose-): the server ignores it when unknown, so the other flavor's name is fine here. */
  loose?: boolean;
}

/** A stretch of script text and the flavors it runs for. */
interface Region {
  flavors: Flavor[];
  text: string;
  line: number;
  /** The shell function the text is in ("" at top level). */
  fn: string;
}

const FLAVOR_CASE = /\bcase\s+"?\$\{?FLAVOR(?::-)?\}?"?\s+in\b/;
const FLAVOR_TEST = /\[\[\s*"?\$\{?FLAVOR\}?"?\s*==\s*(mariadb|mysql)\s*\]\]\s*&&\s*(.*?)\s*\|\|\s*(.*)$/;

interface Frame {
  flavorCase: boolean;
  arm: Flavor[] | null;
  named: Flavor[];
}

/** Splits a script into regions by flavor. Comment lines and trailing "# ..." comments are dropped. */
export function flavorRegions(script: string): Region[] {
  const regions: Region[] = [];
  const stack: Frame[] = [];
  let fn = "";
  const current = (): Flavor[] => {
    for (let i = stack.length - 1; i >= 0; i--) if (stack[i].flavorCase && stack[i].arm) return stack[i].arm!;
    return [...FLAVORS];
  };
  const emit = (text: string, line: number, flavors = current()) => {
    if (text.trim()) regions.push({ flavors, text, line, fn });
  };
  const armOf = (frame: Frame, label: string): Flavor[] => {
    const named = label.split("|").map((l) => l.trim());
    if (named.includes("*")) {
      // The default arm serves the flavors no earlier arm named ("die" arms after both serve none).
      return FLAVORS.filter((f) => !frame.named.includes(f));
    }
    const flavors = named.filter((l): l is Flavor => (FLAVORS as readonly string[]).includes(l));
    frame.named.push(...flavors);
    return flavors;
  };

  // Continued lines ("\\" at the end) are read as one, at the first line's number.
  const lines: { raw: string; line: number }[] = [];
  script.split("\n").forEach((raw, index) => {
    const previous = lines[lines.length - 1];
    if (previous && /\\$/.test(previous.raw)) previous.raw = previous.raw.slice(0, -1) + " " + raw.trim();
    else lines.push({ raw, line: index + 1 });
  });

  lines.forEach(({ raw, line }) => {
    if (/^\s*#/.test(raw)) return;
    let text = raw.replace(/(^|\s)#\s.*$/, "");
    const fnStart = /^([a-z_][a-z0-9_]*)\(\)\s*\{/.exec(text);
    if (fnStart) fn = fnStart[1];

    // One-line flavor case: case $FLAVOR in a) X ;; b) Y ;; esac
    if (FLAVOR_CASE.test(text) && /\besac\b/.test(text)) {
      const [before, rest] = text.split(FLAVOR_CASE);
      emit(before, line);
      const body = rest.slice(0, rest.search(/\besac\b/));
      const frame: Frame = { flavorCase: true, arm: null, named: [] };
      for (const piece of body.split(";;")) {
        const arm = /^\s*([a-z*|]+)\)\s*(.*)$/.exec(piece);
        if (arm) emit(arm[2], line, armOf(frame, arm[1]));
      }
      emit(rest.slice(rest.search(/\besac\b/) + 4), line);
      return;
    }
    if (FLAVOR_CASE.test(text)) {
      stack.push({ flavorCase: true, arm: null, named: [] });
      return;
    }
    if (/\bcase\b.*\bin\b/.test(text) && !/\besac\b/.test(text)) {
      emit(text, line);
      stack.push({ flavorCase: false, arm: null, named: [] });
      return;
    }
    const top = stack[stack.length - 1];
    if (top?.flavorCase) {
      const arm = /^\s*([a-z*|]+)\)\s*(.*)$/.exec(text);
      if (arm) {
        top.arm = armOf(top, arm[1]);
        text = arm[2];
      }
    }
    if (/(^|[\s;])esac\b/.test(text)) {
      emit(text.replace(/(^|[\s;])esac\b.*$/, ""), line);
      stack.pop();
      return;
    }
    const test = FLAVOR_TEST.exec(text);
    if (test) {
      const named = test[1] as Flavor;
      emit(text.slice(0, test.index), line);
      emit(test[2], line, current().includes(named) ? [named] : []);
      emit(
        test[3],
        line,
        current().filter((f) => f !== named),
      );
      return;
    }
    emit(text, line);
    if (/^\}\s*$/.test(text)) fn = "";
  });
  return regions;
}

/** Words of SQL statements whose next words name a flavor-specific statement (IO_THREAD: a word with "_"). */
const STATEMENT = /\b(?:CHANGE|START|STOP|RESET|SHOW|PURGE|FLUSH|SHUTDOWN)(?: [A-Z][A-Z_]*)*(?![A-Z_])/g;
/** The generic words that end a statement name; what follows them is its argument. */
const STATEMENT_END = /\b(TO|ALL)\b/;
/** Generic words that start a statement's argument (SHOW GLOBAL STATUS LIKE 'x'): not part of its name. */
const STATEMENT_ARGUMENT = /\s+(?:LIKE|WHERE)\b.*$/;

/** Names of one kind in one region's text. */
function namesIn(region: Region): { kind: DialectKind; name: string; loose?: boolean }[] {
  const found: { kind: DialectKind; name: string; loose?: boolean }[] = [];
  const add = (kind: DialectKind, name: string, loose = false) =>
    found.push({ kind, name, ...(loose ? { loose } : {}) });
  // printf strings separate statements with "\\n": read it as the line break it prints.
  const text = region.text.replace(/\\n/g, "\n");

  // System variables: @@name, @@global.name, SET [GLOBAL|SESSION] name =
  for (const m of text.matchAll(/@@(?:global\.|session\.)?([a-z_][a-z0-9_]*)/gi)) add("variable", m[1].toLowerCase());
  for (const m of text.matchAll(/\bSET\s+(?:GLOBAL\s+|SESSION\s+)?([a-z_][a-z0-9_]*)\s*=/g)) add("variable", m[1]);
  // Server options on the server's own command line (the bootstrap server of init-data.sh).
  if (/"\$DB_SERVER"|\bstart_init_server\b|--skip-(?:slave|replica)-start/.test(text)) {
    for (const m of text.matchAll(/(?:^|[\s"(])--([a-z][a-z0-9-]*)/g)) {
      const loose = m[1].startsWith("loose-");
      const option = m[1].replace(/^loose-/, "").replace(/-/g, "_");
      if (["defaults_file", "datadir", "socket", "pid_file"].includes(option)) continue;
      add("option", option, loose);
    }
  }
  // Statements, named by their words up to the first argument.
  for (const m of text.matchAll(STATEMENT)) {
    let name = m[0];
    const end = STATEMENT_END.exec(name);
    if (end) name = name.slice(0, end.index + end[0].length);
    name = name.replace(STATEMENT_ARGUMENT, "");
    if (name === "SHOW" || name === "CHANGE" || name === "FLUSH") continue;
    add("statement", name);
  }
  // CHANGE ... TO options.
  for (const m of text.matchAll(/\b((?:MASTER|SOURCE)_[A-Z_]+)\b(?!\s*\()/g)) add("change-option", m[1]);
  // Replication functions.
  for (const m of text.matchAll(/\b([A-Z_]*(?:GTID|MASTER|SOURCE|REPLICA|SLAVE|BINLOG)[A-Z_]*)\s*\(/g))
    add("function", m[1]);
  // Privileges: GRANT a, b ON ... and the *_privileges="a, b" the scripts assemble grants from.
  for (const m of text.matchAll(/\bGRANT\s+([A-Z_ ,]+?)\s+ON\b/g))
    for (const p of m[1].split(",")) add("privilege", p.trim());
  for (const m of text.matchAll(/_privileges="([A-Z_ ,]+)"/g))
    for (const p of m[1].split(",")) add("privilege", p.trim());
  // SHOW REPLICA STATUS columns.
  for (const m of text.matchAll(
    /\b((?:Slave|Replica|Master|Source|Last|Seconds|Exec|Read|Relay|Gtid|Using|Executed|Retrieved)_[A-Z][A-Za-z_]*)\b/g,
  )) {
    add("status-column", m[1]);
  }
  // Status variables.
  for (const m of text.matchAll(/SHOW\s+(?:GLOBAL\s+)?STATUS\s+LIKE\s+'([A-Za-z_]+)'/g)) add("status-variable", m[1]);
  // Error numbers: compared with an errno, or printed by a function that names one.
  for (const m of text.matchAll(/errno\s*==\s*"?(\d{3,5})\b/g)) add("error", m[1]);
  if (/errno/.test(region.fn)) for (const m of text.matchAll(/\b(\d{4,5})\b/g)) add("error", m[1]);
  // Names the dialect functions print (a server option, status columns).
  if (region.fn === "skip_replica_start_option")
    for (const m of text.matchAll(/printf .*\b(skip_[a-z_]+)\b/g)) add("option", m[1]);
  return found;
}

/** Every flavor-specific name a script uses, with the flavors that run it. */
export function scanScript(file: string, script: string): UsedName[] {
  const used: UsedName[] = [];
  for (const region of flavorRegions(script)) {
    for (const { kind, name, loose } of namesIn(region)) {
      for (const flavor of region.flavors)
        used.push({ kind, name, flavor, at: `${file}:${region.line}`, ...(loose ? { loose } : {}) });
    }
  }
  return used;
}

/**
 * The [mysqld] settings of a rendered .cnf file, as variables (or options) of
 * `flavor`. A "loose_" setting may be unknown to the flavor (that is what
 * loose_ is for) when it is the other flavor's name; scanConfig reports it
 * with `loose: true`.
 */
export function scanConfig(file: string, cnf: string, flavor: Flavor): UsedName[] {
  const used: UsedName[] = [];
  let section = "";
  cnf.split("\n").forEach((raw, index) => {
    const text = raw.replace(/#.*$/, "").trim();
    const header = /^\[(.+)\]$/.exec(text);
    if (header) section = header[1];
    else if (section === "mysqld" && text) {
      const key = text.split("=")[0].trim().replace(/-/g, "_");
      const loose = key.startsWith("loose_");
      used.push({
        kind: "variable",
        name: loose ? key.slice("loose_".length) : key,
        flavor,
        at: `${file}:${index + 1}`,
        ...(loose ? { loose } : {}),
      });
    }
  });
  return used;
}
