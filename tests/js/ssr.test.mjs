// Server-side rendering: the packed package imported by plain Node 20 (no
// window, no Web Storage). Each case runs in its own Node process, so each
// starts with a module that has never been initialised.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { copyFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { packTarball, installTarballInTemp, run, OPENAI_KEY } from "../integration/lib.mjs";

const FIXTURE = fileURLToPath(new URL("./fixtures/ssr-check.mjs", import.meta.url));
let pack, app;
before(async () => {
  pack = await packTarball();
  app = await installTarballInTemp(pack.tarball);
  await copyFile(FIXTURE, join(app.dir, "ssr-check.mjs"));
});
after(async () => {
  await app?.cleanup();
  await pack?.cleanup();
});

async function check(mode, { ignoreWarnings } = {}) {
  const { stdout } = await run(process.execPath, ["ssr-check.mjs", mode], { cwd: app.dir, env: { OPENAI_KEY } });
  const r = JSON.parse(stdout.trim().split("\n").pop());
  assert.equal(r.error, undefined, r.error);
  assert.equal(r.hasWindow, false);
  assert.equal(r.hasSessionStorage, false);
  assert.deepEqual(r.warnings.filter((w) => !ignoreWarnings?.test(w)), [], "init printed warnings");
  return r;
}

function assertKeyringWorks(r) {
  assert.equal(r.stateBefore, "empty");
  assert.equal(r.isByok, true);
  assert.equal(r.deduct, false);
  assert.equal(r.get, true);
  assert.equal(r.locked, "locked");
  assert.equal(r.isByokAgain, true);
}

test('import("byok-keyring") in Node: a clear error before init(), then a memory keyring', async () => {
  const r = await check("node-entry");
  for (const name of ["Keyring", "default", "detectProvider", "initSync", "mask", "providers", "validate"]) {
    assert.ok(r.exports.includes(name), `missing export ${name}`);
  }
  // But what the entry uses itself (js/index.js `// @internal`: the core's
  // outcome number behind `validate`).
  assert.deepEqual(r.exports, r.glueExports.filter((n) => n !== "validateOutcome" && n !== "validateScratch"), "the package exports exactly what the wasm-bindgen glue exports");
  for (const before of [r.beforeKeyring, r.beforeValidate]) {
    assert.equal(before.isError, true);
    assert.equal(before.name, "KeyringError");
    assert.equal(before.code, "not_initialized");
    assert.match(before.message, /await init\(\)/);
  }
  // Keyring's statics: importVault at least, each guarded before init().
  assert.ok(r.statics.includes("importVault"), `Keyring.importVault is missing (statics: ${JSON.stringify(r.statics)})`);
  assert.equal(r.beforeStatics.length, r.statics.length);
  for (const e of r.beforeStatics) assert.equal(e?.code, "not_initialized", `a static method of Keyring (${r.statics}) is not guarded`);
  assert.equal(r.samePromise, true, "concurrent init() calls share one promise");
  assert.equal(r.instanceOf, true);
  assert.deepEqual(r.imported, { instanceOf: true, state: "locked", namespace: "moved" }, "Keyring.importVault did not give a Keyring");
  assert.equal(r.laterInit, "resolved");
  assert.equal(r.validate, "ok");
  assertKeyringWorks(r.auto);
  assert.ok(["wasm", "webcrypto"].includes(r.auto.backend));
  assertKeyringWorks(r.wasm);
  assert.equal(r.wasm.backend, "wasm", 'kdf: "wasm" runs the pure-Rust KDF');
});

test('"session" and "local" keyrings in Node throw storage_unavailable, not a ReferenceError', async () => {
  const r = await check("node-entry");
  for (const e of [r.session, r.sessionExplicit, r.local]) {
    assert.equal(e.isError, true);
    assert.equal(e.name, "KeyringError");
    assert.equal(e.code, "storage_unavailable");
    assert.match(e.message, /storage: "memory"/);
  }
});

test("require() from CommonJS loads the same package (Node >= 20.19)", async (t) => {
  const [major, minor] = process.versions.node.split(".").map(Number);
  if (major < 20 || (major === 20 && minor < 19) || (major === 22 && minor < 12)) return t.skip("no require(esm) in this Node");
  const r = await check("require", { ignoreWarnings: /ExperimentalWarning|require\(\) of ES modules?/i });
  assertKeyringWorks(r.auto);
});

for (const mode of ["bytes", "promise", "browser-entry-bytes", "browser-entry-object", "browser-entry-module", "browser-entry-sync"]) {
  test(`init with ${mode.replace("browser-entry-", "the browser entry and ")}`, async () => {
    const r = await check(mode);
    if (mode.endsWith("bytes")) assert.equal(r.samePromise, true, "concurrent init() calls share one promise");
    assert.match(r.mask, /^sk-p•{8}uvwx$/);
    assertKeyringWorks(r.auto);
  });
}

test("after a failed init(), calls still say not_initialized and the next init() retries", async () => {
  const r = await check("browser-entry-retry");
  assert.equal(r.firstError, "CompileError");
  assert.equal(r.afterFailure.code, "not_initialized");
  assertKeyringWorks(r.auto);
});
