// Hostile JavaScript input (never a wasm trap) and secret hygiene (no secret leaks),
// in headless Chromium, on the wasm-bindgen glue of pkg/ (one module instance
// per page).
//
// Every exported function, static and method is called with undefined, null,
// numbers, a BigInt, a Symbol, objects, arrays, functions, a 10 MB string,
// lone surrogates and NUL bytes in each argument position (the others valid).
// A call must return, or throw / reject with a KeyringError; a wrong type in
// a required position must be `invalid_argument`; nothing may end in a wasm
// trap (`RuntimeError: unreachable`); afterwards the same module instance
// still works.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { servedChromium } from "./harness.mjs";

const env = servedChromium();

async function openPage() {
  const page = await env.browser.newPage();
  const consoleLines = [];
  const pageErrors = [];
  page.on("console", (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
  page.on("pageerror", (e) => pageErrors.push(String(e && e.stack || e)));
  await page.goto(`${env.server.url}/tests/js/pages/blank.html`);
  const ready = await page.waitForFunction(() => window.ready, null, { timeout: 30_000 }).then((h) => h.jsonValue());
  assert.equal(ready, true, `module did not load: ${ready}`);
  return { page, consoleLines, pageErrors };
}

/** Runs in the page: the hostile matrix. Returns every call's outcome. */
async function hostileMatrix() {
  const m = window.byok;
  const PASS = "correct horse battery";
  const GROQ = "gsk_" + "A1b2C3d4E5".repeat(5) + "Zz";
  const BIG = "x".repeat(10 * 1024 * 1024);
  const trapped = [];
  window.addEventListener("error", (e) => trapped.push("error: " + e.message));
  window.addEventListener("unhandledrejection", (e) => trapped.push("unhandledrejection: " + String(e.reason && e.reason.stack || e.reason)));

  function trapProxy() {
    const no = (what) => () => { throw new Error(`${what} trap`); };
    return new Proxy({}, { ownKeys: no("ownKeys"), get: no("get"), has: no("has"), getPrototypeOf: no("getPrototypeOf"), getOwnPropertyDescriptor: no("descriptor") });
  }
  // [label, value, category]; the category decides which outcome is right.
  const hostile = [
    ["undefined", undefined, "nullish"], ["null", null, "nullish"],
    ["0", 0, "number"], ["-1", -1, "number"], ["NaN", NaN, "number"], ["Infinity", Infinity, "number"],
    ["1e308", 1e308, "number"], ["-0", -0, "number"], ["1.5", 1.5, "number"],
    ["bigint", 10n, "primitive"], ["true", true, "boolean"], ["false", false, "boolean"], ["symbol", Symbol("s"), "primitive"],
    ["{}", {}, "object"], ["{a:1}", { a: 1 }, "object"], ["nullproto", Object.create(null), "object"],
    ["toString obj", { toString() { return "groq"; } }, "object"],
    ["getter that throws", { get namespace() { throw new Error("getter"); }, get model() { throw new Error("getter"); } }, "object"],
    ["Date", new Date(0), "object"], ["Uint8Array", new Uint8Array(4), "object"],
    ["Promise", Promise.resolve("groq"), "object"], ["String object", new String("groq"), "object"],
    ["[]", [], "array"], ['["groq"]', ["groq"], "array"], ["[1,null]", [1, null], "array"],
    ["function", () => "groq", "function"],
    ["10 MB string", BIG, "big"],
    ["empty string", "", "string"], ["whitespace", " \n\t", "string"],
    ["lone high surrogate", "\uD800", "string"], ["lone low surrogate", "sk-\uDC00abc", "string"],
    ["surrogates in a key", "gsk_" + "\uD800".repeat(52), "string"],
    ["NUL", "\0", "string"], ["NUL in id", "gr\0oq", "string"], ["NUL in key", GROQ.slice(0, 20) + "\0" + GROQ.slice(21), "string"],
    // Proxies whose traps throw: where the library must look inside (an
    // options object, a list), the caller's own exception may come back out
    // instead of a KeyringError; it unwinds through WebAssembly, which must
    // survive it.
    ["Proxy whose traps throw", trapProxy(), "trap"],
    ["array Proxy whose get throws", new Proxy([], { get() { throw new Error("array get trap"); } }), "traparray"],
  ];

  const fresh = async () => {
    const kr = new m.Keyring({ storage: "memory", namespace: "hostile", iterations: 100000 });
    await kr.create(PASS);
    kr.set("groq", GROQ);
    return kr;
  };

  // Argument kinds: str (required string), strobj (a string or an options
  // object), fn (required function), bool
  // (required boolean), opt (optional string), obj (optional options
  // object), extra (a method without parameters).
  const statics = {
    validate: { args: ["groq", GROQ], kinds: ["str", "str"] },
    mask: { args: [GROQ], kinds: ["str"] },
    detectProvider: { args: [GROQ], kinds: ["str"] },
    passphraseStrength: { args: [PASS, "hostile"], kinds: ["str", "opt"] },
    providers: { args: [], kinds: ["extra"] },
    rulesVersion: { args: [], kinds: ["extra"] },
    defineProvider: { args: [{ id: "hostile-gw", name: "Hostile", baseUrl: "https://gw.example", auth: { header: "authorization", scheme: "Bearer" } }], kinds: ["def"] },
    verify: { args: ["groq", "not-a-key", undefined], kinds: ["str", "str", "obj"] },
  };
  const methods = {
    create: { args: [PASS], kinds: ["strobj"] },
    unlock: { args: [PASS], kinds: ["str"] },
    lock: { args: [undefined], kinds: ["obj"] },
    changePassphrase: { args: [PASS, PASS], kinds: ["str", "str"] },
    set: { args: ["groq", GROQ, undefined], kinds: ["str", "str", "obj"] },
    get: { args: ["groq"], kinds: ["str"] },
    remove: { args: ["groq"], kinds: ["str"] },
    setEnabled: { args: ["groq", true], kinds: ["str", "bool"] },
    list: { args: [], kinds: ["extra"] },
    isByok: { args: ["groq"], kinds: ["str"] },
    shouldDeductCredits: { args: ["groq", undefined], kinds: ["str", "opt"] },
    source: { args: ["groq"], kinds: ["str"] },
    recordUsage: { args: ["groq", undefined], kinds: ["str", "opt"] },
    usage: { args: [], kinds: ["extra"] },
    reset: { args: [], kinds: ["extra"] },
    onChange: { args: [() => {}], kinds: ["fn"] },
    authHeaders: { args: ["groq"], kinds: ["str"] },
    endpoint: { args: ["groq"], kinds: ["str"] },
    verify: { args: ["groq", undefined], kinds: ["str", "obj"] },
    withKey: { args: ["groq", () => 1], kinds: ["str", "fn"] },
    exportVault: { args: [], kinds: ["extra"] },
    importPlaintext: { args: ["groq", "hostile-plaintext-item", "local"], kinds: ["str", "str", "opt"] },
    decisionSnapshot: { args: [], kinds: ["extra"] },
    resume: { args: [], kinds: ["extra"] },
    addPasskey: { args: [undefined], kinds: ["obj"] },
    unlockWithPasskey: { args: [], kinds: ["extra"] },
    unlockMethods: { args: [], kinds: ["extra"] },
    removePasskey: { args: ["passkey-000000000000"], kinds: ["str"] },
  };
  const keyringOptions = {
    namespace: "optstr", storage: "optstr", kdf: "optstr", iterations: "optnum",
    minPassphraseLength: "optnum", platformOnly: "optlist", platformProviders: "optlist", autoLockMs: "optnum",
    providers: "optlist", resume: "optstr", resumeTtlMs: "optnum",
  };
  // wasm-bindgen's own members, not the library's API.
  const skipped = new Set(["constructor", "free", "__destroy_into_raw", "__wrap", "__wbg_ptr", "default", "initSync"]);

  const calls = [];
  const outcome = (e) => ({
    threw: true,
    name: e && e.name,
    code: e && e.code,
    message: String(e && e.message).slice(0, 200),
    keyringError: e instanceof Error && e.name === "KeyringError" && typeof e.code === "string",
    trap: e instanceof WebAssembly.RuntimeError || /unreachable|RuntimeError/.test(String(e && e.stack || e)),
  });
  async function attempt(what, position, [value, category], f) {
    const t0 = performance.now();
    let r;
    try {
      let v = f();
      if (v && typeof v.then === "function") {
        v = await Promise.race([v, new Promise((_, no) => setTimeout(() => no(new Error("timeout after 10 s")), 10_000))]);
      }
      r = { threw: false, type: typeof v };
    } catch (e) {
      r = outcome(e);
    }
    calls.push({ what, position, value, category, ms: performance.now() - t0, ...r });
  }

  const unknown = [];
  const moduleFns = Object.keys(m).filter((k) => typeof m[k] === "function" && k !== "Keyring" && !skipped.has(k));
  for (const name of moduleFns) {
    const spec = statics[name];
    if (!spec) { unknown.push(name); continue; }
    const positions = spec.kinds.length || 1;
    for (let i = 0; i < positions; i++) {
      for (const [label, value, cat] of hostile) {
        const args = spec.args.slice();
        args[i] = value;
        await attempt(name, `${i}:${spec.kinds[i] || "extra"}`, [label, cat], () => m[name](...args));
      }
    }
  }

  // The constructor: the options argument, then each option.
  for (const [label, value, cat] of hostile) {
    await attempt("new Keyring", "0:obj", [label, cat], () => {
      const kr = new m.Keyring(value);
      kr.free();
    });
  }
  for (const [opt, kind] of Object.entries(keyringOptions)) {
    for (const [label, value, cat] of hostile) {
      await attempt("new Keyring", `${opt}:${kind}`, [label, cat], () => {
        const o = { storage: "memory", namespace: "hostile-opt", iterations: 100000 };
        o[opt] = value;
        const kr = new m.Keyring(o);
        kr.free();
      });
    }
  }

  // Statics of the class.
  const exportText = (await fresh()).exportVault();
  const staticSpecs = { importVault: { args: [exportText, { storage: "memory" }], kinds: ["str", "obj"] } };
  for (const name of Object.getOwnPropertyNames(m.Keyring).filter((k) => typeof m.Keyring[k] === "function" && !skipped.has(k))) {
    const spec = staticSpecs[name];
    if (!spec) { unknown.push("Keyring." + name); continue; }
    for (let i = 0; i < spec.kinds.length; i++) {
      for (const [label, value, cat] of hostile) {
        const args = spec.args.slice();
        args[i] = value;
        await attempt("Keyring." + name, `${i}:${spec.kinds[i]}`, [label, cat], () => {
          const kr = m.Keyring[name](...args);
          kr?.free?.();
        });
      }
    }
  }

  // Methods, each argument position on a fresh unlocked keyring holding a
  // Groq key (made afresh again when a call locked or reset it), so one
  // position's calls (wrong passphrases slowing unlock down) do not decide
  // another's outcome.
  let kr;
  const protoMethods = Object.getOwnPropertyNames(m.Keyring.prototype).filter((k) => {
    const d = Object.getOwnPropertyDescriptor(m.Keyring.prototype, k);
    return typeof d.value === "function" && !skipped.has(k);
  });
  for (const name of protoMethods) {
    const spec = methods[name];
    if (!spec) { unknown.push("Keyring.prototype." + name); continue; }
    const positions = spec.kinds.length || 1;
    for (let i = 0; i < positions; i++) {
      kr = await fresh();
      for (const [label, value, cat] of hostile) {
        if (kr.state !== "unlocked") kr = await fresh();
        const args = spec.args.slice();
        args[i] = value;
        await attempt(name, `${i}:${spec.kinds[i] || "extra"}`, [label, cat], () => kr[name](...args));
        // The getters never throw.
        for (const g of ["state", "namespace", "kdfBackend"]) {
          if (typeof kr[g] !== "string") calls.push({ what: name, position: `${i}`, value: label, threw: true, getter: g, keyringError: false });
        }
        const it = kr.iterations;
        if (it !== undefined && typeof it !== "number") calls.push({ what: name, position: `${i}`, value: label, threw: true, getter: "iterations", keyringError: false });
      }
    }
  }

  // Many exceptions unwinding through WebAssembly in a row.
  const k0 = await fresh();
  let unwound = 0;
  for (let i = 0; i < 2000; i++) {
    try { k0.lock(trapProxy()); } catch (e) { if (/trap/.test(e.message)) unwound++; }
    try { k0.set("groq", GROQ, { model: trapProxy() }); } catch (e) { if (e.code === "invalid_argument") unwound++; }
  }

  // The same module instance still works for a normal call.
  let health;
  try {
    const k = new m.Keyring({ storage: "memory", namespace: "after", iterations: 100000 });
    await k.create(PASS);
    k.set("groq", GROQ);
    health = {
      unwound,
      oldKeyring: k0.get("groq") === GROQ && k0.state === "unlocked",
      isByok: k.isByok("groq"),
      get: k.get("groq") === GROQ,
      validate: m.validate("groq", GROQ + "\n").code,
      mask: m.mask(GROQ).length,
    };
  } catch (e) {
    health = { error: String(e && e.stack || e) };
  }
  return { calls, unknown, trapped, health, hostileCount: hostile.length };
}

test("every export, called with hostile values, throws a KeyringError or returns, and never traps", async () => {
  const { page, pageErrors } = await openPage();
  const t0 = Date.now();
  const r = await page.evaluate(hostileMatrix);
  const elapsed = Date.now() - t0;
  await page.close();

  const traps = r.calls.filter((c) => c.trap);
  // A Proxy's own trap error may come back out where the library looks
  // inside it; nothing else that is not a KeyringError may.
  const ownTrap = (c) => (c.category === "trap" || c.category === "traparray") && / trap$/.test(c.message);
  const notKeyringErrors = r.calls.filter((c) => c.threw && !c.keyringError && !ownTrap(c));
  // Where a value of the wrong type must be refused with invalid_argument
  // (every 10 MB string too: over the 64 KiB cap). Elsewhere a call may
  // also return (an optional argument left out, an options object) or throw
  // another KeyringError (a string is the right type: "" is `invalid_key`).
  const mustBeInvalid = ({ position, category }) => {
    const kind = position.split(":")[1];
    const c = { trap: "object", traparray: "array" }[category] ?? category;
    const nullish = c === "nullish";
    if (kind === "extra") return false;
    if (c === "big") return true;
    switch (kind) {
      case "str": return c !== "string";
      case "strobj": return c !== "string" && c !== "object"; // a passphrase, or { passkey }
      case "fn": return c !== "function";
      case "bool": return c !== "boolean";
      case "opt": case "optstr": return !nullish && c !== "string";
      case "obj": return !nullish && c !== "object";
      case "def": return c !== "object";
      case "optnum": return !nullish && c !== "number";
      case "optlist": return !nullish && c !== "array";
      default: throw new Error(`unknown argument kind ${kind}`);
    }
  };
  const wrongCode = r.calls.filter((c) => mustBeInvalid(c) && !(c.threw && c.code === "invalid_argument"));

  const byCode = {};
  for (const c of r.calls) {
    const k = c.threw ? (c.code || c.name) : "returned";
    byCode[k] = (byCode[k] || 0) + 1;
  }
  if (process.env.HOSTILE_DEBUG) for (const c of r.calls.filter((c) => !c.threw || c.code !== "invalid_argument")) console.log(`  ${c.what}(${c.position} = ${c.value}) -> ${c.threw ? c.code : "returned " + c.type} ${Math.round(c.ms)}ms`);
  console.log(`hostile calls: ${r.calls.length} in ${elapsed} ms; outcomes ${JSON.stringify(byCode)}; untabled exports: ${JSON.stringify(r.unknown)}`);

  assert.equal(traps.length, 0, `wasm traps: ${JSON.stringify(traps.slice(0, 10), null, 1)}`);
  assert.deepEqual(r.trapped, [], "window error / unhandledrejection");
  assert.deepEqual(pageErrors, []);
  assert.deepEqual(notKeyringErrors.map((c) => `${c.what}(${c.position} = ${c.value}): ${c.name}: ${c.message}`), [], "calls that threw something else than a KeyringError");
  assert.deepEqual(wrongCode.map((c) => `${c.what}(${c.position} = ${c.value}): ${c.threw ? c.code : "returned " + c.type}`), [], "wrong type, not invalid_argument");
  assert.deepEqual(r.health, { unwound: 4000, oldKeyring: true, isByok: true, get: true, validate: "ok", mask: 16 });
  assert.ok(r.calls.length > 30 * r.hostileCount, `only ${r.calls.length} calls`);
  assert.deepEqual(r.unknown, [], "exports without a row in the hostile table: add them");
});

// ---------------------------------------------------------------- secrets

/** Runs in the page: a full scenario, collecting everything the library
 * says (errors, onChange payloads, list(), usage(), validation messages,
 * the exported vault, storage) while the secrets are in use. */
async function secretScenario() {
  const m = window.byok;
  const PASS1 = "q7#Zx!vB2 wombat Lp0-Kr";
  const PASS2 = "another Secret 9xQ!wombat-Tr7";
  const URLSAFE = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const ALNUM = URLSAFE.slice(0, 62);
  const HEX = "0123456789abcdef";
  let x = 0x9e3779b9;
  const chars = (a, n) => Array.from({ length: n }, () => {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    return a[x % a.length];
  }).join("");
  const keys = {
    openai: "sk-proj-" + chars(URLSAFE, 74) + "T3BlbkFJ" + chars(URLSAFE, 74),
    anthropic: "sk-ant-api03-" + chars(URLSAFE, 93) + "AA",
    groq: "gsk_" + chars(ALNUM, 52),
    gemini: "AIza" + chars(URLSAFE, 35),
    openrouter: "sk-or-v1-" + chars(HEX, 64),
    xai: "xai-" + chars(ALNUM, 80),
    mistral: chars(ALNUM, 32),
  };
  const said = [];
  const mismatches = []; // what get() returned that is not the key set
  const note = (what, v) => said.push(`${what}: ${typeof v === "string" ? v : JSON.stringify(v)}`);
  const noteError = (what, e) => {
    note(what, {
      name: e.name, code: e.code, message: e.message, string: String(e), stack: e.stack,
      details: e.details, retryAfterMs: e.retryAfterMs,
      own: JSON.stringify(e, Object.getOwnPropertyNames(e)),
    });
    console.error(`${what} failed:`, e); // as an app would log it
  };
  const tryIt = async (what, f) => {
    try {
      const v = await f();
      return v;
    } catch (e) {
      noteError(what, e);
    }
  };
  const dump = (what) => {
    const out = {};
    for (const area of ["localStorage", "sessionStorage"]) {
      for (let i = 0; i < globalThis[area].length; i++) {
        const k = globalThis[area].key(i);
        out[`${area}:${k}`] = globalThis[area].getItem(k);
      }
    }
    note(`storage ${what}`, out);
  };

  // A provider the app defines: its key goes through everything below like
  // the built-in ones; a key put in any field of a definition never comes
  // back out (keys without a prefix look like any name and cannot be told).
  const CUSTOM = { id: "hygiene-gw", name: "Hygiene Gateway", prefixes: ["hgw-"], lengths: [40], alphabet: "alnum", baseUrl: "https://gw.example", auth: { header: "authorization", scheme: "Bearer" } };
  note("defineProvider", m.defineProvider(CUSTOM));
  const prefixed = [keys.openai, keys.anthropic, keys.groq];
  keys["hygiene-gw"] = "hgw-" + chars(ALNUM, 36);
  for (const field of ["id", "name", "prefixes", "lengths", "alphabet", "keyUrl", "defaultModel", "baseUrl", "auth", "check"]) {
    for (const k of prefixed) {
      const value = { prefixes: [k], lengths: [k], auth: { header: k, scheme: k }, check: { method: k, path: "/" + k } }[field] ?? k;
      await tryIt(`defineProvider with a key as ${field}`, () => note(`defined with a key as ${field}`, m.defineProvider({ ...CUSTOM, id: `hg-${field}`.toLowerCase(), [field]: value })));
      await tryIt(`Keyring with a key as ${field}`, () => new m.Keyring({ storage: "memory", providers: [{ ...CUSTOM, id: `hk-${field}`.toLowerCase(), [field]: value }] }).free());
    }
  }
  localStorage.clear();
  sessionStorage.clear();
  const kr = new m.Keyring({ namespace: "hygiene", storage: "local", iterations: 100000, platformOnly: ["deep"], platformProviders: ["openai"] });
  kr.onChange((e) => { note("onChange", e); console.log("onChange", JSON.stringify(e)); });
  await tryIt("create weak", () => kr.create("short"));
  await kr.create(PASS1);
  await tryIt("create again", () => kr.create(PASS1));
  for (const [p, k] of Object.entries(keys)) {
    note(`set ${p}`, kr.set(p, k + "\n", { model: `model-${p}`, expiresInMs: 3_600_000 }));
    note(`isByok ${p}`, kr.isByok(p));
    note(`source ${p}`, kr.source(p));
    note(`authHeaders names ${p}`, Object.keys(kr.authHeaders(p) || {}));
    const got = kr.get(p);
    if (got !== k) mismatches.push(`get("${p}") after set: ${got === undefined ? "undefined" : `${[...String(got)].length} characters, not the key`}`);
    kr.recordUsage(p, "chat");
    kr.recordUsage(p, "deep");
  }
  // Wrong boxes, damaged keys: invalid_key with details.
  await tryIt("set anthropic key as openai", () => kr.set("openai", keys.anthropic));
  await tryIt("set key with a space", () => kr.set("groq", keys.groq.slice(0, 20) + " " + keys.groq.slice(20)));
  await tryIt("set key with junk", () => kr.set("groq", keys.groq + "!!"));
  await tryIt("set unknown provider", () => kr.set("nope", keys.openai));
  await tryIt("set huge", () => kr.set("openai", keys.openai.repeat(500)));
  for (const [p, k] of Object.entries(keys)) {
    const v = m.validate(p === "openai" ? "anthropic" : "openai", k);
    note(`validate ${p} in the wrong box`, { valid: v.valid, code: v.code, message: v.message, detected: v.detected, provider: v.provider });
    note(`mask ${p}`, m.mask(k));
    note(`detectProvider ${p}`, m.detectProvider(k));
  }
  note("list", kr.list());
  note("usage", kr.usage());
  note("exportVault", kr.exportVault());
  dump("after set");
  kr.setEnabled("groq", false);
  kr.remove("mistral");
  kr.lock();
  note("state", kr.state);
  await tryIt("get while locked", () => kr.get("openai"));
  await tryIt("set while locked", () => kr.set("openai", keys.openai));
  await tryIt("authHeaders while locked", () => kr.authHeaders("openai"));
  for (let i = 0; i < 6; i++) await tryIt(`unlock wrong ${i}`, () => kr.unlock(PASS1.slice(0, -1) + "X"));
  note("list locked", kr.list());
  dump("locked");
  const kr2 = new m.Keyring({ namespace: "hygiene", storage: "local", iterations: 100000 });
  kr2.onChange((e) => note("onChange 2", e));
  await kr2.unlock(PASS1);
  await tryIt("change with wrong current", () => kr2.changePassphrase(PASS2, PASS1));
  await tryIt("change to weak", () => kr2.changePassphrase(PASS1, "short"));
  await kr2.changePassphrase(PASS1, PASS2);
  kr2.lock();
  await tryIt("old passphrase", () => kr2.unlock(PASS1));
  await kr2.unlock(PASS2);
  // After the passphrase change every key reads back as it was set: the
  // removed one is gone, the disabled one is still returned.
  for (const [p, k] of Object.entries(keys)) {
    const got = kr2.get(p);
    const want = p === "mistral" ? undefined : k;
    if (got !== want) mismatches.push(`get("${p}") after the passphrase change: ${got === undefined ? "undefined" : got === want ? "" : `${[...String(got)].length} characters, not the key`}`);
  }
  note("list 2", kr2.list());
  note("String(kr)", String(kr2));
  note("JSON(kr)", JSON.stringify(kr2));
  note("keys(kr)", Object.keys(kr2));
  dump("after change");
  // Garbage in storage: corrupt messages.
  localStorage.setItem("byok-keyring:hygiene-bad", '{"v":1,"kdf":{"name":"x"}}');
  const bad = new m.Keyring({ namespace: "hygiene-bad", storage: "local", iterations: 100000 });
  await tryIt("unlock corrupt", () => bad.unlock(PASS2));
  await tryIt("list corrupt", () => bad.list());
  bad.reset();
  kr2.reset();
  dump("after reset");
  return { said, mismatches, secrets: [PASS1, PASS2, ...Object.values(keys)] };
}

const windows = (secret) => Array.from({ length: Math.max(0, [...secret].length - 8) }, (_, i) => [...secret].slice(i, i + 9).join(""));

test("no key, no passphrase, no 9-character window of either in anything the library says", async () => {
  const { page, consoleLines, pageErrors } = await openPage();
  const r = await page.evaluate(secretScenario);
  await page.close();
  assert.deepEqual(pageErrors, []);
  assert.deepEqual(r.mismatches, [], "get() did not return the key that was set");
  const text = [...r.said, ...consoleLines].join("\n");
  // The collector did collect: errors with codes, events, lists, storage.
  for (const expected of ["already_exists", "weak_passphrase", "invalid_key", "wrong_provider", "unknown_provider",
    "locked", "wrong_passphrase", "retryAfterMs", "corrupt", '"type":"set"', '"type":"rekeyed"', '"masked":"sk-p',
    "storage after set", '\\"v\\":2', "console", "exportVault"]) {
    if (expected === "console") assert.ok(consoleLines.some((l) => l.startsWith("error: ")), "no console lines collected");
    else assert.ok(text.includes(expected), `collector missed ${expected}`);
  }
  assert.ok(text.length > 20_000, `only ${text.length} characters collected`);
  const leaks = [];
  for (const secret of r.secrets) {
    for (const w of windows(secret)) {
      if (text.includes(w)) leaks.push(`${JSON.stringify(w)} of a ${secret.length}-character secret, in: ${text.split("\n").find((l) => l.includes(w)).slice(0, 160)}`);
    }
  }
  assert.deepEqual(leaks, []);
});

// ------------------------------------------- a secret in every position

/** The library's exported surface, from the generated declarations: module
 * functions, Keyring members (methods, statics, getters, the constructor)
 * and the fields of its option objects. */
async function exportedSurface() {
  const dts = await readFile(new URL("../../pkg/byok_keyring.d.ts", import.meta.url), "utf8");
  const names = new Set();
  const all = (re, text) => [...text.matchAll(re)].map((m) => m[1]);
  // init / initSync load the module (the test page has done so: after that
  // they ignore their argument).
  for (const f of all(/^export function (\w+)\(/gm, dts)) if (f !== "initSync") names.add(f);
  const cls = /^export class Keyring \{([\s\S]*?)\n\}/m.exec(dts)[1];
  for (const m of all(/^ {4}(?:static\s+)?(\w+)\(/gm, cls)) if (m !== "free") names.add(m === "constructor" ? "new Keyring" : `Keyring.${m}`);
  for (const g of all(/^ {4}readonly (\w+):/gm, cls)) names.add(`Keyring.${g}`);
  for (const block of all(/^export interface Keyring \{([\s\S]*?)\n\}/gm, dts)) {
    for (const m of all(/^ {4}(\w+)(?:<[^>]*>)?\(/gm, block)) names.add(`Keyring.${m}`);
  }
  for (const iface of ["KeyringOptions", "SetOptions", "LockOptions", "VerifyOptions", "ProviderDefinition", "PasskeyOptions"]) {
    const re = new RegExp(`^export interface ${iface} \\{([\\s\\S]*?)\\n\\}`, "gm");
    for (const block of all(re, dts)) for (const f of all(/^ {4}(\w+)\??:/gm, block)) names.add(`${iface}.${f}`);
  }
  return names;
}

/** Runs in the page: each probe (two keys, a passphrase) in each argument
 * position and option field, the other arguments valid, on a fresh keyring
 * (localStorage, unlocked, a Groq key stored, onChange recorded). Collects
 * per call everything the library says: the result, the error, the events,
 * what the keyring reports afterwards and all of storage. */
async function secretPositions({ probes, labelFields }) {
  const m = window.byok;
  const P0 = "q7#Zx!vB2 wombat Lp0-Kr";
  const K0 = "gsk_" + "A1b2C3d4E5".repeat(5) + "Zz";
  const KEYV = "sk-proj-" + "Q1w2E3r4T5".repeat(7) + "abcdT3BlbkFJ" + "z9Y8x7W6v5".repeat(7) + "uvwx";
  const NS = "positions";
  const verifyOpts = () => ({ baseUrl: "/no-standin-here/openai", timeoutMs: 3000 });
  const gateway = (id = "positions-gw") => ({ id, name: "Positions Gateway", prefixes: ["pgw-"], baseUrl: "/no-standin-here/gw", auth: { header: "authorization", scheme: "Bearer" }, check: { method: "GET", path: "/models" } });
  const kOpts = () => ({ namespace: NS, storage: "local", iterations: 100000 });
  let exportText;
  {
    localStorage.clear();
    const k = new m.Keyring(kOpts());
    await k.create(P0);
    k.set("groq", K0);
    exportText = k.exportVault();
    k.free();
  }
  // name -> { args: () => default arguments, options: { index: interface } }
  const fns = {
    validate: { args: () => ["openai", KEYV] },
    mask: { args: () => [KEYV] },
    detectProvider: { args: () => [KEYV] },
    passphraseStrength: { args: () => [P0, NS] },
    providers: { args: () => [] },
    rulesVersion: { args: () => [] },
    verify: { args: () => ["openai", KEYV, verifyOpts()], options: { 2: "VerifyOptions" } },
    "new Keyring": { args: () => [{ ...kOpts(), namespace: "positions-new" }], options: { 0: "KeyringOptions" }, ctor: true },
    defineProvider: { args: () => [gateway()], options: { 0: "ProviderDefinition" } },
    "Keyring.importVault": { args: () => [exportText, { ...kOpts(), namespace: undefined }], options: { 1: "KeyringOptions" }, statik: true },
  };
  const methods = {
    create: () => [P0], unlock: () => [P0], changePassphrase: () => [P0, P0 + "!"],
    lock: () => [{ everywhere: false }], set: () => ["groq", K0, { model: "llama-3.1-8b-instant" }],
    get: () => ["groq"], remove: () => ["groq"], setEnabled: () => ["groq", true], list: () => [],
    isByok: () => ["groq"], shouldDeductCredits: () => ["groq", "chat"], source: () => ["groq"],
    recordUsage: () => ["groq", "chat"], usage: () => [], reset: () => [], onChange: () => [() => {}],
    authHeaders: () => ["groq"], withKey: () => ["groq", () => "used"], exportVault: () => [],
    endpoint: () => ["groq"], verify: () => ["groq", verifyOpts()],
    importPlaintext: () => ["openai", "legacy-openai-key", "local"], decisionSnapshot: () => [],
    resume: () => [],
    addPasskey: () => [{ name: "laptop" }], unlockWithPasskey: () => [], unlockMethods: () => [],
    removePasskey: () => ["passkey-000000000000"],
  };
  const methodOptions = { lock: { 0: "LockOptions" }, set: { 2: "SetOptions" }, verify: { 1: "VerifyOptions" }, addPasskey: { 0: "PasskeyOptions" } };
  for (const [name, args] of Object.entries(methods)) fns[`Keyring.${name}`] = { args, options: methodOptions[name] || {}, method: name };
  const getters = ["state", "namespace", "kdfBackend", "iterations"];
  const fields = {
    KeyringOptions: ["namespace", "storage", "iterations", "minPassphraseLength", "platformOnly", "platformProviders", "autoLockMs", "kdf", "providers", "resume", "resumeTtlMs"],
    ProviderDefinition: ["id", "name", "prefixes", "lengths", "alphabet", "keyUrl", "defaultModel", "baseUrl", "auth", "check"],
    SetOptions: ["model", "expiresInMs", "baseUrl", "verify"],
    LockOptions: ["everywhere"],
    PasskeyOptions: ["name", "rpId"],
    VerifyOptions: ["baseUrl", "timeoutMs", "signal", "region"],
  };
  const covered = new Set([...Object.keys(fns), ...getters.map((g) => `Keyring.${g}`)]);
  for (const [iface, fs] of Object.entries(fields)) for (const f of fs) covered.add(`${iface}.${f}`);

  const storageText = () => {
    const out = [];
    for (const area of [localStorage, sessionStorage]) {
      for (let i = 0; i < area.length; i++) out.push(`${area.key(i)} = ${area.getItem(area.key(i))}`);
    }
    return out.join("\n");
  };
  const errorText = (e) => [
    String(e), e && e.name, e && e.code, e && e.message, e && e.stack, JSON.stringify(e && e.details),
    JSON.stringify(e), JSON.stringify(e, e instanceof Object ? Object.getOwnPropertyNames(e) : undefined),
  ].join(" | ");
  const show = (v) => {
    if (typeof v === "function") return "(function)";
    if (typeof v === "string") return v;
    try { return JSON.stringify(v) ?? String(v); } catch { return String(v); }
  };
  const snapshotText = (kr) => {
    const s = kr.decisionSnapshot();
    return JSON.stringify({ until: s.until, keys: [...s.keys], only: [...s.only] });
  };

  const said = [];
  async function run(what, probeName, makeArgs, spec, { exemptNormalized = false } = {}) {
    localStorage.clear();
    sessionStorage.clear();
    localStorage.setItem("legacy-openai-key", KEYV);
    const kr = new m.Keyring(kOpts());
    await kr.create(P0);
    kr.set("groq", K0);
    const events = [];
    kr.onChange((e) => events.push(e));
    const made = [];
    const parts = [];
    try {
      const args = makeArgs();
      let r;
      if (spec.ctor) { r = new m.Keyring(...args); made.push(r); }
      else if (spec.statik) { r = m.Keyring.importVault(...args); made.push(r); }
      else if (spec.method) r = kr[spec.method](...args);
      else r = m[what](...args);
      if (r && typeof r.then === "function") r = await r;
      if (exemptNormalized && r && typeof r === "object") delete r.normalized;
      parts.push("result: " + (made.includes(r) ? `a Keyring (${r.namespace}, ${r.state})` : show(r)));
    } catch (e) {
      parts.push("error: " + errorText(e));
      console.error(`${what} failed:`, e); // as an app would log it
    }
    for (const k of [kr, ...made]) {
      parts.push(`state ${k.state}, namespace ${k.namespace}, kdf ${k.kdfBackend}, iterations ${k.iterations}`);
      for (const [label, f] of [["list", () => k.list()], ["usage", () => k.usage()], ["export", () => k.exportVault()], ["snapshot", () => snapshotText(k)]]) {
        try { parts.push(`${label}: ${show(f())}`); } catch (e) { parts.push(`${label} error: ${errorText(e)}`); }
      }
    }
    parts.push("events: " + JSON.stringify(events));
    parts.push("storage: " + storageText());
    for (const k of made) k.free();
    kr.free();
    said.push({ what, probe: probeName, text: parts.join("\n") });
  }

  for (const [probeName, probe] of Object.entries(probes)) {
    for (const [name, spec] of Object.entries(fns)) {
      const base = spec.args();
      // Each argument position, and one past the last (an extra argument).
      for (let i = 0; i <= base.length; i++) {
        await run(`${name}(#${i})`, probeName, () => { const a = spec.args(); a[i] = probe; return a; }, spec,
          { exemptNormalized: name === "validate" && i === 1 });
      }
      // Each field of its option objects, and an option named like the probe.
      for (const [index, iface] of Object.entries(spec.options || {})) {
        const fieldNames = [...fields[iface]];
        for (const field of fieldNames) {
          if (probeName === "passphrase" && labelFields.includes(`${iface}.${field}`)) continue;
          const values = {
            platformOnly: [[probe]], platformProviders: [[probe]], prefixes: [[probe]], lengths: [[probe]],
            // A definition: as an entry, and in each of its fields (a fresh id each time).
            providers: [[probe], ...fields.ProviderDefinition.map((f, i) => [{ ...gateway(`positions-opt-${i}`), [f]: probe }])],
            auth: [probe, { header: probe }, { header: "authorization", scheme: probe }],
            check: [probe, { method: probe, path: "/models" }, { method: "GET", path: probe }, { method: "GET", path: "/" + probe }],
          }[field] ?? [probe];
          if (iface === "SetOptions" && field === "verify") {
            for (const vf of fields.VerifyOptions) {
              await run(`${name}(#${index}.verify.${vf})`, probeName, () => {
                const a = spec.args(); a[index] = { ...a[index], verify: { ...verifyOpts(), [vf]: probe } }; return a;
              }, spec);
            }
          }
          for (const v of values) {
            await run(`${name}(#${index}.${field})`, probeName, () => {
              const a = spec.args(); a[index] = { ...a[index], [field]: v }; return a;
            }, spec);
          }
        }
        await run(`${name}(#${index} option named by the probe)`, probeName, () => {
          const a = spec.args(); a[index] = { ...a[index], [probe]: 1 }; return a;
        }, spec);
      }
    }
  }
  // The methods and getters the class really has, beside those declared.
  const proto = Object.getOwnPropertyNames(m.Keyring.prototype).filter((k) => !["constructor", "free", "__destroy_into_raw"].includes(k));
  const statics = Object.getOwnPropertyNames(m.Keyring).filter((k) => typeof m.Keyring[k] === "function" && !["__wrap"].includes(k));
  const moduleFns = Object.keys(m).filter((k) => typeof m[k] === "function" && !["Keyring", "default", "initSync"].includes(k));
  const runtime = [...proto.map((k) => `Keyring.${k}`), ...statics.map((k) => `Keyring.${k}`), ...moduleFns];
  return { said, covered: [...covered], runtime };
}

test("a key or passphrase in any argument position or option field never comes back out", async () => {
  const { page, consoleLines, pageErrors } = await openPage();
  const URLSAFE = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const probes = {
    // Keys the library recognises (one of the Groq format, the keyring's
    // stored provider, so it is stored where an apiKey is expected), and a
    // passphrase, which has no shape.
    "openai key": "sk-proj-" + URLSAFE.slice(3, 77) + "T3BlbkFJ" + URLSAFE.slice(-74).split("").reverse().join(""),
    "groq key": "gsk_" + "Zq7Wm3Xk9P".repeat(5) + "Lr",
    passphrase: "Tr0ub4dor&3 velvet Quokka!",
  };
  // Labels the app chooses and the library shows by design (the namespace
  // names the storage item, a model is listed, a platformOnly feature is a
  // decision input): a value with a key's shape is refused there, but a
  // passphrase has no shape to refuse.
  // Texts the app shows or stores as it gave them: a passphrase there is the app's own doing.
  const labelFields = ["KeyringOptions.namespace", "SetOptions.model", "KeyringOptions.platformOnly",
    "ProviderDefinition.name", "ProviderDefinition.defaultModel", "KeyringOptions.providers"];
  const r = await page.evaluate(secretPositions, { probes, labelFields });
  await page.close();
  assert.deepEqual(pageErrors, []);

  const exported = await exportedSurface();
  const covered = new Set(r.covered);
  const internal = new Set(["Keyring.decisionSnapshot"]); // skipped from the declarations
  assert.deepEqual([...exported].filter((n) => !covered.has(n)).sort(), [], "exported but not probed: add them to the table");
  assert.deepEqual([...covered].filter((n) => !exported.has(n) && !internal.has(n)).sort(), [], "probed but not exported: remove them from the table");
  assert.deepEqual(r.runtime.filter((n) => !covered.has(n)).sort(), [], "in the module but not probed");
  assert.ok(exported.size > 40, `only ${exported.size} exported names found`);
  assert.ok(r.said.length > 250, `only ${r.said.length} calls`);

  const leaks = [];
  for (const [name, secret] of Object.entries(probes)) {
    const ws = windows(secret);
    for (const s of r.said.filter((c) => c.probe === name)) {
      const w = ws.find((w) => s.text.includes(w));
      if (w) leaks.push(`${name} in ${s.what}: ${s.text.split("\n").find((l) => l.includes(w)).slice(0, 200)}`);
    }
    for (const line of consoleLines) {
      const w = ws.find((w) => line.includes(w));
      if (w) leaks.push(`${name} in the console: ${line.slice(0, 200)}`);
    }
  }
  assert.deepEqual(leaks, []);
});
