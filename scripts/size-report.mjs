#!/usr/bin/env node
// `make size`: what the shipped .wasm is made of, per crate, as a Markdown
// table for the README's "Dependencies" section, and the shipped sizes
// (raw and gzipped) checked against size-budget.json.
//
// Needs `make build` first (target/wasm32-unknown-unknown/release/byok_keyring.wasm
// and pkg/). wasm-bindgen and wasm-opt strip function names from what ships,
// so this makes a second copy of the module that keeps them: wasm-bindgen
// --keep-debug, then the same `wasm-opt -Oz --converge` and inlining limit as
// the build (WASM_OPT_INLINE, passed by `make size`), with -g. twiggy then
// sizes every function and data segment of that copy; custom sections (names,
// producers) are left out of the table because the shipped module has none.
//
// Imported by tests/js/size.test.mjs and bench/run.mjs for `shippedSizes()`,
// so the budget, the file set and the gzip level live in one place.
import { readFile, readdir, mkdtemp, rm, stat } from "node:fs/promises";
import { existsSync, readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { gzipSync, brotliCompressSync, constants as zlibConstants } from "node:zlib";
import { join, relative } from "node:path";
import { tmpdir } from "node:os";
import { fileURLToPath, pathToFileURL } from "node:url";

export const ROOT = fileURLToPath(new URL("../", import.meta.url));
export const BUDGET_FILE = "size-budget.json";
export const BUDGET = JSON.parse(readFileSync(join(ROOT, BUDGET_FILE), "utf8"));

/** Raw, gzipped (at the budget's level) and brotli (quality 11, what a CDN
 *  serves precompressed) size of one file, by repo-relative path. The
 *  budget is gzip's; brotli is reported only. A missing file throws an
 *  error that says to build. */
export async function fileSize(path) {
  let bytes;
  try {
    bytes = await readFile(join(ROOT, path));
  } catch (e) {
    if (e.code === "ENOENT") throw new Error(`${path} is missing: run \`make build\` first`);
    throw e;
  }
  const brotli = brotliCompressSync(bytes, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 11 } }).length;
  return { path, raw: bytes.length, gzip: gzipSync(bytes, { level: BUDGET.gzipLevel }).length, brotli, bytes };
}

async function jsUnder(dir) {
  if (!existsSync(join(ROOT, dir))) return [];
  const out = [];
  for (const e of await readdir(join(ROOT, dir), { withFileTypes: true, recursive: true })) {
    if (e.isFile() && /\.m?js$/.test(e.name)) out.push(relative(ROOT, join(e.parentPath ?? e.path, e.name)));
  }
  return out.sort();
}

/** The files of one budget group ("wasm" or "coreJs"): listed files, then
 *  every .js under the group's directories. */
export async function groupFiles(group) {
  const g = BUDGET[group];
  const files = [...g.files];
  for (const d of g.dirs ?? []) files.push(...(await jsUnder(d)));
  return files;
}

/** Every budget group measured: { wasm: { files, raw, gzip, limit }, coreJs: … }.
 *  A group's gzip is the sum of its files gzipped one by one (each is its own
 *  HTTP response). Throws if a listed file is missing. */
export async function shippedSizes() {
  const out = {};
  for (const group of ["wasm", "coreJs"]) {
    const files = [];
    for (const f of await groupFiles(group)) files.push(await fileSize(f));
    out[group] = {
      files: files.map(({ path, raw, gzip, brotli }) => ({ path, raw, gzip, brotli })),
      raw: files.reduce((s, f) => s + f.raw, 0),
      gzip: files.reduce((s, f) => s + f.gzip, 0),
      brotli: files.reduce((s, f) => s + f.brotli, 0),
      limit: BUDGET[group].maxGzipBytes,
    };
  }
  return out;
}

export const kb = (n) => `${(n / 1024).toFixed(1)} KB`;

// ---------------------------------------------------------------- per crate

export const EXPORT_SHIMS = "byok_keyring exports (wasm-bindgen shims, bodies inlined)";
export const STRUCTURE = "(module structure: types, imports, exports, tables, headers)";

/** The crate a (demangled) twiggy item belongs to; null for a custom
 *  section (names, producers), which the shipped module does not have. */
export function crateOf(name) {
  if (/^data segment\b/.test(name) || /^data\[\d+\]$/.test(name)) return "DATA";
  if (/^custom section\b/.test(name) || /^".*" subsection$/.test(name)) return null;
  if (/^(type|table|elem|global|memory)\[\d+\]/.test(name) || /^(import|export) /.test(name) || /section headers$/.test(name) || /^(wasm magic bytes|start)\b/.test(name)) {
    return STRUCTURE;
  }
  // wasm-bindgen's adapters around each export (`keyring_set externref shim
  // multivalue shim`); wasm-opt inlines the exported function into them.
  if (/^Ref\(|^[A-Za-z]\w* -> /.test(name)) return "wasm_bindgen";
  if (/ (externref|multivalue) shim$/.test(name)) return EXPORT_SHIMS;
  if (/^(__wbindgen|__wbg|__externref)/.test(name)) return "wasm_bindgen";
  if (/^(mem(cpy|set|move|cmp)|__(mul|div|udiv|mod|umod|ashl|lshr|ashr)[a-z0-9]*)$/.test(name)) return "compiler_builtins";
  // Inherent methods of primitive types: `<str>::to_ascii_lowercase`, `<[u8]>::starts_with`.
  if (/^<(str|char|bool|[iuf](8|16|32|64|128|size)|\[.*\])>::/.test(name)) return "core";
  // Drop glue counts for the type dropped: `core::ptr::drop_in_place<byok_keyring::X>`.
  const drop = name.match(/^core(?:\[[0-9a-f]+\])?::ptr::drop_in_place(?:::)?<(.*)>(?:::h[0-9a-f]+)?$/);
  if (drop) {
    const inner = crateOf(drop[1]);
    return inner.startsWith("(") ? "core" : inner;
  }
  // The first path segment that is a crate: `core::fmt::write`,
  // `core[c5930c85a12de822]::str::slice_error_fail` (v0 mangling keeps the
  // crate's hash), `<alloc::vec::Vec<T> as core::ops::Drop>::drop` → alloc,
  // `<&byok_keyring::X as core::fmt::Debug>::fmt` → byok_keyring,
  // `__rustc[…]::__rdl_alloc` → std (the default allocator entry points).
  const m = name.match(/(?:^|[^A-Za-z0-9_:\]])([A-Za-z_][A-Za-z0-9_]*)(?:\[[0-9a-f]+\])?::/);
  if (m) return m[1] === "__rustc" ? "std" : m[1];
  if (/^code\[\d+\]$/.test(name)) return "(functions without a name)";
  return "(other)";
}

function parseCsv(text) {
  const rows = [];
  for (const line of text.split(/\r?\n/)) {
    if (!line) continue;
    const cells = [];
    let cur = "", quoted = false;
    for (let i = 0; i < line.length; i++) {
      const c = line[i];
      if (quoted) {
        if (c === '"' && line[i + 1] === '"') { cur += '"'; i++; }
        else if (c === '"') quoted = false;
        else cur += c;
      } else if (c === '"') quoted = true;
      else if (c === ",") { cells.push(cur); cur = ""; }
      else cur += c;
    }
    cells.push(cur);
    rows.push(cells);
  }
  const [head, ...body] = rows;
  return body.map((r) => Object.fromEntries(head.map((h, i) => [h, r[i]])));
}

function run(cmd, args) {
  try {
    return execFileSync(cmd, args, { cwd: ROOT, encoding: "utf8", maxBuffer: 1 << 28, stdio: ["ignore", "pipe", "pipe"] });
  } catch (e) {
    if (e.code === "ENOENT") throw new Error(`${cmd} not found (scripts/setup.sh installs it)`);
    throw new Error(`${cmd} ${args.join(" ")} failed:\n${e.stderr || e.message}`);
  }
}

async function main() {
  const input = "target/wasm32-unknown-unknown/release/byok_keyring.wasm";
  if (!existsSync(join(ROOT, input))) {
    console.error(`size-report: ${input} not found: run \`make build\` first.`);
    process.exit(1);
  }
  const built = (await stat(join(ROOT, input))).mtimeMs;
  const pkgWasm = join(ROOT, BUDGET.wasm.files[0]);
  if (existsSync(pkgWasm) && (await stat(pkgWasm)).mtimeMs < built) {
    console.error(`size-report: warning: ${BUDGET.wasm.files[0]} is older than ${input}; run \`make build\` for matching figures.`);
  }

  const tmp = await mkdtemp(join(tmpdir(), "byok-size-"));
  try {
    run("wasm-bindgen", ["--keep-debug", "--target", "web", "--out-dir", tmp, input]);
    const named = join(tmp, "byok_keyring_bg.wasm");
    const wasmOpt = join(ROOT, "node_modules/.bin/wasm-opt");
    // The build's inlining flag comes from the Makefile (WASM_OPT_INLINE).
    const inline = (process.env.WASM_OPT_INLINE ?? "").split(/\s+/).filter(Boolean);
    run(existsSync(wasmOpt) ? wasmOpt : "wasm-opt", ["-Oz", "--converge", ...inline, "-g", named, "-o", named]);
    const items = parseCsv(run("twiggy", ["top", "-n", "100000", "-f", "csv", named]));
    const nameKey = Object.keys(items[0] ?? {}).find((k) => /name/i.test(k));
    const sizeKey = Object.keys(items[0] ?? {}).find((k) => /shallow ?size$/i.test(k.trim()) || /^shallowsize$/i.test(k.trim()));
    if (!nameKey || !sizeKey) throw new Error(`unexpected twiggy CSV columns: ${Object.keys(items[0] ?? {}).join(", ")}`);

    const byCrate = new Map();
    let counted = 0, custom = 0;
    for (const it of items) {
      const name = it[nameKey], bytes = Number(it[sizeKey]);
      const crate = crateOf(name);
      if (crate === null) { custom += bytes; continue; }
      counted += bytes;
      const c = byCrate.get(crate) ?? { bytes: 0, items: 0 };
      c.bytes += bytes;
      c.items += 1;
      byCrate.set(crate, c);
    }
    const namedSize = (await stat(named)).size;
    const rows = [...byCrate].sort((a, b) => b[1].bytes - a[1].bytes);

    const lines = [];
    lines.push(`Per crate: code and data of the .wasm after wasm-bindgen and \`wasm-opt -Oz\`, measured with twiggy on a copy that keeps names (${kb(counted)} counted; custom sections, ${kb(custom)}, are not shipped).`, "");
    lines.push("| crate | items | bytes | share |", "|---|---:|---:|---:|");
    for (const [crate, c] of rows) {
      lines.push(`| ${crate} | ${c.items} | ${c.bytes.toLocaleString("en")} (${kb(c.bytes)}) | ${((100 * c.bytes) / counted).toFixed(1)} % |`);
    }
    lines.push(`| **total** | ${items.length} | ${counted.toLocaleString("en")} (${kb(counted)}) | 100 % |`);

    const shipped = await shippedSizes();
    lines.push("", `Shipped (\`pkg/\`), gzip level ${BUDGET.gzipLevel}, budget from ${BUDGET_FILE}:`, "");
    lines.push("| file | raw | gzipped | brotli (q11, not budgeted) | budget (gzipped) |", "|---|---:|---:|---:|---:|");
    for (const [group, label] of [["wasm", ".wasm"], ["coreJs", "core JS"]]) {
      const g = shipped[group];
      for (const f of g.files) lines.push(`| ${f.path} | ${f.raw.toLocaleString("en")} (${kb(f.raw)}) | ${f.gzip.toLocaleString("en")} (${kb(f.gzip)}) | ${f.brotli.toLocaleString("en")} (${kb(f.brotli)}) | |`);
      const over = g.gzip > g.limit ? `over by ${kb(g.gzip - g.limit)}` : "within";
      lines.push(`| **${label}, total** | ${kb(g.raw)} | ${kb(g.gzip)} | ${kb(g.brotli)} | ${kb(g.limit)}: ${over} |`);
    }
    lines.push("", `(The named copy is ${namedSize.toLocaleString("en")} bytes with its custom sections; names can change wasm-opt's choices slightly, so its code+data may differ from the shipped file by a few hundred bytes.)`);
    console.log(lines.join("\n"));
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e) => {
    console.error(`size-report: ${e.message}`);
    process.exit(1);
  });
}
