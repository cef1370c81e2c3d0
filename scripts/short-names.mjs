#!/usr/bin/env node
// Gives the .wasm's imports and exports one- and two-letter names, in the
// .wasm and in the wasm-bindgen glue that calls it, so neither carries
// wasm-bindgen's hash-suffixed names (`__wbg_trim_282aaa1d451c47dc`, ...).
// Measured: -2.3 KB gzipped of .wasm, -0.8 KB of glue (docs/DECISIONS.md
// "Size levers measured").
//
// Usage: node scripts/short-names.mjs <names.json>, after
//   wasm-opt --minify-imports-and-exports-and-modules pkg/byok_keyring_bg.wasm ... > <names.json>
// (the Makefile's `build`), and before scripts/package.mjs. names.json is
// binaryen's map: { imports: [[module, name, new name]], exports: [[name, new name]] };
// every import then comes from one module whose name the .wasm says.
//
// The glue is rewritten where wasm-bindgen writes these names: the keys of
// its import object `import0` (the "./byok_keyring_bg.js" module), its
// `return { "<module>": importN, ... }` of the snippets' modules, and each
// `wasm.<export>`; pkg/byok_keyring.d.ts's InitOutput follows. Anything not
// found exactly as expected stops the build: a wasm-bindgen that writes its
// glue differently fails here, not in a browser.
import { readFile, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { join } from "node:path";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const PKG = join(ROOT, "pkg");
const GLUE = join(PKG, "byok_keyring.js");
const DTS = join(PKG, "byok_keyring.d.ts");
const WASM = join(PKG, "byok_keyring_bg.wasm");
const BG = "./byok_keyring_bg.js";

function fail(msg) {
  console.error(`short-names.mjs: ${msg} (run \`make build\` to start again from wasm-pack's output)`);
  process.exit(1);
}

const mapFile = process.argv[2];
if (!mapFile) fail("usage: node scripts/short-names.mjs <names.json>");
let map;
try {
  map = JSON.parse(await readFile(mapFile, "utf8"));
} catch (e) {
  fail(`${mapFile} is not wasm-opt's map of names: ${e.message}`);
}
if (!Array.isArray(map?.imports) || !Array.isArray(map?.exports)) fail(`${mapFile} lacks "imports" or "exports"`);

// The module every import now comes from, read from the .wasm itself.
const module = new WebAssembly.Module(await readFile(WASM));
const imported = WebAssembly.Module.imports(module);
const modules = [...new Set(imported.map((i) => i.module))];
if (modules.length !== 1) fail(`the .wasm imports from ${modules.length} modules; expected one`);
const exported = new Set(WebAssembly.Module.exports(module).map((e) => e.name));

let glue = await readFile(GLUE, "utf8");
const ident = (name) => name.replace(/[$]/g, "\\$");
// Replaces the one occurrence of `re` in the glue, or stops.
function once(re, to, what) {
  const found = glue.match(new RegExp(re.source, re.flags.includes("g") ? re.flags : re.flags + "g"));
  if (found?.length !== 1) fail(`${what}: found ${found?.length ?? 0} times in the glue, expected once`);
  glue = glue.replace(re, to);
}

// ---- imports: the snippets' modules, as wasm-bindgen's import object names them
const ret = /return\s*\{\s*__proto__:\s*null,((?:\s*"[^"]+":\s*import\d+,)+)\s*\};/;
const listed = ret.exec(glue);
if (!listed) fail("the import object's `return { __proto__: null, ... }` was not found");
const moduleVar = new Map([...listed[1].matchAll(/"([^"]+)":\s*(import\d+)/g)].map((m) => [m[1], m[2]]));
if (moduleVar.get(BG) !== "import0") fail(`"${BG}" is not import0 in the glue`);
const added = [];
for (const [from, name, to] of map.imports) {
  if (from === BG) {
    once(new RegExp(`(\\n\\s*)${ident(name)}(: function\\()`), (_, a, b) => a + to + b, `import ${name}`);
  } else {
    const ns = moduleVar.get(from);
    if (!ns) fail(`import ${name} from "${from}": the glue has no such module`);
    added.push(`        ${to}: ${ns}.${name},`);
  }
}
if (imported.length !== map.imports.length) fail(`the .wasm has ${imported.length} imports, the map ${map.imports.length}`);
// The snippets' functions join import0 under their new names, and the
// import object becomes the one module the .wasm imports from.
once(/(\n\s*)\};(\s*)return\s*\{\s*__proto__:\s*null,(?:\s*"[^"]+":\s*import\d+,)+\s*\};/,
  (_, nl, gap) => `${added.length ? "\n" + added.join("\n") : ""}${nl}};${gap}return { __proto__: null, ${JSON.stringify(modules[0])}: import0 };`,
  "the end of import0");

// ---- exports: every `wasm.<name>` the glue calls
for (const [name, to] of map.exports) {
  if (!exported.has(to)) fail(`export ${name} → ${to}: not an export of the .wasm`);
  glue = glue.replace(new RegExp(`\\bwasm\\.${ident(name)}(?![\\w$])`, "g"), () => `wasm.${to}`);
}
const unknown = [...glue.matchAll(/\bwasm\.([\w$]+)/g)].map((m) => m[1]).filter((n) => !exported.has(n));
if (unknown.length) fail(`the glue still calls exports the .wasm lacks: ${[...new Set(unknown)].join(", ")}`);
// The glue's own wrappers of closures carry the long names as JS function names.
let closure = 0;
const closures = new Map();
glue = glue.replace(/\bwasm_bindgen_[0-9a-f]{16}_\w+/g, (n) => {
  if (!closures.has(n)) closures.set(n, `__wbg_closure${closure++}`);
  return closures.get(n);
});
await writeFile(GLUE, glue);

// ---- pkg/byok_keyring.d.ts: InitOutput lists the exports by name
let dts = await readFile(DTS, "utf8");
for (const [name, to] of map.exports) {
  dts = dts.replace(new RegExp(`\\breadonly ${ident(name)}:`, "g"), () => `readonly ${JSON.stringify(to)}:`);
}
await writeFile(DTS, dts);
console.log(`short-names.mjs: ${map.imports.length} imports and ${map.exports.length} exports renamed`);
