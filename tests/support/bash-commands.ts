// A static reader of the pod scripts: which external commands a bash script can
// start. It knows the shell syntax these scripts use (quotes, $(...), <(...),
// heredocs, [[ ]], (( )), case patterns, redirections, assignments, functions,
// wrappers such as exec/timeout/xargs and functions that run "$@"), so a test
// can check every command against the image the pod spec runs it in. It errs
// on the side of reporting: an unknown construct yields a word, never silence.

/** Bash builtins and keywords: never looked up on PATH. */
const BUILTINS = new Set(
  (
    "alias bg bind break builtin caller cd command compgen complete continue declare dirs disown echo enable eval exec exit " +
    "export false fc fg getopts hash help history jobs kill let local logout mapfile popd printf pushd pwd read readarray " +
    "readonly return set shift shopt source suspend test times trap true type typeset ulimit umask unalias unset wait . : [ " +
    "if then else elif fi do done while until for in case esac function select time ! { } [[ ]] (( ))"
  ).split(" "),
);

/** Commands whose next non-option word is itself a command. */
const WRAPPERS: Record<string, (args: string[]) => number | undefined> = {
  exec: (a) => skipOptions(a, 0),
  command: (a) => skipOptions(a, 0),
  nohup: () => 0,
  time: () => 0,
  "!": () => 0,
  // timeout [options] DURATION COMMAND
  timeout: (a) => {
    const i = skipOptions(a, 0, new Set(["-s", "--signal", "-k", "--kill-after"]));
    return i === undefined ? undefined : i + 1;
  },
  // xargs [options] COMMAND
  xargs: (a) => skipOptions(a, 0, new Set(["-I", "-n", "-P", "-d", "-L", "-s", "-E", "-a"])),
  // env [-i] [NAME=VALUE...] COMMAND
  env: (a) => {
    let i = skipOptions(a, 0) ?? a.length;
    while (i < a.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(a[i])) i++;
    return i;
  },
};

function skipOptions(args: string[], from: number, withValue = new Set<string>()): number | undefined {
  let i = from;
  while (i < args.length && args[i].startsWith("-") && args[i] !== "-") {
    if (args[i] === "--") return i + 1 < args.length ? i + 1 : undefined;
    if (withValue.has(args[i])) i++;
    i++;
  }
  return i < args.length ? i : undefined;
}

/** One simple command as written: its words with quotes removed (variables left as $NAME). */
export interface SimpleCommand {
  words: string[];
  line: number;
}

class Reader {
  i = 0;
  line = 1;
  readonly commands: SimpleCommand[] = [];
  private pendingHeredocs: { delim: string; strip: boolean }[] = [];
  /**
   * Open case statements: a case on a variable `env` knows runs only its first
   * matching branch (as bash does), so a flavor's branch never counts for the
   * other flavor's image.
   */
  private readonly cases: { value?: string; matched: boolean; active: boolean }[] = [];

  constructor(
    private readonly s: string,
    private readonly env: Record<string, string> = {},
  ) {}

  private get suppressed(): boolean {
    return this.cases.some((c) => !c.active);
  }

  private peek(n = 0): string {
    return this.s[this.i + n] ?? "";
  }

  private advance(): string {
    const c = this.s[this.i++] ?? "";
    if (c === "\n") this.line++;
    return c;
  }

  /** Parse a list of commands until `close` (")" or "`") or the end. */
  parseList(close?: string): void {
    let words: string[] = [];
    let line = this.line;
    let redirectTarget = false;
    // Inside [[ ]] or (( )), && || ( ) < > do not separate commands.
    let inTest: "[[" | undefined;
    let casePatterns = false;
    let caseDepth = 0;
    let patterns: string[] = [];
    const flush = (): void => {
      if (words.length && !this.suppressed) this.commands.push({ words, line });
      words = [];
      redirectTarget = false;
    };
    while (this.i < this.s.length) {
      const c = this.peek();
      if (close && c === close && !inTest && !casePatterns) {
        this.advance();
        flush();
        return;
      }
      if (c === "\n") {
        this.advance();
        if (!inTest) flush();
        this.readHeredocBodies();
        line = this.line;
        continue;
      }
      if (c === " " || c === "\t") {
        this.advance();
        continue;
      }
      if (c === "\\" && this.peek(1) === "\n") {
        this.advance();
        this.advance();
        continue;
      }
      if (c === "#") {
        while (this.i < this.s.length && this.peek() !== "\n") this.advance();
        continue;
      }
      if (casePatterns) {
        // A case pattern list up to ")"; "esac" ends the case.
        const w = this.readWord();
        const frame = this.cases[this.cases.length - 1];
        if (w === "esac" && patterns.length === 0) {
          casePatterns = false;
          caseDepth--;
          this.cases.pop();
          continue;
        }
        if (w) patterns.push(w);
        if (this.peek() === ")") {
          this.advance();
          casePatterns = false;
          line = this.line;
          frame.active =
            frame.value === undefined || (!frame.matched && patterns.some((p) => globMatches(p, frame.value ?? "")));
          if (frame.active && frame.value !== undefined) frame.matched = true;
          patterns = [];
        } else if (this.peek() === "|" || this.peek() === "(") this.advance();
        continue;
      }
      if (inTest) {
        const w = this.readWord();
        if (w === "]]") inTest = undefined;
        else if (w === "") this.advance();
        continue;
      }
      if (c === "(" && this.peek(1) === "(" && words.length === 0) {
        this.skipArithmetic();
        continue;
      }
      if (c === ";" && this.peek(1) === ";") {
        this.advance();
        this.advance();
        flush();
        if (caseDepth > 0) casePatterns = true;
        continue;
      }
      if (";&|()".includes(c) && !(c === "&" && this.peek(1) === ">")) {
        this.advance();
        if ((c === "&" || c === "|") && this.peek() === c) this.advance();
        flush();
        line = this.line;
        continue;
      }
      const redirect = this.readRedirect();
      if (redirect) {
        if (redirect === "<<" || redirect === "<<-") {
          const delim = this.readWord();
          this.pendingHeredocs.push({ delim: delim.replace(/['"\\]/g, ""), strip: redirect === "<<-" });
        } else if (/&$/.test(redirect) && /[0-9-]/.test(this.peek())) {
          while (/[0-9-]/.test(this.peek())) this.advance();
        } else redirectTarget = true;
        continue;
      }
      const w = this.readWord();
      if (redirectTarget) {
        redirectTarget = false;
        continue;
      }
      if (words.length === 0) {
        if (w === "[[") {
          inTest = "[[";
          continue;
        }
        if (w === "case") {
          // case WORD in: then patterns up to ")".
          caseDepth++;
          while (this.peek() === " ") this.advance();
          const subject = /^\$\{?([A-Za-z_][A-Za-z0-9_]*)(:-)?\}?$/.exec(this.readWord());
          this.cases.push({ value: subject ? this.env[subject[1]] : undefined, matched: false, active: true });
          while (this.peek() === " ") this.advance();
          if (this.readWord() !== "in") throw new Error(`line ${this.line}: case without "in"`);
          casePatterns = true;
          continue;
        }
        if (["then", "else", "elif", "do", "if", "while", "until", "!", "{", "}", "fi", "done"].includes(w)) continue;
        if (w === "esac") {
          caseDepth--;
          this.cases.pop();
          continue;
        }
        if (w === "for") {
          // for NAME in WORDS; / for (( ... )) : no command until the separator.
          while (this.peek() === " ") this.advance();
          if (this.peek() === "(") this.skipArithmetic();
          else words.push("for");
          continue;
        }
      }
      words.push(w);
    }
    flush();
  }

  /** (( ... )) or for (( ... )): arithmetic, whose $(...) still run commands. */
  private skipArithmetic(): void {
    let depth = 0;
    do {
      const c = this.peek();
      if (c === "$" && this.peek(1) === "(" && this.peek(2) !== "(") {
        this.advance();
        this.advance();
        this.parseList(")");
        continue;
      }
      this.advance();
      if (c === "(") depth++;
      else if (c === ")") depth--;
    } while (depth > 0 && this.i < this.s.length);
  }

  private readRedirect(): string | undefined {
    const rest = this.s.slice(this.i);
    const m = /^(\{[A-Za-z_][A-Za-z0-9_]*\}|[0-9]*)(<<<|<<-|<<|<>|>>|&>>|&>|>&|<&|>\||<(?!\()|>(?!\())/.exec(rest);
    if (!m) return undefined;
    for (let k = 0; k < m[0].length; k++) this.advance();
    while (this.peek() === " ") this.advance();
    return m[2];
  }

  /** One shell word; command and process substitutions inside it are parsed as lists. */
  private readWord(): string {
    let out = "";
    while (this.i < this.s.length) {
      const c = this.peek();
      if (" \t\n;&|<>".includes(c) && !(c === "<" && this.peek(1) === "(") && !(c === ">" && this.peek(1) === "("))
        break;
      if (c === ")" || (c === "(" && !out.endsWith("="))) break;
      if (c === "\\") {
        this.advance();
        out += this.advance();
      } else if (c === "'") {
        this.advance();
        while (this.i < this.s.length && this.peek() !== "'") out += this.advance();
        this.advance();
      } else if (c === '"') {
        this.advance();
        while (this.i < this.s.length && this.peek() !== '"') {
          if (this.peek() === "\\") {
            this.advance();
            out += this.advance();
          } else if (this.peek() === "$") out += this.readDollar();
          else if (this.peek() === "`") out += this.readBackquote();
          else out += this.advance();
        }
        this.advance();
      } else if (c === "$") {
        out += this.readDollar();
      } else if (c === "`") {
        out += this.readBackquote();
      } else if ((c === "<" || c === ">") && this.peek(1) === "(") {
        this.advance();
        this.advance();
        this.parseList(")");
        out += "<(...)";
      } else if (c === "(" && out.endsWith("=")) {
        // name=( array words ): the words are not commands.
        let depth = 0;
        do {
          const d = this.peek();
          if (d === "$") {
            out += this.readDollar();
            continue;
          }
          this.advance();
          if (d === "(") depth++;
          else if (d === ")") depth--;
        } while (depth > 0 && this.i < this.s.length);
        out += "(...)";
      } else {
        out += this.advance();
      }
    }
    return out;
  }

  private readDollar(): string {
    this.advance(); // $
    const c = this.peek();
    if (c === "(" && this.peek(1) === "(") {
      this.skipArithmetic();
      return "$((...))";
    }
    if (c === "(") {
      this.advance();
      this.parseList(")");
      return "$(...)";
    }
    if (c === "{") {
      let depth = 0;
      let text = "$";
      do {
        const d = this.peek();
        if (d === "$" && this.peek(1) === "(") {
          text += this.readDollar();
          continue;
        }
        text += this.advance();
        if (d === "{") depth++;
        else if (d === "}") depth--;
      } while (depth > 0 && this.i < this.s.length);
      return text;
    }
    let name = "$";
    if (/[@*#?$!0-9-]/.test(c)) return name + this.advance();
    while (/[A-Za-z0-9_]/.test(this.peek())) name += this.advance();
    return name;
  }

  private readBackquote(): string {
    this.advance();
    const start = this.i;
    while (this.i < this.s.length && this.peek() !== "`") this.advance();
    const inner = this.s.slice(start, this.i);
    this.advance();
    const sub = new Reader(inner, this.env);
    sub.parseList();
    this.commands.push(...sub.commands);
    return "`...`";
  }

  private readHeredocBodies(): void {
    for (const h of this.pendingHeredocs) {
      while (this.i < this.s.length) {
        const end = this.s.indexOf("\n", this.i);
        const lineText = this.s.slice(this.i, end === -1 ? this.s.length : end);
        this.i = end === -1 ? this.s.length : end + 1;
        this.line++;
        if ((h.strip ? lineText.replace(/^\t+/, "") : lineText) === h.delim) break;
      }
    }
    this.pendingHeredocs = [];
  }
}

/** A case pattern (with * and ?) against a value. */
function globMatches(pattern: string, value: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${re}$`).test(value);
}

/** Every simple command of a script, in order; case branches on a variable of `env` that do not run are left out. */
export function simpleCommands(script: string, env: Record<string, string> = {}): SimpleCommand[] {
  const r = new Reader(script, env);
  r.parseList();
  return r.commands;
}

export interface FunctionDef {
  /** Arguments shifted off before the function runs "$@" as a command; undefined: it never does. */
  runsArgsAfter?: number;
  body: string;
}

/** Functions a script defines, and the script with their bodies blanked out (line numbers kept). */
export function functionsOf(script: string): { functions: Map<string, FunctionDef>; topLevel: string } {
  const functions = new Map<string, FunctionDef>();
  let topLevel = script;
  const re = /^([A-Za-z_][A-Za-z0-9_-]*)\s*\(\)\s*\{/gm;
  let m: RegExpExecArray | null;
  while ((m = re.exec(script))) {
    // The body: to the end of the line for a one-liner, else to the first "}" in column 0.
    const start = m.index + m[0].length;
    const eol = script.indexOf("\n", start);
    const firstLine = script.slice(start, eol === -1 ? undefined : eol);
    const end = /\}\s*(#.*)?$/.test(firstLine) ? start + firstLine.lastIndexOf("}") : script.indexOf("\n}", start) + 1;
    if (end <= start) throw new Error(`function ${m[1]}: no closing brace in column 0`);
    const body = script.slice(start, end);
    let shift = 0;
    let runsArgsAfter: number | undefined;
    for (const cmd of simpleCommands(body)) {
      if (cmd.words[0] === "shift") shift += Number(cmd.words[1] ?? 1);
      if (cmd.words[0] === "$@" && runsArgsAfter === undefined) runsArgsAfter = shift;
    }
    functions.set(m[1], { runsArgsAfter, body });
    topLevel =
      topLevel.slice(0, m.index) + script.slice(m.index, end + 1).replace(/[^\n]/g, " ") + topLevel.slice(end + 1);
  }
  return { functions, topLevel };
}

/**
 * The external commands a script can run: its top level and every function it
 * calls (transitively), with `$NAME` command words resolved through `env` (a
 * variable not there is reported as the word itself, so an unknown command
 * never passes silently). Builtins are skipped; wrappers (exec, timeout,
 * xargs, env) and functions that run "$@" are followed to the command they start.
 */
export function externalCommands(
  topLevel: string,
  functions: Map<string, FunctionDef>,
  env: Record<string, string>,
): { name: string; where: string }[] {
  const out: { name: string; where: string }[] = [];
  const visited = new Set<string>();
  const visit = (words: string[], where: string): void => {
    let i = 0;
    // Leading assignments are not commands.
    while (i < words.length && /^[A-Za-z_][A-Za-z0-9_]*(\[[^\]]*\])?\+?=/.test(words[i])) i++;
    if (i >= words.length) return;
    let word = words[i];
    const variable = /^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$/.exec(word);
    if (variable) word = env[variable[1]] ?? word;
    if (word === "$@" || word === "$*") return; // the caller's words: checked where a caller passes them
    const rest = words.slice(i + 1);
    if (WRAPPERS[word]) {
      // timeout, xargs, env and nohup are programs of their own (coreutils, findutils): the image must have them too.
      if (!BUILTINS.has(word)) out.push({ name: word, where });
      const next = WRAPPERS[word](rest);
      if (next !== undefined) visit(rest.slice(next), where);
      return;
    }
    const fn = functions.get(word);
    if (fn) {
      if (!visited.has(word)) {
        visited.add(word);
        for (const cmd of simpleCommands(fn.body, env)) visit(cmd.words, `function ${word}`);
      }
      if (fn.runsArgsAfter !== undefined && rest.length > fn.runsArgsAfter) visit(rest.slice(fn.runsArgsAfter), where);
      return;
    }
    if (word === "trap" && rest[0] && rest[0] !== "-") {
      for (const cmd of simpleCommands(rest[0], env)) visit(cmd.words, where);
      return;
    }
    if (BUILTINS.has(word)) return;
    out.push({ name: word, where });
  };
  for (const cmd of simpleCommands(topLevel, env)) visit(cmd.words, `line ${cmd.line}`);
  return out;
}
