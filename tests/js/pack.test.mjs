// The publishable npm package: pkg/package.json and what `npm pack` puts in
// the tarball that the integration apps install.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { pathToFileURL } from "node:url";
import { join } from "node:path";
import { packTarball, run, PKG, ROOT } from "../integration/lib.mjs";

let pack;
before(async () => {
  pack = await packTarball();
});
after(() => pack?.cleanup());

test("pkg/package.json is a complete ES module package", async () => {
  const pj = JSON.parse(await readFile(join(PKG, "package.json"), "utf8"));
  const cargo = await readFile(join(ROOT, "Cargo.toml"), "utf8");
  assert.equal(pj.name, "byok-keyring");
  assert.equal(pj.version, cargo.match(/^version\s*=\s*"([^"]+)"/m)[1]);
  assert.match(pj.description, /BYOK/);
  assert.equal(pj.license, "MIT OR Apache-2.0");
  assert.match(pj.repository.url, /github\.com\/byok-keyring\/byok-keyring/);
  assert.ok(pj.keywords.includes("wasm") && pj.keywords.includes("byok"));
  assert.equal(pj.type, "module");
  assert.deepEqual(pj.sideEffects, ["./elements.js"], "only the elements entry has a side effect (it defines <byok-keys>)");
  assert.equal(pj.types, "./index.d.ts");
  assert.equal(pj.main, "./index.js");
  const root = pj.exports["."];
  assert.equal(Object.keys(root)[0], "types", "\"types\" must come first in exports");
  assert.deepEqual(root, { types: "./index.d.ts", node: "./node.js", default: "./index.js" });
  assert.equal(pj.exports["./byok_keyring_bg.wasm"], "./byok_keyring_bg.wasm");
  assert.deepEqual(pj.exports["./react"], { types: "./react.d.ts", node: "./react-node.js", default: "./react.js" });
  assert.deepEqual(pj.peerDependenciesMeta, { react: { optional: true } }, "React is optional: only byok-keyring/react needs it");
});

test("the tarball holds exactly the package files", () => {
  // The glue's snippets (js/transport.js, the fetch of `verify` and the
  // WebCrypto derivations; js/resume.js, `resume: "tab"`; js/passkey.js, the
  // WebAuthn ceremonies) sit under a hashed
  // folder name that wasm-bindgen chooses.
  const files = pack.files.map((f) => f.replace(/^snippets\/byok-keyring-[0-9a-f]+\//, "snippets/<crate>/"));
  assert.deepEqual(files, [
    "LICENSE-APACHE", "LICENSE-MIT", "README.md",
    "byok_keyring.d.ts", "byok_keyring.js", "byok_keyring.types.d.ts", "byok_keyring_bg.wasm",
    "elements.d.ts", "elements.js",
    "index.d.ts", "index.js", "node.js", "package.json",
    "react-node.js", "react.d.ts", "react.js",
    "snippets/<crate>/js/passkey.js", "snippets/<crate>/js/resume.js", "snippets/<crate>/js/transport.js",
  ]);
  for (const f of pack.files) {
    assert.doesNotMatch(f, /\.(map|rs|tgz|test\.m?js)$|^\.|(^|\/)(tests?|src|target|node_modules)\//, `unexpected file ${f}`);
  }
  assert.equal(pack.info.name, "byok-keyring");
  assert.ok(pack.info.size < 400_000, `tarball is ${pack.info.size} bytes`);
});

test("no file in the tarball points at a source map or holds test secrets", async () => {
  const dir = join(pack.dir, "x");
  await run("mkdir", ["-p", dir]);
  await run("tar", ["-xzf", pack.tarball, "-C", dir]);
  for (const f of pack.files) {
    const body = await readFile(join(dir, "package", f));
    const text = body.toString("latin1");
    assert.ok(!text.includes("sourceMappingURL"), `${f} references a source map`);
    for (const secret of ["correct horse battery", "A1b2C3d4_-A1b2C3d4", "T3BlbkFJz9Y8"]) {
      assert.ok(!text.includes(secret), `${f} contains a test secret`);
    }
  }
  const wasm = await readFile(join(dir, "package", "byok_keyring_bg.wasm"));
  assert.deepEqual([...wasm.subarray(0, 4)], [0x00, 0x61, 0x73, 0x6d], "the .wasm is a WebAssembly module");
});

test("README in the package has absolute links into the repository", async () => {
  const readme = await readFile(join(PKG, "README.md"), "utf8");
  const relative = [...readme.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]).filter((l) => !/^(https?:|#|mailto:)/.test(l));
  assert.deepEqual(relative, []);
});

test("index.js guards every export of the wasm-bindgen glue", async () => {
  // The shipped files are minified (scripts/package.mjs), so compare the
  // modules' exports, not their text.
  const glue = await import(pathToFileURL(join(PKG, "byok_keyring.js")).href);
  const entry = await import(pathToFileURL(join(PKG, "index.js")).href);
  // Glue exports the entry uses itself (js/index.js `// @internal`) are not re-exported.
  const internal = (/^\/\/ @internal (.+)$/m.exec(await readFile(join(ROOT, "js/index.js"), "utf8"))?.[1] ?? "").split(" ");
  assert.ok(internal.includes("validateOutcome"));
  for (const n of internal) assert.ok(n in glue && !(n in entry), `${n}: a glue export the entry keeps to itself`);
  const names = Object.keys(glue).filter((n) => n !== "default" && n !== "initSync" && !internal.includes(n));
  assert.ok(names.length >= 5);
  for (const n of names) {
    assert.ok(n in entry, `index.js does not export ${n}`);
    if (typeof glue[n] === "function" && !/^class\b/.test(Function.prototype.toString.call(glue[n]))) {
      assert.notEqual(entry[n], glue[n], `index.js exports the glue's ${n} unguarded`);
      assert.throws(() => entry[n]("x"), (e) => e.code === "not_initialized", `${n} before init()`);
    }
  }
  const index = await readFile(join(PKG, "index.js"), "utf8");
  assert.doesNotMatch(index, /node:/, "the browser entry must not import node: modules");
});

test("the glue calls only exports the .wasm has, by their short names", async () => {
  // scripts/short-names.mjs renames the .wasm's imports and exports and the
  // glue with them; a name missed on one side would fail only when the method
  // that uses it runs.
  const wasm = new WebAssembly.Module(await readFile(join(PKG, "byok_keyring_bg.wasm")));
  const exported = new Set(WebAssembly.Module.exports(wasm).map((e) => e.name));
  const glue = await readFile(join(PKG, "byok_keyring.js"), "utf8");
  const called = new Set([...glue.matchAll(/\bwasm\.([\w$]+)/g)].map((m) => m[1]));
  assert.ok(called.size >= 40, `the glue calls ${called.size} exports`);
  for (const name of called) assert.ok(exported.has(name), `the glue calls wasm.${name}, which the .wasm does not export`);
  const imported = WebAssembly.Module.imports(wasm);
  assert.deepEqual([...new Set(imported.map((i) => i.module))], ["a"], "every import comes from one module, \"a\"");
  for (const { name } of imported) {
    assert.ok(new RegExp(`[{,]${name.replace(/\$/g, "\\$")}:`).test(glue), `the glue's import object lacks ${name}`);
  }
  const long = [...glue.matchAll(/\b(?:__wbg_\w+_[0-9a-f]{16}|wasm_bindgen_[0-9a-f]{16}\w*)\b/g)].map((m) => m[0]);
  assert.deepEqual(long, [], "wasm-bindgen's hash-suffixed names are left in the glue");
  for (const e of exported) assert.ok(e.length <= 2, `export ${e} kept its long name`);
});
