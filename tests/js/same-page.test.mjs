// Several keyrings for one namespace in one page (two components, each
// constructing its own), headless Chromium. A `storage` event only reaches
// other tabs, so the page's keyrings of one storage item keep each other up
// to date themselves (src/wasm/registry.rs):
//
// - after every kind of change made through keyring B (create, set, replace,
//   setEnabled, remove, importPlaintext, lock({ everywhere: true }),
//   changePassphrase, an unlock that upgrades the iteration count, reset,
//   Keyring.importVault), keyring A answers isByok, shouldDeductCredits,
//   get, list and state like B and like a keyring constructed afterwards,
//   at once: before B's call returns, with its onChange listeners already
//   told; in sessionStorage and in localStorage;
// - a freed keyring leaves: it stays "locked" and does not come back;
// - "memory" keyrings share nothing;
// - listeners that call into the keyrings (their own and the other one),
//   nested changes included, never hit a double borrow (a panic in wasm
//   would kill the module) and everyone still agrees afterwards.
import { test } from "node:test";
import assert from "node:assert/strict";
import { servedChromium } from "./harness.mjs";

const env = servedChromium();

async function openPage() {
  const page = await env.browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e && e.stack || e)));
  await page.goto(`${env.server.url}/tests/js/pages/blank.html`);
  const ready = await page.waitForFunction(() => window.ready, null, { timeout: 30_000 }).then((h) => h.jsonValue());
  assert.equal(ready, true, `module did not load: ${ready}`);
  page.errors = errors;
  return page;
}

/** Runs in the page: every kind of change through B, A compared after each. */
async function scenario(storage) {
  const m = window.byok;
  const core = m.Keyring[Symbol.for("byok-keyring.coreDecision")];
  const area = storage === "local" ? localStorage : sessionStorage;
  localStorage.clear();
  sessionStorage.clear();
  const P1 = "correct horse battery";
  const P2 = "another staple battery";
  const URLSAFE = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const ALNUM = URLSAFE.slice(0, 62);
  const pick = (a, n, seed) => Array.from({ length: n }, (_, i) => a[(seed * 7919 + i * 104729 + i * i * 31) % a.length]).join("");
  const K = {
    openai: "sk-proj-" + pick(URLSAFE, 74, 1) + "T3BlbkFJ" + pick(URLSAFE, 74, 2),
    openai2: "sk-proj-" + pick(URLSAFE, 74, 3) + "T3BlbkFJ" + pick(URLSAFE, 74, 4),
    groq: "gsk_" + pick(ALNUM, 52, 5),
    anthropic: "sk-ant-api03-" + pick(URLSAFE, 93, 6) + "AA",
  };
  const PROVIDERS = ["openai", "groq", "anthropic", "xai"];
  const opts = { namespace: "same-page", storage, iterations: 100000, platformOnly: ["deep"] };

  /** Everything a component asks, synchronously. */
  const answers = (kr) => {
    const out = { state: kr.state, list: kr.list() };
    for (const p of PROVIDERS) {
      out[`isByok ${p}`] = kr.isByok(p);
      out[`core isByok ${p}`] = core.isByok(kr, p);
      for (const f of [undefined, "chat", "deep"]) {
        out[`shouldDeduct ${p} ${f}`] = kr.shouldDeductCredits(p, f);
        out[`core shouldDeduct ${p} ${f}`] = core.shouldDeductCredits(kr, p, f);
      }
      try {
        out[`get ${p}`] = kr.get(p) ?? "(undefined)";
      } catch (e) {
        out[`get ${p}`] = `threw ${e.code}`;
      }
    }
    return out;
  };
  /** A keyring constructed now, unlocked with `pass` when given. */
  const freshAnswers = async (pass) => {
    const c = new m.Keyring(opts);
    try {
      if (pass) await c.unlock(pass);
      return answers(c);
    } finally {
      c.free();
    }
  };

  const A = new m.Keyring(opts);
  const B = new m.Keyring(opts);
  const eventsA = [];
  A.onChange((e) => eventsA.push(e.type));
  const steps = [];
  /** Runs B's change; compares A, taken right when the change returned. */
  async function step(name, change, { pass, external = true, same = true } = {}) {
    eventsA.length = 0;
    await change();
    // Synchronously after the change returned: no event loop turn between.
    const a = answers(A);
    const heard = eventsA.slice();
    const b = answers(B);
    const fresh = await freshAnswers(pass);
    steps.push({ name, a, b: same ? b : a, fresh, heard, external });
  }

  await step("create", () => B.create(P1), { same: false });
  await A.unlock(P1);
  await step("set", () => B.set("openai", K.openai), { pass: P1 });
  await step("set with model and expiry", () => B.set("groq", K.groq, { model: "llama-3.1-8b-instant", expiresInMs: 3_600_000 }), { pass: P1 });
  await step("replace", () => B.set("openai", K.openai2), { pass: P1 });
  await step("disable", () => B.setEnabled("groq", false), { pass: P1 });
  await step("enable", () => B.setEnabled("groq", true), { pass: P1 });
  await step("remove", () => B.remove("openai"), { pass: P1 });
  area.setItem("legacy-anthropic-key", K.anthropic);
  await step("importPlaintext", () => B.importPlaintext("anthropic", "legacy-anthropic-key", storage), { pass: P1 });
  await step("lock everywhere", () => B.lock({ everywhere: true }), { external: false });
  await A.unlock(P1);
  await B.unlock(P1);
  // A is unlocked, B's passphrase change re-keys the vault: A locks, like
  // the keyring constructed afterwards (not unlocked: its passphrase changed).
  // Key slots: a passphrase change rewraps the vault key, so A stays unlocked.
  await step("changePassphrase", () => B.changePassphrase(P1, P2), { pass: P2, same: false });
  await A.unlock(P2);
  // An unlock that raises the iteration count rewrites the vault.
  const B2 = new m.Keyring({ ...opts, iterations: 150000 });
  await step("unlock with upgrade", () => B2.unlock(P2), { pass: P2, same: false });
  const upgraded = { iterations: A.iterations, stored: JSON.parse(area.getItem("byok-keyring:same-page")).slots.passphrase.kdf.iterations };
  B2.free();
  await A.unlock(P2);
  await B.unlock(P2);
  const exported = B.exportVault();
  await step("reset", () => B.reset());
  let imported;
  await step("importVault", () => { imported = m.Keyring.importVault(exported, opts); }, { same: false });
  imported.free();

  // A freed keyring leaves the page's registry and stays locked.
  await A.unlock(P2);
  await B.unlock(P2);
  const C = new m.Keyring(opts);
  await C.unlock(P2);
  const beforeFree = C.isByok("groq");
  C.free();
  B.set("openai", K.openai);
  const freed = { beforeFree, afterFree: C.isByok("groq"), openai: C.isByok("openai") };

  // Memory keyrings of one namespace each have their own storage.
  const memOpts = { namespace: "same-page", storage: "memory", iterations: 100000 };
  const M1 = new m.Keyring(memOpts);
  const M2 = new m.Keyring(memOpts);
  await M1.create(P1);
  M1.set("groq", K.groq);
  const memory = { m1: M1.isByok("groq"), m2: M2.isByok("groq"), m2state: M2.state };
  M1.free();
  M2.free();

  const upgradedIterations = upgraded.stored === upgraded.iterations ? upgraded.stored : JSON.stringify(upgraded);
  A.free();
  B.free();
  return { steps, freed, memory, upgradedIterations };
}

for (const storage of ["session", "local"]) {
  test(`a change through one keyring reaches another of the same namespace in the page at once (${storage}Storage)`, async () => {
    const page = await openPage();
    const r = await page.evaluate(scenario, storage);
    await page.close();
    assert.deepEqual(page.errors, []);
    assert.equal(r.steps.length, 13);
    for (const s of r.steps) {
      assert.deepEqual(s.a, s.fresh, `after "${s.name}", keyring A does not answer like a keyring constructed afterwards`);
      assert.deepEqual(s.a, s.b, `after "${s.name}", keyring A does not answer like keyring B`);
      if (s.external) assert.ok(s.heard.includes("external"), `after "${s.name}", A's onChange heard ${JSON.stringify(s.heard)}, no "external"`);
    }
    const at = (name) => r.steps.find((s) => s.name === name);
    // The comparisons above are not vacuous: the answers moved.
    assert.equal(at("set").a["isByok openai"], true);
    assert.match(at("set").a["get openai"], /^sk-proj-/);
    assert.notEqual(at("replace").a["get openai"], at("set").a["get openai"]);
    assert.equal(at("disable").a["isByok groq"], false);
    assert.equal(at("enable").a["isByok groq"], true);
    assert.equal(at("remove").a["isByok openai"], false);
    assert.equal(at("remove").a["get openai"], "(undefined)");
    assert.equal(at("importPlaintext").a["isByok anthropic"], true);
    assert.equal(at("lock everywhere").a.state, "locked");
    assert.ok(at("lock everywhere").heard.includes("locked"));
    assert.equal(at("changePassphrase").a.state, "unlocked");
    assert.match(at("changePassphrase").a["get groq"], /^gsk_/);
    assert.equal(at("unlock with upgrade").a.state, "unlocked");
    assert.equal(r.upgradedIterations, 150000);
    assert.equal(at("reset").a.state, "empty");
    assert.equal(at("importVault").a.state, "locked");
    assert.equal(at("importVault").a.list.length, 2);
    assert.deepEqual(r.freed, { beforeFree: true, afterFree: false, openai: false });
    assert.deepEqual(r.memory, { m1: true, m2: false, m2state: "empty" });
  });
}

/** Runs in the page: listeners of A and B that call into both keyrings,
 * one of them making a nested change, while B makes every kind of change. */
async function reentrancy(storage) {
  const m = window.byok;
  localStorage.clear();
  sessionStorage.clear();
  const P1 = "correct horse battery";
  const GROQ = "gsk_" + "A1b2C3d4E5".repeat(5) + "Zz";
  const XAI = "xai-" + "a1B2c3D4e5".repeat(8);
  const opts = { namespace: "reentrant", storage, iterations: 100000 };
  const A = new m.Keyring(opts);
  const B = new m.Keyring(opts);
  const bad = []; // anything thrown that is not a KeyringError
  const calls = { a: 0, b: 0, nested: 0 };
  const poke = (kr) => {
    for (const f of [
      () => kr.state, () => kr.list(), () => kr.isByok("groq"), () => kr.shouldDeductCredits("groq", "chat"),
      () => kr.source("groq"), () => kr.get("groq"), () => kr.usage(), () => kr.authHeaders("groq"),
      () => kr.setEnabled("groq", true),
    ]) {
      try {
        f();
      } catch (e) {
        if (!(e && e.name === "KeyringError")) bad.push(String(e && e.stack || e));
      }
    }
  };
  let nestedDone = false;
  A.onChange((e) => {
    calls.a++;
    poke(A);
    poke(B);
    // Once: a change made by a listener, while B's change is being told.
    if (e.type === "external" && !nestedDone && A.state === "unlocked") {
      nestedDone = true;
      try {
        B.set("xai", XAI);
        calls.nested++;
      } catch (err) {
        bad.push("nested set: " + String(err && err.stack || err));
      }
    }
  });
  B.onChange(() => {
    calls.b++;
    poke(B);
    poke(A);
  });
  await B.create(P1);
  await A.unlock(P1);
  B.set("groq", GROQ);
  const afterNested = { a: A.isByok("xai"), b: B.isByok("xai"), aGet: A.get("xai") === XAI };
  B.setEnabled("groq", false);
  B.remove("xai");
  B.lock({ everywhere: true });
  await A.unlock(P1);
  await B.unlock(P1);
  await B.changePassphrase(P1, P1 + "!");
  await A.unlock(P1 + "!");
  const agree = JSON.stringify([A.list(), A.isByok("groq"), A.get("groq")]) === JSON.stringify([B.list(), B.isByok("groq"), B.get("groq")]);
  B.reset();
  // The module still works.
  const k = new m.Keyring({ storage: "memory", namespace: "after", iterations: 100000 });
  await k.create(P1);
  k.set("groq", GROQ);
  const healthy = k.get("groq") === GROQ;
  return { bad, calls, afterNested, agree, healthy, finalA: A.state, finalB: B.state };
}

for (const storage of ["session", "local"]) {
  test(`listeners that call into both keyrings, and change them, never hit a double borrow (${storage}Storage)`, async () => {
    const page = await openPage();
    const r = await page.evaluate(reentrancy, storage);
    await page.close();
    assert.deepEqual(page.errors, []);
    assert.deepEqual(r.bad, [], "calls from listeners threw something else than a KeyringError");
    assert.equal(r.calls.nested, 1);
    assert.ok(r.calls.a > 5 && r.calls.b > 5, JSON.stringify(r.calls));
    assert.deepEqual(r.afterNested, { a: true, b: true, aGet: true }, "the nested change did not reach both");
    assert.equal(r.agree, true);
    assert.equal(r.healthy, true);
    assert.deepEqual([r.finalA, r.finalB], ["empty", "empty"]);
  });
}
