// byok-keyring under Node (the "node" export condition): the same API, and
// init() without an argument reads the .wasm from disk, as Node's fetch cannot
// load file: URLs. Browsers and bundlers for the browser never load this file.
//
// Server bundlers (Next.js with Turbopack or webpack) rewrite
// `new URL("./x.wasm", import.meta.url)` into a URL of their own: a file: URL
// of the copy they emit (read it), or the asset's public path
// ("/_next/static/media/…", not a file). In that case the .wasm is read beside
// this module's own file, `import.meta.url` (bundlers set it to the file's
// real location).
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import init from "./index.js";

export * from "./index.js";

const WASM = "byok_keyring_bg.wasm";
let loading;

async function wasmBytes() {
  const emitted = new URL("./byok_keyring_bg.wasm", import.meta.url);
  const href = String(emitted.href ?? emitted);
  const tried = [href.startsWith("file:") && fileURLToPath(href), join(dirname(fileURLToPath(import.meta.url)), WASM)];
  let error;
  for (const path of tried) {
    if (!path) continue;
    try {
      return await readFile(path);
    } catch (e) {
      error ??= e;
    }
  }
  throw new Error(`byok-keyring: cannot read ${WASM} (tried ${[href, tried[1]].join(", ")}); pass its bytes instead: \`await init(bytes)\`.`, { cause: error });
}

/** As in index.js; without `input`, the .wasm beside this file is read. */
export default function initNode(input) {
  if (input !== undefined) return init(input);
  return (loading ??= wasmBytes().then(init).catch((e) => {
    loading = undefined;
    throw e;
  }));
}
