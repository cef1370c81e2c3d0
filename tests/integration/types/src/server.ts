// Server-side use (Node, SSR): init() reads the .wasm itself; or pass bytes.
import { readFile } from "node:fs/promises";
import init, { initSync, Keyring, type KeyringError } from "byok-keyring";

export async function onServer(): Promise<boolean> {
  await init();
  const wasmUrl = new URL(import.meta.resolve("byok-keyring/byok_keyring_bg.wasm"));
  await init(await readFile(wasmUrl));
  await init({ module_or_path: readFile(wasmUrl) });
  initSync(await readFile(wasmUrl));
  // @ts-expect-error: not something init can load
  await init(42);
  const kr = new Keyring({ storage: "memory", kdf: "wasm" });
  try {
    new Keyring({ storage: "session" });
  } catch (e) {
    if ((e as KeyringError).code !== "storage_unavailable") throw e;
  }
  await kr.create("correct horse battery");
  return kr.isByok("openai");
}
