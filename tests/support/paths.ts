// Where the repository's files are, for tests that read them (the scripts,
// the stack files, the README): one definition instead of a relative path per
// test file.

import * as path from "path";

/** The repository root. */
export const ROOT = path.join(__dirname, "../..");

/** The pod scripts the scripts ConfigMap ships. */
export const SCRIPTS_DIR = path.join(ROOT, "components/mysql-cluster/scripts");
