// create, unlock and changePassphrase are driven from JavaScript
// (js/transport.js) around WebCrypto's deriveBits, one synchronous core step
// at a time; headless Chromium, the package entry (pkg/index.js):
//
// - the password bytes handed to importKey and the derived bits handed back
//   are overwritten with zeros once the core has them;
// - with kdf: "wasm" nothing is derived by WebCrypto (no derived bits in JS);
// - when WebCrypto refuses, the same bits come from WebAssembly: the
//   operation succeeds and kdfBackend says "wasm";
// - one derivation at a time: a second unlock while one runs is `busy` with
//   retryAfterMs, and the keyring is not left busy afterwards, also after a
//   failed one;
// - an unlock that raises the iteration count derives twice and writes once;
//   the onChange events arrive before the Promise resolves.
import { test } from "node:test";
import assert from "node:assert/strict";
import { servedChromium } from "./harness.mjs";

const env = servedChromium();

async function inPage(f, arg) {
  const page = await env.browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e && e.stack || e)));
  await page.goto(`${env.server.url}/tests/js/pages/blank.html`);
  const ready = await page.waitForFunction(() => window.ready, null, { timeout: 30_000 }).then((h) => h.jsonValue());
  assert.equal(ready, true, `module did not load: ${ready}`);
  try {
    return await page.evaluate(f, arg);
  } finally {
    await page.close();
    assert.deepEqual(errors, []);
  }
}

test("the passphrase bytes and the derived bits are zeroed in JavaScript", async () => {
  const r = await inPage(async () => {
    const m = window.byok;
    localStorage.clear();
    const s = crypto.subtle;
    const imported = [];
    const derived = [];
    const importKey = s.importKey.bind(s);
    const deriveBits = s.deriveBits.bind(s);
    s.importKey = (format, data, ...rest) => {
      if (rest[0] === "PBKDF2") imported.push(data);
      return importKey(format, data, ...rest);
    };
    s.deriveBits = async (...a) => {
      const bits = await deriveBits(...a);
      derived.push(bits);
      return bits;
    };
    const kr = new m.Keyring({ storage: "local", namespace: "zero", iterations: 100000 });
    const backend = kr.kdfBackend;
    await kr.create("correct horse battery");
    kr.lock();
    await kr.unlock("correct horse battery");
    await kr.changePassphrase("correct horse battery", "another staple battery");
    const state = kr.state;
    kr.reset();
    const zero = (b) => new Uint8Array(b.buffer ?? b).every((x) => x === 0);
    return {
      backend, state,
      imported: imported.length, importedZero: imported.every(zero),
      derived: derived.map((b) => b.byteLength), derivedZero: derived.every(zero),
    };
  });
  assert.equal(r.backend, "webcrypto");
  assert.equal(r.state, "unlocked");
  assert.equal(r.imported, 4, "create, unlock, change (current and new)");
  assert.equal(r.importedZero, true, "the passphrase bytes stayed in JS memory");
  assert.deepEqual(r.derived, [32, 32, 32, 32]);
  assert.equal(r.derivedZero, true, "the derived key stayed in JS memory");
});

test("kdf: \"wasm\" derives in WebAssembly, and a refusing WebCrypto falls back to it", async () => {
  const r = await inPage(async () => {
    const m = window.byok;
    localStorage.clear();
    const s = crypto.subtle;
    let calls = 0;
    const deriveBits = s.deriveBits.bind(s);
    s.deriveBits = (...a) => { calls++; return deriveBits(...a); };
    const out = {};
    const wasm = new m.Keyring({ storage: "local", namespace: "fallback", iterations: 100000, kdf: "wasm" });
    out.wasmBackend = wasm.kdfBackend;
    await wasm.create("correct horse battery");
    wasm.set("groq", "gsk_" + "Ab3".repeat(17) + "x");
    out.wasmCalls = calls;
    wasm.free();

    // WebCrypto refuses every derivation from now on.
    s.deriveBits = async () => { calls++; throw new DOMException("refused", "OperationError"); };
    const web = new m.Keyring({ storage: "local", namespace: "fallback", iterations: 100000 });
    out.before = web.kdfBackend;
    await web.unlock("correct horse battery");
    out.after = web.kdfBackend;
    out.refusedCalls = calls;
    out.state = web.state;
    out.key = web.get("groq")?.length;
    web.lock();
    out.wrong = await web.unlock("not the passphrase").then(() => "resolved", (e) => e.code);
    out.again = await web.unlock("correct horse battery").then(() => web.state, (e) => e.code);
    web.reset();
    return out;
  });
  assert.equal(r.wasmBackend, "wasm");
  assert.equal(r.wasmCalls, 0, "kdf: \"wasm\" must not use WebCrypto");
  assert.equal(r.before, "webcrypto");
  assert.equal(r.refusedCalls, 1);
  assert.equal(r.state, "unlocked");
  assert.equal(r.key, 56);
  assert.equal(r.after, "wasm");
  assert.equal(r.wrong, "wrong_passphrase");
  assert.equal(r.again, "unlocked");
});

test("one derivation at a time: busy with retryAfterMs, never left busy", async () => {
  const r = await inPage(async () => {
    const m = window.byok;
    localStorage.clear();
    const kr = new m.Keyring({ storage: "local", namespace: "busy", iterations: 100000 });
    await kr.create("correct horse battery");
    kr.lock();
    const settle = (p) => p.then(() => "ok", (e) => ({ code: e.code, retryAfterMs: e.retryAfterMs }));
    const first = settle(kr.unlock("correct horse battery"));
    const second = settle(kr.unlock("correct horse battery"));
    const third = settle(kr.changePassphrase("correct horse battery", "another staple battery"));
    const out = { first: await first, second: await second, third: await third };
    // After a failed derivation (a wrong passphrase), the next one runs.
    kr.lock();
    out.wrong = await settle(kr.unlock("not the passphrase"));
    out.after = await settle(kr.unlock("correct horse battery"));
    out.state = kr.state;
    kr.reset();
    return out;
  });
  assert.equal(r.first, "ok");
  assert.deepEqual(r.second, { code: "busy", retryAfterMs: 1000 });
  assert.deepEqual(r.third, { code: "busy", retryAfterMs: 1000 });
  assert.equal(r.wrong.code, "wrong_passphrase");
  assert.equal(r.after, "ok");
  assert.equal(r.state, "unlocked");
});

test("an unlock that raises the iteration count derives twice, writes once, and tells before resolving", async () => {
  const r = await inPage(async () => {
    const m = window.byok;
    localStorage.clear();
    const s = crypto.subtle;
    const iterations = [];
    const deriveBits = s.deriveBits.bind(s);
    s.deriveBits = (alg, ...a) => { iterations.push(alg.iterations); return deriveBits(alg, ...a); };
    const old = new m.Keyring({ storage: "local", namespace: "up", iterations: 100000 });
    await old.create("correct horse battery");
    old.free();
    const writes = [];
    const setItem = Storage.prototype.setItem;
    Storage.prototype.setItem = function (k, v) { writes.push(k); return setItem.call(this, k, v); };
    const kr = new m.Keyring({ storage: "local", namespace: "up", iterations: 200000 });
    const events = [];
    kr.onChange((e) => events.push(`${e.type}:${e.state}`));
    const p = kr.unlock("correct horse battery");
    const sync = events.length;
    await p;
    const atResolve = events.slice();
    Storage.prototype.setItem = setItem;
    const stored = JSON.parse(localStorage.getItem("byok-keyring:up")).slots.passphrase.kdf.iterations;
    kr.reset();
    return { iterations, writes: writes.filter((k) => k === "byok-keyring:up").length, sync, atResolve, stored };
  });
  assert.deepEqual(r.iterations, [100000, 100000, 200000]);
  assert.equal(r.writes, 1, "the upgrade is one write");
  assert.equal(r.stored, 200000);
  assert.equal(r.sync, 0, "nothing happens before unlock() returns");
  assert.deepEqual(r.atResolve, ["unlocked:unlocked", "rekeyed:unlocked"]);
});
