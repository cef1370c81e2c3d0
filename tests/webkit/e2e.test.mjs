// The JS API end to end in WebKitGTK (the engine behind Safari): Debian's
// MiniBrowser driven through WebKitWebDriver (./webdriver.mjs), on the
// repository served at 127.0.0.1 (a secure context, so crypto.subtle exists).
// Run by `make test-webkit` under xvfb-run; needs pkg/ (`make build`).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomInt } from "node:crypto";
import { serveRepo } from "../js/harness.mjs";
import { openSession, skipWithoutWebAuthn } from "./webdriver.mjs";

const PASS = "correct horse battery staple";
const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
// A fresh Groq-shaped key each run: "gsk_" and 52 letters and digits.
const KEY = "gsk_" + Array.from({ length: 52 }, () => ALNUM[randomInt(ALNUM.length)]).join("");

// Generous limits (a loaded 2-core machine), so that a hung browser fails
// the run instead of stalling it.
const LIMIT = { timeout: 120_000 };

let server, session, page;
before(async () => {
  server = await serveRepo();
  session = await openSession();
  page = `${server.url}/tests/webkit/page.html`;
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
  test(`create, set, reload, unlock in WebKit (${storage}Storage)`, LIMIT, async () => {
    const options = { namespace: `webkit-${storage}`, storage, iterations: 100_000 };
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
    const name = `byok-keyring:webkit-${storage}`;
    assert.ok(dump.stored.includes(name), `the vault is in ${storage}Storage as ${name}`);
    assert.ok(dump.stored[dump.stored.indexOf(name) + 1].startsWith('{"v":1,'));
    assertNoWindowOfKey(dump.stored.join("\n"), "storage");
    assertNoWindowOfKey(JSON.stringify(second.list), "list()");
    assertNoWindowOfKey(dump.console.join("\n"), "the console");
    assert.deepEqual(dump.console, []);

    await session.run(`const { Keyring } = await window.ready; new Keyring(args[0]).reset();`, options);
  });
}

// Passkey tests call skipWithoutWebAuthn first: Debian's WebKitGTK has no
// WebAuthn, and the skip says so in the test output.
test("WebAuthn: present, or passkey tests are skipped with the reason", LIMIT, async (t) => {
  await session.get(page);
  if (await skipWithoutWebAuthn(t, session)) return;
  assert.equal(await session.run("return typeof PublicKeyCredential.isUserVerifyingPlatformAuthenticatorAvailable;"), "function");
});
