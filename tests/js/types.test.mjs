// TypeScript: a file using the whole API (tests/integration/types/src/api.ts)
// and a server-side file type-check under `strict`, with the package's own
// declarations checked too (skipLibCheck false), against the packed tarball,
// with TypeScript 7 and 5.9, for a bundler app, a Next.js-style app and Node.
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { packTarball, installApp, run, INTEGRATION, PKG } from "../integration/lib.mjs";

const APP = join(INTEGRATION, "types");
const COMPILERS = {
  "TypeScript 7": join(APP, "node_modules/typescript/bin/tsc"),
  "TypeScript 5.9": join(APP, "node_modules/typescript5/bin/tsc"),
};
const CONFIGS = {
  "a bundler app (ES2022 + DOM)": "tsconfig.json",
  "a Next.js-style app (ESNext + DOM)": "tsconfig.esnext.json",
  "a Node server (NodeNext, no DOM)": "tsconfig.node.json",
};

let pack;
before(async () => {
  pack = await packTarball();
  await installApp(APP, pack.tarball);
}, { timeout: 300_000 });
after(() => pack?.cleanup());

describe("the whole API type-checks", { concurrency: true }, () => {
  for (const [what, config] of Object.entries(CONFIGS)) {
    for (const [name, tsc] of Object.entries(COMPILERS)) {
      test(`${name}, tsc --noEmit under strict: ${what}`, async () => {
        const r = await run(process.execPath, [tsc, "--noEmit", "-p", config], { cwd: APP, allowFail: true });
        assert.equal(r.code, 0, `${name} -p ${config}:\n${r.stdout}${r.stderr}`);
      });
    }
  }
});

test("api.ts uses every export, type and Keyring member of the package", async () => {
  const dts = await readFile(join(PKG, "byok_keyring.types.d.ts"), "utf8");
  const api = await readFile(join(APP, "src/api.ts"), "utf8");
  const names = new Set(["init", "initSync", "KeyringErrorCode", "KeyringError", "InitInput", "SyncInitInput"]);
  for (const m of dts.matchAll(/^export (?:declare )?(?:function|class|type|interface) (\w+)/gm)) names.add(m[1]);
  // Members of `class Keyring` and `interface Keyring` (its overloads).
  for (const block of dts.matchAll(/^export (?:class|interface) Keyring \{([\s\S]*?)^\}/gm)) {
    for (const m of block[1].matchAll(/^ {4}(?:static |readonly )*(\w+)\s*[(<:?]/gm)) if (m[1] !== "constructor") names.add(m[1]);
  }
  const missing = [...names].filter((n) => !new RegExp(`\\b${n}\\b`).test(api));
  assert.deepEqual(missing, [], `tests/integration/types/src/api.ts does not use: ${missing.join(", ")}; add a typed use of each`);
});
