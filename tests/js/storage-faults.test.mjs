// Storage faults in a real browser (nothing stored is lost), headless Chromium:
// a full quota (filled for real, and through an override of setItem), blocked
// storage (a real SecurityError in a sandboxed iframe, and an override), and
// a vault overwritten with garbage by another script.
//
// Each test gets its own page, hence its own browser context and storage.
import { test } from "node:test";
import assert from "node:assert/strict";
import { servedChromium } from "./harness.mjs";

const env = servedChromium();

async function openPage(setup) {
  const page = await env.browser.newPage();
  await setup?.(page);
  const pageErrors = [];
  page.on("pageerror", (e) => pageErrors.push(String(e && e.stack || e)));
  await page.goto(`${env.server.url}/tests/js/pages/blank.html`);
  const ready = await page.waitForFunction(() => window.ready, null, { timeout: 30_000 }).then((h) => h.jsonValue());
  assert.equal(ready, true, `module did not load: ${ready}`);
  return { page, pageErrors };
}

// Shared by the page functions below (passed as their argument).
const FIXTURE = {
  PASS: "correct horse battery",
  GROQ: "gsk_" + "A1b2C3d4E5".repeat(5) + "Zz",
  OPENAI: "sk-proj-" + "A1b2C3d4_-".repeat(7) + "abcd" + "T3BlbkFJ" + "z9Y8x7W6v5".repeat(7) + "uvwx",
};

test("a really full localStorage: set() is storage_full and the keyring keeps what storage holds", async () => {
  const { page, pageErrors } = await openPage();
  const r = await page.evaluate(async ({ PASS, GROQ, OPENAI }) => {
    const m = window.byok;
    const code = (f) => { try { f(); return "returned"; } catch (e) { return `${e.name}/${e.code}`; } };
    const acode = async (f) => { try { await f(); return "resolved"; } catch (e) { return `${e.name}/${e.code}`; } };
    localStorage.clear();
    const item = "byok-keyring:quota";
    const kr = new m.Keyring({ namespace: "quota", storage: "local", iterations: 100000 });
    await kr.create(PASS);
    kr.set("groq", GROQ);
    const listBefore = JSON.stringify(kr.list());
    const itemBefore = localStorage.getItem(item);
    // Fill the quota: big items, then halving sizes down to one character.
    let junk = 0, chars = 0, lastError;
    for (let size = 1 << 21; size >= 1; size >>= 1) {
      const chunk = "j".repeat(size);
      for (;;) {
        try {
          localStorage.setItem(`junk-${junk}`, chunk);
          junk++;
          chars += size;
        } catch (e) {
          lastError = e.name;
          break;
        }
      }
    }
    const out = { junk, chars, lastError };
    out.set = code(() => kr.set("openai", OPENAI));
    out.setMessage = (() => { try { kr.set("openai", OPENAI); } catch (e) { return e.message; } })();
    out.listSame = JSON.stringify(kr.list()) === listBefore;
    out.itemSame = localStorage.getItem(item) === itemBefore;
    out.isByokOpenai = kr.isByok("openai");
    out.getOpenai = kr.get("openai");
    out.getGroq = kr.get("groq") === GROQ;
    out.state = kr.state;
    // A new vault elsewhere cannot be written either, and nothing is left.
    const other = new m.Keyring({ namespace: "quota-2", storage: "local", iterations: 100000 });
    out.create = await acode(() => other.create(PASS));
    out.otherState = other.state;
    out.otherItem = localStorage.getItem("byok-keyring:quota-2");
    // Removing a key frees space: it works while full.
    out.remove = kr.remove("groq");
    out.removed = !JSON.parse(localStorage.getItem(item)).records?.groq;
    // Free the junk: set works again.
    for (let i = 0; i < junk; i++) localStorage.removeItem(`junk-${i}`);
    out.setAfter = code(() => kr.set("openai", OPENAI));
    out.isByokAfter = kr.isByok("openai");
    kr.reset();
    return out;
  }, FIXTURE);
  await page.close();
  assert.deepEqual(pageErrors, []);
  console.log(`filled localStorage with ${r.junk} items, ${r.chars} characters, until ${r.lastError}`);
  assert.equal(r.lastError, "QuotaExceededError");
  assert.ok(r.chars > 1_000_000, `only ${r.chars} characters fit`);
  assert.equal(r.set, "KeyringError/storage_full");
  assert.match(r.setMessage, /full/);
  assert.equal(r.listSame, true, "list() changed after a failed write");
  assert.equal(r.itemSame, true, "storage changed after a failed write");
  assert.equal(r.isByokOpenai, false);
  assert.equal(r.getOpenai, undefined);
  assert.equal(r.getGroq, true);
  assert.equal(r.state, "unlocked");
  assert.equal(r.create, "KeyringError/storage_full");
  assert.equal(r.otherState, "empty");
  assert.equal(r.otherItem, null);
  assert.equal(r.remove, true);
  assert.equal(r.removed, true);
  assert.equal(r.setAfter, "returned");
  assert.equal(r.isByokAfter, true);
});

test("setItem throwing QuotaExceededError (override): every write is storage_full and changes nothing", async () => {
  const { page, pageErrors } = await openPage();
  const r = await page.evaluate(async ({ PASS, GROQ, OPENAI }) => {
    const m = window.byok;
    const outcome = async (f) => { try { await f(); return "ok"; } catch (e) { return `${e.name}/${e.code}`; } };
    localStorage.clear();
    const item = "byok-keyring:override";
    const kr = new m.Keyring({ namespace: "override", storage: "local", iterations: 100000 });
    await kr.create(PASS);
    kr.set("groq", GROQ, { model: "llama" });
    const snapshot = () => JSON.stringify({ list: kr.list(), item: localStorage.getItem(item), byok: [kr.isByok("groq"), kr.isByok("openai")], state: kr.state });
    const before = snapshot();
    const setItem = Storage.prototype.setItem;
    const out = { ops: {}, unchanged: {} };
    const fail = (name) => function () { throw new DOMException("refused", name); };
    try {
      Storage.prototype.setItem = fail("QuotaExceededError");
      for (const [name, f] of Object.entries({
        "set new": () => kr.set("openai", OPENAI),
        "set replace": () => kr.set("groq", GROQ, { model: "other" }),
        "setEnabled": () => kr.setEnabled("groq", false),
        "remove": () => kr.remove("groq"),
        "changePassphrase": () => kr.changePassphrase(PASS, "a new passphrase"),
      })) {
        out.ops[name] = await outcome(f);
        out.unchanged[name] = snapshot() === before;
      }
      out.getGroq = kr.get("groq") === GROQ;
      // A new vault is not created, and the keyring stays empty.
      const other = new m.Keyring({ namespace: "override-2", storage: "local", iterations: 100000 });
      out.ops.create = await outcome(() => other.create(PASS));
      out.otherState = other.state;
      // Unlocking a vault stored with fewer iterations than configured
      // re-encrypts it; when that write fails the unlock still succeeds and
      // the stored vault is unchanged.
      const stronger = new m.Keyring({ namespace: "override", storage: "local", iterations: 150000 });
      out.ops["unlock with upgrade"] = await outcome(() => stronger.unlock(PASS));
      out.strongerState = stronger.state;
      out.unchanged["unlock with upgrade"] = localStorage.getItem(item) === JSON.parse(before).item;
      // Another refusal than the quota: storage_unavailable.
      Storage.prototype.setItem = fail("SecurityError");
      out.ops["set, SecurityError"] = await outcome(() => kr.set("openai", OPENAI));
      out.unchanged["set, SecurityError"] = snapshot() === before;
    } finally {
      Storage.prototype.setItem = setItem;
    }
    // The passphrase did not change: the old one still opens it.
    kr.lock();
    out.unlockOld = await outcome(() => kr.unlock(PASS));
    out.setAfter = await outcome(() => kr.set("openai", OPENAI));
    kr.reset();
    return out;
  }, FIXTURE);
  await page.close();
  assert.deepEqual(pageErrors, []);
  assert.deepEqual(r.ops, {
    "set new": "KeyringError/storage_full",
    "set replace": "KeyringError/storage_full",
    setEnabled: "KeyringError/storage_full",
    remove: "KeyringError/storage_full",
    changePassphrase: "KeyringError/storage_full",
    create: "KeyringError/storage_full",
    "unlock with upgrade": "ok",
    "set, SecurityError": "KeyringError/storage_unavailable",
  });
  assert.deepEqual(Object.entries(r.unchanged).filter(([, same]) => !same).map(([k]) => k), [], "changed after a failed write");
  assert.equal(r.getGroq, true);
  assert.equal(r.otherState, "empty");
  assert.equal(r.strongerState, "unlocked");
  assert.equal(r.unlockOld, "ok");
  assert.equal(r.setAfter, "ok");
});

test("blocked storage (a real SecurityError in a sandboxed iframe) is storage_unavailable, suggesting memory", async () => {
  // The sandboxed frame has an opaque origin: its module and wasm fetches
  // are cross-origin and need CORS, which the test server does not send.
  const { page, pageErrors } = await openPage((p) =>
    p.route(`${env.server.url}/pkg/**`, async (route) => {
      const response = await route.fetch();
      await route.fulfill({ response, headers: { ...response.headers(), "access-control-allow-origin": "*" } });
    }));
  const r = await page.evaluate(async ({ origin, PASS, GROQ }) => {
    const script = `
      const out = {};
      try { localStorage.length; out.direct = "no error"; } catch (e) { out.direct = e.name; }
      try {
        // (?sandbox: not the parent's cached, non-CORS responses)
        const m = await import("${origin}/pkg/byok_keyring.js?sandbox");
        await m.default({ module_or_path: "${origin}/pkg/byok_keyring_bg.wasm?sandbox" });
        for (const storage of ["local", "session", undefined]) {
          try { new m.Keyring(storage ? { storage } : undefined); out[String(storage)] = "constructed"; }
          catch (e) { out[String(storage)] = { name: e.name, code: e.code, message: e.message }; }
        }
        const kr = new m.Keyring({ storage: "memory", iterations: 100000 });
        await kr.create(${JSON.stringify(PASS)});
        kr.set("groq", ${JSON.stringify(GROQ)});
        out.memory = kr.isByok("groq");
      } catch (e) { out.error = String(e && e.stack || e); }
      parent.postMessage(out, "*");`;
    const frame = document.createElement("iframe");
    frame.sandbox = "allow-scripts";
    frame.srcdoc = `<script type="module">${script}<\/script>`;
    const got = new Promise((resolve) => window.addEventListener("message", (e) => resolve(e.data), { once: true }));
    document.body.append(frame);
    return await Promise.race([got, new Promise((r) => setTimeout(() => r({ error: "no answer in 20 s" }), 20_000))]);
  }, { origin: env.server.url, ...FIXTURE });
  await page.close();
  assert.deepEqual(pageErrors, []);
  assert.equal(r.error, undefined, r.error);
  assert.equal(r.direct, "SecurityError", "the frame's storage is not blocked");
  for (const storage of ["local", "session", "undefined"]) {
    assert.equal(r[storage].name, "KeyringError", storage);
    assert.equal(r[storage].code, "storage_unavailable", storage);
    assert.match(r[storage].message, /storage: "memory"/, storage);
  }
  assert.match(r.local.message, /localStorage/);
  assert.match(r.session.message, /sessionStorage/);
  assert.equal(r.memory, true);
});

test("blocked storage (getters overridden to throw SecurityError) is storage_unavailable at construction", async () => {
  const { page, pageErrors } = await openPage();
  const r = await page.evaluate(async ({ PASS, GROQ }) => {
    const m = window.byok;
    const out = {};
    for (const area of ["localStorage", "sessionStorage"]) {
      Object.defineProperty(window, area, {
        configurable: true,
        get() { throw new DOMException("blocked", "SecurityError"); },
      });
    }
    for (const storage of ["local", "session", undefined]) {
      try { new m.Keyring(storage ? { storage } : undefined); out[String(storage)] = "constructed"; }
      catch (e) { out[String(storage)] = { name: e.name, code: e.code, message: e.message }; }
    }
    const kr = new m.Keyring({ storage: "memory", iterations: 100000 });
    await kr.create(PASS);
    kr.set("groq", GROQ);
    out.memory = kr.isByok("groq");
    return out;
  }, FIXTURE);
  await page.close();
  assert.deepEqual(pageErrors, []);
  for (const storage of ["local", "session", "undefined"]) {
    assert.equal(r[storage].code, "storage_unavailable", storage);
    assert.match(r[storage].message, /storage: "memory"/, storage);
  }
  assert.equal(r.memory, true);
});

test("a vault overwritten with garbage is corrupt and stays as it is until reset()", async () => {
  const { page, pageErrors } = await openPage();
  const r = await page.evaluate(async ({ PASS, GROQ, OPENAI }) => {
    const m = window.byok;
    const outcome = async (f) => { try { await f(); return "ok"; } catch (e) { return e.code; } };
    localStorage.clear();
    const item = "byok-keyring:garbage";
    const out = {};
    // Garbage before the page opens its keyring.
    const garbage = "garbage{\u0000\uD800 not a vault";
    localStorage.setItem(item, garbage);
    const kr = new m.Keyring({ namespace: "garbage", storage: "local", iterations: 100000 });
    out.state = kr.state;
    out.ops = {};
    for (const [name, f] of Object.entries({
      unlock: () => kr.unlock(PASS),
      list: () => kr.list(),
      create: () => kr.create(PASS),
      set: () => kr.set("groq", GROQ),
      remove: () => kr.remove("groq"),
      setEnabled: () => kr.setEnabled("groq", false),
      changePassphrase: () => kr.changePassphrase(PASS, "a new passphrase"),
      exportVault: () => kr.exportVault(),
    })) out.ops[name] = await outcome(f);
    try { kr.list(); } catch (e) { out.message = e.message; }
    out.kept = localStorage.getItem(item) === garbage;
    kr.reset();
    out.afterReset = { state: kr.state, item: localStorage.getItem(item) };
    out.create = await outcome(() => kr.create(PASS));
    kr.set("groq", GROQ);
    // Garbage written by another script while the keyring is unlocked.
    localStorage.setItem(item, "{}");
    out.whileUnlocked = {
      set: await outcome(() => kr.set("openai", OPENAI)),
      list: await outcome(() => kr.list()),
      kept: localStorage.getItem(item) === "{}",
      isByok: kr.isByok("groq"),
    };
    kr.reset();
    out.recreate = await outcome(() => kr.create(PASS));
    kr.reset();
    return out;
  }, FIXTURE);
  await page.close();
  assert.deepEqual(pageErrors, []);
  assert.equal(r.state, "locked");
  assert.deepEqual(r.ops, {
    unlock: "corrupt", list: "corrupt", create: "corrupt", set: "corrupt", remove: "corrupt",
    setEnabled: "corrupt", changePassphrase: "corrupt", exportVault: "corrupt",
  });
  assert.match(r.message, /reset\(\)/);
  assert.equal(r.kept, true, "the garbage was overwritten before reset()");
  assert.deepEqual(r.afterReset, { state: "empty", item: null });
  assert.equal(r.create, "ok");
  assert.deepEqual(r.whileUnlocked, { set: "corrupt", list: "corrupt", kept: true, isByok: false });
  assert.equal(r.recreate, "ok");
});
