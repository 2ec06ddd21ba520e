// The image facts carry their own sources: every confirmed or lacking command
// cites a file of a public repository at a commit, the tag it builds and the
// day it was read, and nothing points outside the repository a user clones
// (the facts once cited ../shared/images.md, which no clone has).
import * as assert from "assert";
import { cite, IMAGE_FACTS, IMAGE_FACTS_CHECKED } from "../../../components/mysql-cluster/image-facts";

/** A citation as cite() writes it: repository, path, commit, then (date; tag; read day). */
const CITATION =
  /github\.com\/[\w.-]+\/[\w.-]+ \S.* @[0-9a-f]{7,40} \([^;]+; [^;]*tag[^;]*;.* read (\d{4}-\d{2}-\d{2})\)/;

describe("image facts: sources", function () {
  it("writes a citation that names the file, the commit, the tag and the day", function () {
    const text = cite({
      repo: "docker-library/mysql",
      path: "8.4/Dockerfile.oracle",
      commit: "99f090f",
      committed: "2026-06-16",
      tag: "tag 8.4",
      read: "2026-12-03",
    });
    assert.strictEqual(
      text,
      "github.com/docker-library/mysql 8.4/Dockerfile.oracle @99f090f (2026-06-16; tag 8.4; read 2026-12-03)",
    );
    assert.match(text, CITATION);
    assert.doesNotMatch("../shared/images.md, read 2026-11", CITATION);
  });

  it("cites a read file for every confirmed and every lacking command, read no later than IMAGE_FACTS_CHECKED", function () {
    const problems: string[] = [];
    let facts = 0;
    for (const [repo, image] of Object.entries(IMAGE_FACTS)) {
      for (const fact of [...image.confirmed, ...image.lacks]) {
        facts++;
        const what = `${repo} ${fact.commands.join(" ")}`;
        const match = CITATION.exec(fact.source);
        if (!match) problems.push(`${what}: no citation in "${fact.source}"`);
        else if (match[1] > IMAGE_FACTS_CHECKED)
          problems.push(`${what}: read ${match[1]}, after ${IMAGE_FACTS_CHECKED}`);
        if (/\.\.\/|shared\/images/.test(fact.source)) problems.push(`${what}: cites a file outside the repository`);
      }
    }
    assert.ok(facts >= 20, `only ${facts} facts read`);
    assert.deepStrictEqual(problems, []);
  });

  it("says why each unconfirmed command is not granted", function () {
    for (const [repo, image] of Object.entries(IMAGE_FACTS))
      for (const u of image.unconfirmed) assert.ok(u.why.length > 30, `${repo} ${u.commands.join(" ")}: no reason`);
  });
});
