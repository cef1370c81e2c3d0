// byok-keyring under Node (the "node" export condition): the same API, and
// init() without an argument reads the .wasm from disk, as Node's fetch cannot
// load file: URLs. Browsers and bundlers for the browser never load this file.
import { readFile } from "node:fs/promises";
import init from "./index.js";

export * from "./index.js";

let loading;

/** As in index.js; without `input`, the .wasm beside this file is read. */
export default function initNode(input) {
  if (input !== undefined) return init(input);
  return (loading ??= init(readFile(new URL("./byok_keyring_bg.wasm", import.meta.url))).catch((e) => {
    loading = undefined;
    throw e;
  }));
}
