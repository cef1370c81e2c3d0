// validate's per-keystroke path (js/index.js): a result the package entry
// copies from one it kept must be exactly what the core builds, for every
// provider, code and detected provider, and a caller changing a result it
// got must not change the next one. Headless Chromium, the package entry
// against the wasm-bindgen glue's own `validate` (the core, every time).
import { test } from "node:test";
import assert from "node:assert/strict";
import { servedChromium } from "./harness.mjs";

const env = servedChromium();

test("validate from the package entry equals the core's result, call after call", async () => {
  const page = await env.browser.newPage();
  await page.goto(`${env.server.url}/tests/js/pages/blank.html`);
  await page.waitForFunction(() => window.ready === true, null, { timeout: 30_000 });
  const r = await page.evaluate(async () => {
    const m = window.byok;
    const glue = await import("/pkg/byok_keyring.js");
    // The module's memory (the glue's init answers its exports once loaded;
    // their names are short, the memory is the one WebAssembly.Memory), to
    // ask the core for an outcome number the way the package entry does.
    const memory = Object.values(await glue.default()).find((v) => v instanceof WebAssembly.Memory);
    const outcome = (provider, key) => {
      const [at, idBytes, keyBytes] = [0, 1, 2].map(glue.validateScratch);
      const enc = new TextEncoder();
      const id = enc.encodeInto(provider, new Uint8Array(memory.buffer, at, idBytes));
      const k = enc.encodeInto(key, new Uint8Array(memory.buffer, at + idBytes, keyBytes));
      return glue.validateOutcome(id.written, k.written);
    };
    m.defineProvider({
      id: "corp-gw", name: "Corp Gateway", prefixes: ["cgw-"], lengths: [36], alphabet: "alnum",
      baseUrl: "https://llm.corp.example/v1", auth: { header: "authorization", scheme: "Bearer" },
    });
    const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let x = 7;
    const rand = (n, alphabet = ALNUM + "-_") =>
      Array.from({ length: n }, () => alphabet[(x = (x * 1103515245 + 12345) >>> 0) % alphabet.length]).join("");
    const keys = [];
    const ids = m.providers().map((p) => p.id);
    for (const p of m.providers()) {
      for (const prefix of [...(p.prefixes.length ? p.prefixes : [""]), "sk-", "sk-ant-api03-", "gsk_", "AIza"]) {
        for (const n of [0, 1, 8, 20, 24, 31, 32, 35, 39, 40, 43, 48, 52, 56, 64, 80, 93, 95, 128, 156, 164, 200]) {
          const body = rand(n);
          keys.push(prefix + body, prefix + body + "T3BlbkFJ" + rand(74), prefix + body + "AA");
        }
      }
    }
    keys.push("", "   ", " sk-" + rand(48) + "\n", "Bearer sk-" + rand(48), "sk-xxxx", "sk-proj-•••••", "gsk_" + rand(26) + "gsk_" + rand(26),
      "OPENAI_API_KEY=sk-" + rand(48), "sk-" + rand(20) + " " + rand(20), "cgw-" + rand(32), "cgw-" + rand(31), "cgw-" + rand(32, "!@#"));
    const providersToAsk = [...ids, "not-a-provider", "OPENAI", ""];
    let compared = 0, kept = 0;
    const diffs = [];
    const codes = new Set();
    for (const provider of providersToAsk) {
      for (const key of keys) {
        const core = glue.validate(provider, key);
        for (let round = 0; round < 2; round++) {
          const v = m.validate(provider, key);
          if (round === 1 && outcome(provider, key)) kept++;
          compared++;
          codes.add(v.code);
          if (JSON.stringify(v) !== JSON.stringify(core) || Object.keys(v).join() !== Object.keys(core).join()) {
            if (diffs.length < 5) diffs.push({ provider, key: key.slice(0, 12), v, core });
          }
          // A caller that edits its result.
          v.message = "changed"; v.code = "ok"; delete v.detected; v.normalized = "x";
        }
      }
    }
    // The module's memory grows (by 16 MB, as when the core allocates a large
    // argument): the views of the old memory are detached, and validate
    // still answers as the core does (a stale view would only send every
    // key to the core's full path: slower, the same result).
    const before = memory.buffer.byteLength;
    memory.grow(256);
    const grown = memory.buffer.byteLength > before;
    for (const key of keys.slice(0, 200)) {
      if (JSON.stringify(m.validate("openai", key)) !== JSON.stringify(glue.validate("openai", key))) diffs.push({ afterGrowth: key.slice(0, 12) });
    }
    return { compared, kept, diffs, grown, codes: [...codes].sort() };
  });
  await page.close();
  console.log(`validate: ${r.compared} results compared, ${r.kept} copied from a kept one; codes ${r.codes.join(", ")}`);
  assert.deepEqual(r.diffs, []);
  assert.ok(r.grown, "the memory grew");
  assert.ok(r.kept > r.compared / 4, `the kept results are used: ${r.kept}`);
  for (const code of ["ok", "empty", "unknown_provider", "wrong_provider", "bad_prefix", "too_short", "too_long", "bad_chars", "unrecognized_format", "not_a_key"]) {
    assert.ok(r.codes.includes(code), `no case of ${code}`);
  }
});
