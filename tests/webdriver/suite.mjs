// The JS API end to end in a browser driven through WebDriver (./client.mjs):
// WebKitGTK (the engine behind Safari; webkit.test.mjs) and Firefox ESR
// (firefox.test.mjs), on the repository served at 127.0.0.1 (a secure
// context, so crypto.subtle exists). Chromium runs the Playwright suites in
// tests/js/. Needs pkg/ (`make build`).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomInt } from "node:crypto";
import { serveRepo } from "../js/harness.mjs";
import { BROWSERS, openSession, skipWithoutWebAuthn } from "./client.mjs";

const PASS = "correct horse battery staple";
const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
// A fresh Groq-shaped key each run: "gsk_" and 52 letters and digits.
const KEY = "gsk_" + Array.from({ length: 52 }, () => ALNUM[randomInt(ALNUM.length)]).join("");

// Generous limits (a loaded 2-core machine), so that a hung browser fails
// the run instead of stalling it.
const LIMIT = { timeout: 120_000 };

/** Defines the suite's tests for `browser`, a key of BROWSERS ("webkit", "firefox"). */
export function browserSuite(browser) {
  const NAME = BROWSERS[browser].name;
  let server, session, page;
  before(async () => {
    server = await serveRepo();
    session = await openSession(browser);
    page = `${server.url}/tests/webdriver/page.html`;
  }, LIMIT);
  after(async () => {
    await session?.close();
    server?.close();
  });

  /** Every name and value in both storage areas, and the page's console output. */
  const DUMP = `
    const out = [];
    for (const area of [sessionStorage, localStorage])
      for (let i = 0; i < area.length; i++) out.push(area.key(i), area.getItem(area.key(i)));
    return { stored: out, console: window.consoleLines };`;

  /** Fails if `text` holds the key or any 9 consecutive characters of it. */
  function assertNoWindowOfKey(text, where) {
    for (let i = 0; i + 9 <= KEY.length; i++) {
      assert.ok(!text.includes(KEY.slice(i, i + 9)), `${where} holds characters ${i}..${i + 9} of the key`);
    }
  }

  for (const storage of ["session", "local"]) {
    test(`create, set, reload, unlock in ${NAME} (${storage}Storage)`, LIMIT, async () => {
      const options = { namespace: `${browser}-${storage}`, storage, iterations: 100_000 };
      await session.get(page);
      const first = await session.run(
        `const { Keyring } = await window.ready;
         const [options, pass, key] = args;
         const kr = new Keyring(options);
         const before = kr.state;
         await kr.create(pass);
         kr.set("groq", key);
         return { before, after: kr.state, isByok: kr.isByok("groq"),
                  deduct: kr.shouldDeductCredits("groq"), backend: kr.kdfBackend };`,
        options, PASS, KEY,
      );
      assert.deepEqual(first, { before: "empty", after: "unlocked", isByok: true, deduct: false, backend: "webcrypto" });

      await session.get(page); // a reload: the vault stays, the derived key does not
      const second = await session.run(
        `const { Keyring } = await window.ready;
         const [options, pass, key] = args;
         const kr = new Keyring(options);
         const locked = { state: kr.state, isByok: kr.isByok("groq"), source: kr.source("groq") };
         let wrong;
         try { await kr.unlock("not the passphrase"); } catch (e) { wrong = e.code; }
         await kr.unlock(pass);
         const r = { locked, wrong, state: kr.state, same: kr.get("groq") === key,
                     isByok: kr.isByok("groq"), list: kr.list() };
         return r;`,
        options, PASS, KEY,
      );
      assert.deepEqual(second.locked, { state: "locked", isByok: false, source: "user" });
      assert.equal(second.wrong, "wrong_passphrase");
      assert.equal(second.state, "unlocked");
      assert.equal(second.same, true, "get() returns the key stored before the reload");
      assert.equal(second.isByok, true);
      assert.deepEqual(second.list.map((k) => k.provider), ["groq"]);

      const dump = await session.run(DUMP);
      const name = `byok-keyring:${browser}-${storage}`;
      assert.ok(dump.stored.includes(name), `the vault is in ${storage}Storage as ${name}`);
      assert.ok(dump.stored[dump.stored.indexOf(name) + 1].startsWith('{"v":2,'));
      assertNoWindowOfKey(dump.stored.join("\n"), "storage");
      assertNoWindowOfKey(JSON.stringify(second.list), "list()");
      assertNoWindowOfKey(dump.console.join("\n"), "the console");
      assert.deepEqual(dump.console, []);

      await session.run(`const { Keyring } = await window.ready; new Keyring(args[0]).reset();`, options);
    });
  }

  // The package entry (pkg/index.js) answers validate from results it kept and
  // isByok / shouldDeductCredits from a snapshot, passing keys to the core
  // through a buffer in the module's memory: the same answers as the core in
  // this browser too, before and after the memory grows.
  test(`the package entry's fast paths answer as the core does in ${NAME}`, LIMIT, async () => {
    await session.get(page);
    const r = await session.run(
      `const glue = await window.ready;
       const entry = await import("/pkg/index.js");
       await entry.default();
       // The module's memory: the export that is a WebAssembly.Memory (by its
       // tag: Firefox runs this script in a sandbox whose WebAssembly is not
       // the page's, so instanceof would say no).
       const memory = Object.values(await glue.default()).find((v) => Object.prototype.toString.call(v) === "[object WebAssembly.Memory]");
       const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
       let x = 11;
       const rand = (n) => Array.from({ length: n }, () => ALNUM[(x = (x * 1103515245 + 12345) >>> 0) % 62]).join("");
       const keys = ["", "  ", "sk-" + rand(48) + "\\n", "Bearer sk-" + rand(48), "gsk_" + rand(52) + "é", "sk-ant-api03-" + rand(93) + "AA"];
       for (const p of entry.providers()) for (const prefix of p.prefixes) for (const n of [8, 32, 40, 52, 93, 156]) keys.push(prefix + rand(n));
       const diffs = [];
       const compare = (when) => {
         for (const provider of ["openai", "anthropic", "groq", "gemini", "nope"]) for (const key of keys) {
           for (let i = 0; i < 2; i++) {
             const a = JSON.stringify(entry.validate(provider, key)), b = JSON.stringify(glue.validate(provider, key));
             if (a !== b && diffs.length < 5) diffs.push({ when, provider, a, b });
           }
         }
       };
       compare("first");
       const before = memory.buffer.byteLength;
       memory.grow(256);
       const grown = memory.buffer.byteLength > before;
       compare("after the memory grew");
       const kr = new entry.Keyring({ namespace: "entry", storage: "memory", iterations: 100000, platformOnly: ["deep"] });
       await kr.create(args[0]);
       kr.set("groq", args[1]);
       const answers = [kr.isByok("groq"), kr.isByok("openai"), kr.shouldDeductCredits("groq"), kr.shouldDeductCredits("groq", "deep")];
       kr.lock();
       answers.push(kr.isByok("groq"), kr.shouldDeductCredits("groq"));
       return { compared: keys.length * 5 * 2 * 2, diffs, grown, answers };`,
      PASS, KEY,
    );
    console.log(`${NAME}: the entry's validate compared with the core's ${r.compared} times`);
    assert.deepEqual(r.diffs, []);
    assert.ok(r.grown, "the memory grew");
    assert.ok(r.compared > 500, String(r.compared));
    assert.deepEqual(r.answers, [true, false, false, true, false, true]);
  });

  // Staying unlocked across a reload (resume: "tab"): the vault key sealed
  // under a non-extractable CryptoKey that IndexedDB keeps, the ticket in
  // the tab's sessionStorage; a reload resumes with no passphrase, lock()
  // ends it.
  test(`a reload resumes the unlocked keyring in ${NAME} (resume: "tab")`, LIMIT, async () => {
    const options = { namespace: `${browser}-resume`, storage: "session", iterations: 100_000, resume: "tab" };
    await session.get(page);
    await session.run(
      `const { Keyring } = await window.ready;
       const kr = new Keyring(args[0]);
       await kr.create(args[1]);
       kr.set("groq", args[2]);
       // The ticket is written after the unlock settles.
       for (let i = 0; i < 100 && !Object.keys(sessionStorage).some((k) => k.endsWith("/resume")); i++) await new Promise((r) => setTimeout(r, 50));`,
      options, PASS, KEY,
    );
    await session.get(page);
    const resumed = await session.run(
      `const { Keyring } = await window.ready;
       const kr = new Keyring(args[0]);
       const before = kr.state;
       const ok = await kr.resume();
       const r = { before, ok, state: kr.state, same: kr.get("groq") === args[1], isByok: kr.isByok("groq") };
       kr.lock();
       return r;`,
      options, KEY,
    );
    assert.deepEqual(resumed, { before: "locked", ok: true, state: "unlocked", same: true, isByok: true });
    await session.get(page);
    const afterLock = await session.run(
      `const { Keyring } = await window.ready;
       const kr = new Keyring(args[0]);
       const r = { ok: await kr.resume(), state: kr.state };
       kr.reset();
       return r;`,
      options,
    );
    assert.deepEqual(afterLock, { ok: false, state: "locked" }, "lock() ends the resume");
  });

  // Passkeys through WebDriver's virtual authenticator (with PRF), on
  // localhost: WebAuthn refuses an IP address as the relying party. Firefox
  // reports PRF as enabled at registration without a result, so the library
  // asks for one assertion there: this is that path, end to end.
  test(`passkeys: add, lock, reload, unlock with the passkey in ${NAME}`, LIMIT, async (t) => {
    await session.get(page);
    if (browser === "webkit" && (await skipWithoutWebAuthn(t, session))) return;
    await session.addVirtualAuthenticator({
      protocol: "ctap2", transport: "internal", hasResidentKey: true, hasUserVerification: true,
      isUserConsenting: true, isUserVerified: true, hasPrf: true,
    });
    const options = { namespace: `${browser}-passkey`, storage: "session", iterations: 100_000 };
    const onLocalhost = page.replace("//127.0.0.1:", "//localhost:");
    await session.get(onLocalhost);
    const added = await session.run(
      `const { Keyring } = await window.ready;
       const kr = new Keyring(args[0]);
       await kr.create(args[1]);
       const info = await kr.addPasskey({ name: "Test key" });
       kr.set("groq", args[2]);
       return { id: info.id, name: info.name, methods: kr.unlockMethods().map((m) => m.kind) };`,
      options, PASS, KEY,
    );
    assert.match(added.id, /^passkey-[0-9a-f]{12}$/);
    assert.deepEqual([added.name, added.methods], ["Test key", ["passphrase", "passkey"]]);
    await session.get(onLocalhost); // a reload: locked, and only the passkey unlocks
    const unlocked = await session.run(
      `const { Keyring } = await window.ready;
       const kr = new Keyring(args[0]);
       const before = kr.state;
       await kr.unlockWithPasskey();
       const r = { before, state: kr.state, same: kr.get("groq") === args[1], isByok: kr.isByok("groq") };
       kr.reset();
       return r;`,
      options, KEY,
    );
    assert.deepEqual(unlocked, { before: "locked", state: "unlocked", same: true, isByok: true });
  });

  // Passkey tests call skipWithoutWebAuthn first: Debian's WebKitGTK has no
  // WebAuthn, and the skip says so in the test output. Firefox has it.
  test("WebAuthn: present, or passkey tests are skipped with the reason", LIMIT, async (t) => {
    await session.get(page);
    if (browser === "webkit" && (await skipWithoutWebAuthn(t, session))) return;
    assert.equal(await session.run("return typeof PublicKeyCredential.isUserVerifyingPlatformAuthenticatorAvailable;"), "function");
  });
}
