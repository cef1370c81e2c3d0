// <byok-keys> with passkeys, resume and the strength meter, in headless
// Chromium with its virtual authenticator (real WebAuthn through the DevTools
// protocol, as in tests/js/passkeys.test.mjs), on an http://localhost page
// (WebAuthn refuses 127.0.0.1). Everything is done through the popup, as a
// user would: its buttons, its fields, reloads of the tab.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { serveRepo, CHROMIUM_ARGS, ROOT, addAuthenticator } from "./harness.mjs";
import { SAMPLE_KEYS } from "./standin/server.mjs";

const PASS = "correct horse battery";
const OPENAI = SAMPLE_KEYS.openai;
const AXE = join(ROOT, "node_modules/axe-core/axe.min.js");

let server, browser, origin;
before(async () => {
  server = await serveRepo();
  origin = server.url.replace("127.0.0.1", "localhost");
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    // No other host name resolves: a key check never reaches a real provider.
    args: [...CHROMIUM_ARGS, "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost"],
  });
});
after(async () => {
  await browser?.close();
  server?.close();
});

/** The element test page in a fresh context with a virtual authenticator (none with `webauthn: false`). */
async function openPage(t, { webauthn = true } = {}) {
  const ctx = await browser.newContext();
  ctx.setDefaultTimeout(20_000);
  t.after(() => ctx.close());
  if (!webauthn) await ctx.addInitScript(() => delete window.PublicKeyCredential);
  const page = await ctx.newPage();
  page.errors = [];
  page.on("pageerror", (e) => page.errors.push(e.message));
  if (webauthn) await addAuthenticator(ctx, page);
  page.load = async () => {
    await page.goto(`${origin}/tests/js/pages/elements.html`);
    await page.evaluate(() => document.querySelector("byok-keys").ready);
  };
  await page.load();
  return page;
}

const kr = (page, fn) => page.evaluate((f) => new Function("kr", `return (${f})(kr)`)(document.querySelector("byok-keys").keyring), String(fn));
const state = (page) => kr(page, (k) => k.state);
const stateIs = (page, want) => page.waitForFunction((w) => document.querySelector("byok-keys").keyring.state === w, want);
const shown = (page, id) => page.isVisible(`#${id}`);
const passkeyRows = (page) => page.$$eval("byok-keys >> #pk-list li", (lis) => lis.map((li) => li.textContent));
const message = (page) => page.textContent("#vault-msg");
const messageIs = (page, text) => page.waitForFunction((w) => document.querySelector("byok-keys").shadowRoot.getElementById("vault-msg").textContent === w, text);
/** The id of the element focus is on, through the shadow root. */
const focused = (page) =>
  page.evaluate(() => {
    let a = document.activeElement;
    while (a?.shadowRoot?.activeElement) a = a.shadowRoot.activeElement;
    return a?.id ?? "";
  });

async function openPopup(page) {
  await page.evaluate(() => document.querySelector("byok-keys").show());
  await page.waitForSelector("byok-keys dialog[open]");
}

async function axe(page) {
  if (!(await page.evaluate(() => "axe" in window))) await page.addScriptTag({ path: AXE });
  const violations = await page.evaluate(async () => (await window.axe.run(document)).violations);
  return violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" > ")).join(", ")})`);
}

test("passphrase vault: add a passkey, stay unlocked across a reload, unlock with the passkey after Lock, remove it", async (t) => {
  const page = await openPage(t);
  await openPopup(page);
  assert.ok(await shown(page, "pk-create"), "the create form offers a passkey");
  await page.fill("#passphrase-new", PASS);
  await page.fill("#passphrase-confirm", PASS);
  await page.click("#create-btn");
  await stateIs(page, "unlocked");
  await page.fill("#key-openai", OPENAI);
  await page.click("#save-openai");
  await page.waitForFunction(() => document.querySelector("byok-keys").shadowRoot.getElementById("chip-openai").textContent === "Configured");
  assert.deepEqual(await passkeyRows(page), [], "no passkey yet");

  // Add a passkey: it appears in the list with the date it was added.
  await page.click("#pk-add");
  await messageIs(page, "Passkey added: you can unlock with it.");
  const [pk] = await kr(page, (k) => k.unlockMethods().filter((m) => m.kind === "passkey"));
  assert.ok(pk, "the vault has a passkey");
  const rows = await passkeyRows(page);
  assert.equal(rows.length, 1);
  assert.ok(rows[0].startsWith(pk.name), rows[0]);
  assert.match(rows[0], /added /);
  assert.equal(await page.getAttribute("#pk-list button", "aria-label"), `Remove passkey ${pk.name}`);
  assert.deepEqual(await axe(page), [], "unlocked with a passkey listed");

  // A reload of the tab: the element resumes, no prompt.
  await page.load();
  assert.equal(await state(page), "unlocked", "resume: still unlocked after a reload");
  assert.equal(await kr(page, (k) => k.get("openai")), OPENAI);
  await openPopup(page);
  assert.ok(await shown(page, "unlocked-panel"));
  assert.ok(!(await shown(page, "unlock-form")));
  assert.equal((await passkeyRows(page)).length, 1);

  // Lock, reload: locked, and the unlock form offers the passkey.
  await page.click("#lock-btn");
  await stateIs(page, "locked");
  await page.load();
  assert.equal(await state(page), "locked", "Lock ends the resume");
  await openPopup(page);
  assert.ok(await shown(page, "pk-unlock"));
  assert.ok(await shown(page, "passphrase"), "the passphrase still unlocks too");
  assert.deepEqual(await axe(page), [], "locked with a passkey");
  await page.click("#pk-unlock");
  await stateIs(page, "unlocked");
  assert.equal(await message(page), "Unlocked.");
  assert.equal(await focused(page), "unlocked-status");
  assert.equal(await kr(page, (k) => k.get("openai")), OPENAI, "the key is there");

  // Remove it: the list is empty, the passphrase is the only way in again.
  await page.click("#pk-list button");
  await messageIs(page, "Passkey removed.");
  assert.deepEqual(await passkeyRows(page), []);
  assert.deepEqual(await kr(page, (k) => k.unlockMethods()), [{ kind: "passphrase" }]);
  await page.click("#lock-btn");
  await stateIs(page, "locked");
  assert.ok(!(await shown(page, "pk-unlock")), "no passkey left to unlock with");
  assert.deepEqual(page.errors, []);
});

test("a passkey-only vault from “Use a passkey instead”: no passphrase field, its last passkey cannot be removed", async (t) => {
  const page = await openPage(t);
  await openPopup(page);
  await page.click("#pk-create");
  await stateIs(page, "unlocked");
  assert.equal(await message(page), "Passkey set. Your keys are unlocked.");
  const methods = await kr(page, (k) => k.unlockMethods());
  assert.deepEqual(methods.map((m) => m.kind), ["passkey"]);
  assert.equal((await passkeyRows(page)).length, 1);

  // The only way in: Remove is refused with the library's sentence, the passkey stays.
  const expected = await kr(page, async (k) => {
    try {
      await k.removePasskey(k.unlockMethods()[0].id);
    } catch (e) {
      return e.code;
    }
  });
  assert.equal(expected, "last_unlock_method");
  await page.click("#pk-list button");
  await page.waitForFunction(() => document.querySelector("byok-keys").shadowRoot.getElementById("vault-msg").dataset.kind === "error");
  assert.ok((await message(page)).length > 10);
  assert.equal((await passkeyRows(page)).length, 1);

  // Locked: the passkey is the way in (focused), the passphrase field is gone.
  await page.click("#lock-btn");
  await stateIs(page, "locked");
  assert.ok(!(await shown(page, "passphrase")));
  assert.ok(!(await shown(page, "unlock-btn")));
  assert.equal(await focused(page), "pk-unlock");
  await page.load();
  await openPopup(page);
  assert.equal(await focused(page), "pk-unlock");
  await page.click("#pk-unlock");
  await stateIs(page, "unlocked");
  assert.deepEqual(page.errors, []);
});

test("without WebAuthn the popup shows no passkey control", async (t) => {
  const page = await openPage(t, { webauthn: false });
  await openPopup(page);
  for (const id of ["pk-create", "pk-unlock", "pk-add", "pk-list"]) {
    assert.equal(await page.$(`byok-keys >> #${id}`), null, id);
  }
  await page.fill("#passphrase-new", PASS);
  await page.fill("#passphrase-confirm", PASS);
  await page.click("#create-btn");
  await stateIs(page, "unlocked");
  assert.deepEqual(page.errors, []);
});

test("resume can be turned off with the element's options", async (t) => {
  const page = await openPage(t);
  await page.evaluate(() => (document.querySelector("byok-keys").options = { resume: "off" }));
  await openPopup(page);
  await page.fill("#passphrase-new", PASS);
  await page.fill("#passphrase-confirm", PASS);
  await page.click("#create-btn");
  await stateIs(page, "unlocked");
  await page.load();
  assert.equal(await state(page), "locked", "no resume: a reload asks again");
  await openPopup(page);
  assert.ok(await shown(page, "passphrase"));
});

test("the strength meter under the new passphrase", async (t) => {
  const page = await openPage(t);
  await openPopup(page);
  const has = await page.evaluate(async () => typeof (await import("/pkg/index.js")).passphraseStrength === "function");
  const meter = () => page.evaluate(() => {
    const r = document.querySelector("byok-keys").shadowRoot;
    return { hidden: r.getElementById("strength").hidden, value: r.getElementById("meter").value, text: r.getElementById("strength-text").textContent };
  });
  assert.equal((await meter()).hidden, true, "nothing typed: no meter");
  if (!has) {
    await page.fill("#passphrase-new", "password1234");
    assert.equal((await meter()).hidden, true, "the library has no passphraseStrength: no meter");
    t.skip("passphraseStrength is not exported by this build");
    return;
  }
  await page.fill("#passphrase-new", "password1234");
  let m = await meter();
  assert.equal(m.hidden, false);
  assert.match(m.text, /^Weak/);
  assert.ok(m.value <= 1);
  assert.deepEqual(await axe(page), [], "the meter shown");
  await page.fill("#passphrase-new", "quartz tundra lantern mosaic 48 ribbon");
  m = await meter();
  assert.match(m.text, /^(Good|Strong)/);
  assert.ok(m.value >= 3);
  await page.fill("#passphrase-new", "");
  assert.equal((await meter()).hidden, true);
});
