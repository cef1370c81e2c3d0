// Size budget: what a page downloads to use byok-keyring, gzipped at level 9,
// against the limits in size-budget.json (the README's "Dependencies" and
// BENCHMARKS.md refer to it). Needs pkg/ (`make build`); a missing file fails.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { BUDGET, BUDGET_FILE, ROOT, fileSize, groupFiles } from "../../scripts/size-report.mjs";

const n = (x) => x.toLocaleString("en");

test("the budget file holds positive limits and a gzip level", () => {
  assert.equal(BUDGET.gzipLevel, 9);
  assert.ok(BUDGET.wasm.maxGzipBytes > 0 && BUDGET.coreJs.maxGzipBytes > 0);
  assert.deepEqual(BUDGET.wasm.files, ["pkg/byok_keyring_bg.wasm"]);
});

test(`pkg/byok_keyring_bg.wasm is at most ${n(BUDGET.wasm.maxGzipBytes)} bytes gzipped`, async () => {
  const limit = BUDGET.wasm.maxGzipBytes;
  for (const path of await groupFiles("wasm")) {
    const f = await fileSize(path);
    // Not an empty or truncated stand-in: a module the engine accepts.
    assert.ok(WebAssembly.validate(f.bytes), `${path} is not a valid WebAssembly module`);
    assert.ok(
      f.gzip <= limit,
      `${path} is ${n(f.gzip)} bytes gzipped (level ${BUDGET.gzipLevel}; ${n(f.raw)} raw), ` +
        `over the limit of ${n(limit)} bytes (${BUDGET_FILE}) by ${n(f.gzip - limit)}`,
    );
  }
});

/** Relative static and dynamic imports of a JS file, as repo-relative paths. */
async function importsOf(path) {
  const src = await readFile(join(ROOT, path), "utf8");
  const specs = [
    ...src.matchAll(/\b(?:import|export)\s[^;"']*?\bfrom\s*["'](\.{1,2}\/[^"']+)["']/g),
    ...src.matchAll(/\bimport\s*["'](\.{1,2}\/[^"']+)["']/g),
    ...src.matchAll(/\bimport\(\s*["'](\.{1,2}\/[^"']+)["']\s*\)/g),
  ].map((m) => m[1]);
  return specs.map((s) => relative(ROOT, normalize(join(ROOT, dirname(path), s))));
}

test(`the core JS (entry, glue, snippets) is at most ${n(BUDGET.coreJs.maxGzipBytes)} bytes gzipped`, async () => {
  const limit = BUDGET.coreJs.maxGzipBytes;
  const files = await groupFiles("coreJs");

  // Everything the entry loads is counted: walk its relative imports.
  const seen = new Set();
  const queue = ["pkg/index.js"];
  while (queue.length) {
    const p = queue.pop();
    if (seen.has(p)) continue;
    seen.add(p);
    assert.ok(existsSync(join(ROOT, p)), `${p} is missing: run \`make build\` first`);
    queue.push(...(await importsOf(p)));
  }
  assert.ok(seen.has("pkg/byok_keyring.js"), "pkg/index.js does not import the wasm-bindgen glue ./byok_keyring.js");
  for (const p of seen) assert.ok(files.includes(p), `${p} is loaded by pkg/index.js but not counted in ${BUDGET_FILE}`);

  const sizes = [];
  for (const path of files) sizes.push(await fileSize(path));
  for (const f of sizes) assert.ok(f.raw > 0, `${f.path} is empty`);
  const total = sizes.reduce((s, f) => s + f.gzip, 0);
  const each = sizes.map((f) => `${f.path} ${n(f.gzip)}`).join(", ");
  assert.ok(
    total <= limit,
    `core JS is ${n(total)} bytes gzipped (level ${BUDGET.gzipLevel}, each file on its own: ${each}), ` +
      `over the limit of ${n(limit)} bytes (${BUDGET_FILE}) by ${n(total - limit)}`,
  );
});

test(`the <byok-keys> entry (pkg/elements.js) is at most ${n(BUDGET.elements.maxGzipBytes)} bytes gzipped, and only apps that import it load it`, async () => {
  const limit = BUDGET.elements.maxGzipBytes;
  const [path] = await groupFiles("elements");
  assert.equal(path, "pkg/elements.js");
  // It loads the package entry (counted in coreJs) and nothing else.
  assert.deepEqual(await importsOf(path), ["pkg/index.js"]);
  // The package entry does not load it, directly or through another module.
  const seen = new Set();
  const queue = ["pkg/index.js"];
  while (queue.length) {
    const p = queue.pop();
    if (seen.has(p)) continue;
    seen.add(p);
    queue.push(...(await importsOf(p)));
  }
  assert.ok(!seen.has(path), "pkg/index.js loads pkg/elements.js: every app would pay for it");
  const f = await fileSize(path);
  assert.ok(f.raw > 0, `${path} is empty`);
  assert.ok(
    f.gzip <= limit,
    `${path} is ${n(f.gzip)} bytes gzipped (level ${BUDGET.gzipLevel}; ${n(f.raw)} raw), over the limit of ${n(limit)} bytes (${BUDGET_FILE}) by ${n(f.gzip - limit)}`,
  );
});
