// `npm run local -- up --stack dev` end to end, as a user runs it (root):
// the dev stack's own settings come up, and the connection command it prints
// for the stack's application user works as printed, with the password read
// from the option file and never on a command line or in the output.
import * as assert from "assert";
import { execFile, ExecFileException } from "child_process";
import * as fs from "fs";
import * as path from "path";

const ROOT = path.join(__dirname, "..", "..");
const TSX = path.join(ROOT, "node_modules", ".bin", "tsx");

function run(
  file: string,
  args: string[],
  timeoutMs: number,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd: ROOT, timeout: timeoutMs, maxBuffer: 16 << 20 }, (e, stdout, stderr) =>
      resolve({ code: e ? ((e as ExecFileException).code as number) || 1 : 0, stdout, stderr }),
    );
  });
}

describe("npm run local -- up --stack dev", function () {
  this.timeout(900_000);
  const id = `dev${process.pid % 1000}`;
  const local = (...args: string[]) => run(TSX, ["local/cli.ts", "--id", id, ...args], 800_000);

  after(async () => {
    const down = await local("down");
    assert.strictEqual(down.code, 0, down.stderr);
  });

  it("runs the dev stack's settings and prints a command that connects as its application user", async () => {
    const up = await local("up", "--stack", "dev");
    assert.strictEqual(up.code, 0, `${up.stdout}\n${up.stderr}`);
    // Pulumi.dev.yaml: 3 replicas of cluster "mysql".
    for (const pod of ["mysql-0", "mysql-1", "mysql-2"]) assert.match(up.stdout, new RegExp(`^${pod} +1/1 `, "m"));
    const printed = /^connect as the application user shop .*\n {2}(ip netns exec .+)$/m.exec(up.stdout);
    assert.ok(printed, up.stdout);
    const command = printed[1];
    assert.match(
      command,
      /^ip netns exec mc\w+-\d+ mariadb --defaults-extra-file=(\S+) -h mysql-write\.default\.svc\.cluster\.local -P 3306 shop$/,
    );
    const optionFile = /--defaults-extra-file=(\S+)/.exec(command)![1];
    assert.strictEqual(fs.statSync(optionFile).mode & 0o777, 0o600);
    const password = /^password=(.+)$/m.exec(fs.readFileSync(optionFile, "utf8"))![1];
    assert.ok(!up.stdout.includes(password) && !up.stderr.includes(password), "the password was printed");
    assert.ok(!command.includes(password));
    // The printed command, as printed, with a query appended: the app user, on its database, over verified TLS.
    const sql = await run(
      "bash",
      ["-c", `${command} -N -B -e "SELECT CURRENT_USER(), DATABASE(); SHOW SESSION STATUS LIKE 'Ssl_cipher'"`],
      60_000,
    );
    assert.strictEqual(sql.code, 0, sql.stderr);
    const [who, cipher] = sql.stdout.trim().split("\n");
    assert.strictEqual(who, "shop@%\tshop");
    assert.match(cipher, /^Ssl_cipher\t\S+$/);
    // `status` prints the same command.
    const status = await local("status");
    assert.ok(status.stdout.includes(command), status.stdout);
  });
});
