// <byok-keys> (byok-keyring/elements, pkg/elements.js) in headless Chromium:
// a plain page that uses the element with attributes only
// (tests/js/pages/elements.html), the keyring property, strings, messages,
// ::part and custom-property theming, the keyboard, and axe-core in every
// state. Chromium resolves no host name here, so a check with a real
// provider ends as "Could not reach the provider"; the provider stand-in
// (tests/js/standin) answers the checks that must succeed or be rejected.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { serveRepo, CHROMIUM_ARGS, ROOT } from "./harness.mjs";
import { startStandin, SAMPLE_KEYS } from "./standin/server.mjs";

const PASS = "correct horse battery";
const OPENAI = SAMPLE_KEYS.openai;
const AXE = join(ROOT, "node_modules/axe-core/axe.min.js");

let server, browser, standin;
before(async () => {
  server = await serveRepo();
  standin = await startStandin();
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    // No host name resolves: nothing can reach a real provider.
    args: [...CHROMIUM_ARGS, "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"],
  });
});
after(async () => {
  await browser?.close();
  server?.close();
  await standin?.close();
});

/** The test page in a fresh context, the element ready, its events recorded in window.events. */
async function openPage(t) {
  const ctx = await browser.newContext();
  ctx.setDefaultTimeout(20_000);
  t.after(() => ctx.close());
  const page = await ctx.newPage();
  page.errors = [];
  page.on("pageerror", (e) => page.errors.push(e.message));
  await page.goto(`${server.url}/tests/js/pages/elements.html`);
  await page.evaluate(async () => {
    const el = document.querySelector("byok-keys");
    window.events = [];
    for (const type of ["byok-change", "byok-lock", "byok-unlock"]) {
      el.addEventListener(type, (e) => window.events.push(`${type}:${e.detail.type}:${e.detail.state}`));
    }
    await el.ready;
  });
  return page;
}

/** axe-core over the whole page (the element's open shadow root included): the violations, as "rule: targets". */
async function axe(page) {
  if (!(await page.evaluate(() => "axe" in window))) await page.addScriptTag({ path: AXE });
  const violations = await page.evaluate(async () => (await window.axe.run(document)).violations);
  return violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" > ")).join(", ")})`);
}

const events = (page) => page.evaluate(() => window.events.splice(0));
const kr = (page, fn, arg) => page.evaluate(([f, a]) => new Function("kr", "arg", `return (${f})(kr, arg)`)(document.querySelector("byok-keys").keyring, a), [String(fn), arg]);
/** The id of the element focus is on, through the shadow root. */
const focused = (page) =>
  page.evaluate(() => {
    let a = document.activeElement;
    while (a?.shadowRoot?.activeElement) a = a.shadowRoot.activeElement;
    return a?.id ?? "";
  });
const chipIs = (page, provider, text) =>
  page.waitForFunction(([p, want]) => document.querySelector("byok-keys").shadowRoot.getElementById(`chip-${p}`).textContent === want, [provider, text]);

/** Opens the popup as an app's "API keys" button would. */
async function openPopup(page) {
  await page.focus("#opener");
  await page.evaluate(() => document.querySelector("byok-keys").show());
  await page.waitForSelector("byok-keys dialog[open]");
}

test("attributes only: create a vault, live validation, add a key, the chip, isByok, lock and unlock events, Escape returns focus", async (t) => {
  const page = await openPage(t);
  assert.equal(await kr(page, (k) => k.state), "empty");
  assert.equal(await kr(page, (k) => k.namespace), "elements-test");
  await openPopup(page);
  assert.equal(await focused(page), "passphrase-new", "an empty keyring asks for a new passphrase first");
  assert.deepEqual(await axe(page), [], "empty, dialog open");

  await page.fill("#passphrase-new", PASS);
  await page.fill("#passphrase-confirm", PASS);
  await page.click("#create-btn");
  await page.waitForFunction(() => document.querySelector("byok-keys").keyring.state === "unlocked");
  assert.deepEqual(await events(page), ["byok-change:created:unlocked", "byok-unlock:created:unlocked"]);

  // Live validation: the library's own sentence while typing; Add refuses the key.
  await page.fill("#key-openai", "sk-short");
  const expected = await page.evaluate(async () => (await import("/pkg/index.js")).validate("openai", "sk-short").message);
  assert.equal(await page.textContent("#feedback-openai"), expected);
  assert.equal(await page.getAttribute("#feedback-openai", "data-kind"), "error");
  await page.click("#save-openai");
  assert.equal(await page.textContent("#feedback-openai"), expected);
  assert.deepEqual(await kr(page, (k) => k.list()), []);
  await page.fill("#key-openai", OPENAI);
  assert.match(await page.textContent("#feedback-openai"), /^✓ .*valid OpenAI key/);

  // Add checks the key with OpenAI (unreachable here: saved unverified), then the chip turns on.
  assert.equal(await page.textContent("#chip-openai"), "Not configured");
  await page.fill("#model-openai", "gpt-4.1");
  await page.click("#save-openai");
  await chipIs(page, "openai", "Configured");
  assert.equal(await page.textContent("#feedback-openai"), "Could not reach the provider: saved unverified");
  assert.equal(await kr(page, (k) => k.isByok("openai")), true);
  assert.equal(await kr(page, (k) => k.isByok("anthropic")), false);
  assert.equal(await kr(page, (k) => k.shouldDeductCredits("openai", "deep-analysis")), true, "platform-only reached the keyring");
  assert.equal(await kr(page, (k) => k.get("openai")), OPENAI);
  const masked = await page.evaluate(async (key) => (await import("/pkg/index.js")).mask(key), OPENAI);
  assert.equal(await page.textContent("#masked-openai"), masked);
  assert.match(await page.textContent("#meta-openai"), /gpt-4\.1/);
  assert.equal(await page.inputValue("#key-openai"), "", "the key field is emptied once saved");
  assert.deepEqual(await events(page), ["byok-change:set:unlocked"]);
  assert.deepEqual(await axe(page), [], "unlocked with a key, dialog open");

  // The enable switch: off falls back to the platform, on again uses the key.
  await page.click("#enabled-openai");
  await chipIs(page, "openai", "Disabled");
  assert.equal(await kr(page, (k) => k.isByok("openai")), false);
  await page.click("#enabled-openai");
  await chipIs(page, "openai", "Configured");
  await events(page);

  // Lock: byok-lock, the chip says Locked, focus goes to the passphrase.
  await page.click("#lock-btn");
  await chipIs(page, "openai", "Locked");
  assert.equal(await focused(page), "passphrase");
  assert.deepEqual(await events(page), ["byok-change:locked:locked", "byok-lock:locked:locked"]);
  assert.equal(await kr(page, (k) => k.isByok("openai")), false);
  assert.deepEqual(await axe(page), [], "locked, dialog open");

  // A wrong passphrase says so and stays locked; the right one unlocks.
  await page.fill("#passphrase", "not the passphrase");
  await page.click("#unlock-btn");
  await page.waitForFunction(() => document.querySelector("byok-keys").shadowRoot.getElementById("vault-msg").dataset.kind === "error");
  assert.equal(await kr(page, (k) => k.state), "locked");
  await page.fill("#passphrase", PASS);
  await page.press("#passphrase", "Enter");
  await chipIs(page, "openai", "Configured");
  assert.deepEqual(await events(page), ["byok-change:unlocked:unlocked", "byok-unlock:unlocked:unlocked"]);

  // Escape closes; focus returns to the opener; nothing typed is left behind.
  await page.fill("#key-anthropic", "sk-ant-typed-but-not-saved");
  await page.keyboard.press("Escape");
  await page.waitForFunction(() => !document.querySelector("byok-keys").open);
  assert.equal(await focused(page), "opener");
  // The dialog's close event (a task after it closed) clears the rows.
  await page.waitForFunction(() => document.querySelector("byok-keys").shadowRoot.getElementById("key-anthropic").value === "");
  assert.deepEqual(await axe(page), [], "unlocked with a key, dialog closed");
  assert.deepEqual(page.errors, []);
});

test("the keyboard alone: Tab reaches every control in order, Enter adds a key, every field is labelled", async (t) => {
  const page = await openPage(t);
  await openPopup(page);
  await page.keyboard.type(PASS);
  await page.keyboard.press("Tab");
  assert.equal(await focused(page), "passphrase-confirm");
  await page.keyboard.type(PASS);
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => document.querySelector("byok-keys").keyring.state === "unlocked");
  for (let i = 0; i < 20 && (await focused(page)) !== "key-openai"; i++) await page.keyboard.press("Tab");
  assert.equal(await focused(page), "key-openai");
  await page.keyboard.insertText(OPENAI);
  await page.keyboard.press("Enter");
  await chipIs(page, "openai", "Configured");
  assert.equal(await focused(page), "edit-openai", "focus stays in the row once its form closes");
  const unlabelled = await page.evaluate(() =>
    [...document.querySelector("byok-keys").shadowRoot.querySelectorAll("input, select, button")]
      .filter((el) => el.checkVisibility() && el.labels?.length === 0 && !el.getAttribute("aria-label") && !el.textContent.trim())
      .map((el) => el.id),
  );
  assert.deepEqual(unlabelled, []);
  await page.keyboard.press("Escape");
  assert.equal(await focused(page), "opener");
});

test("every visible string comes from `strings`, the library's sentences go through `messages`, and ::part and --byok-* theme it", async (t) => {
  const page = await openPage(t);
  // Every string replaced by its number: no default text may remain visible.
  const defaults = await page.evaluate(async () => {
    const { STRINGS } = await import("/pkg/elements.js");
    const el = document.querySelector("byok-keys");
    el.strings = Object.fromEntries(Object.keys(STRINGS).map((k, i) => [k, `«${i}»`]));
    el.messages = (m) => `«${m.source}:${m.code}»`;
    return STRINGS;
  });
  await openPopup(page);
  await page.fill("#key-openai", "sk-short");
  /** Every text a person can see or hear: text, aria-labels, placeholders, option labels. */
  const visible = () =>
    page.evaluate(() => {
      const root = document.querySelector("byok-keys").shadowRoot;
      const out = [root.textContent];
      for (const el of root.querySelectorAll("*")) out.push(el.getAttribute("aria-label") ?? "", el.getAttribute("placeholder") ?? "");
      return out.join("\n");
    });
  let text = await visible();
  for (const [name, value] of Object.entries(defaults)) {
    for (const part of value.split(/\{\w+\}/).map((s) => s.trim()).filter((s) => s.length > 3)) {
      assert.ok(!text.includes(part), `the default of "${name}" is still shown: "${part}"`);
    }
  }
  assert.match(text, new RegExp(`«${Object.keys(defaults).indexOf("title")}»`));
  assert.equal(await page.textContent("#feedback-openai"), "«validation:too_short»");
  assert.match(await page.getAttribute("#key-openai", "placeholder"), /^sk-.*…$/, "the provider's key prefix is not a string");

  // Some strings replaced: the rest keep their defaults; placeholders are filled in.
  await page.evaluate(() => {
    const el = document.querySelector("byok-keys");
    el.strings = { title: "Vos clés API", chipNone: "Non configurée", getKey: "Obtenir une clé {name}" };
    el.messages = null;
  });
  assert.equal(await page.textContent("#title"), "Vos clés API");
  assert.equal(await page.textContent("#chip-openai"), "Non configurée");
  assert.equal(await page.textContent("#intro"), defaults.intro);
  assert.equal(await page.locator("li[data-provider=openai]").getByRole("link", { name: "Obtenir une clé OpenAI" }).count(), 1);
  text = await visible();
  assert.ok(!text.includes("Your API keys"));

  // Theming: a custom property and ::part() from the page's own stylesheet.
  await page.addStyleTag({
    content: "byok-keys { --byok-accent: rgb(10, 20, 30); } byok-keys::part(title) { color: rgb(1, 2, 3); } byok-keys::part(chip-none) { color: rgb(4, 5, 6); }",
  });
  const styles = await page.evaluate(() => {
    const root = document.querySelector("byok-keys").shadowRoot;
    const css = (id, prop) => getComputedStyle(root.getElementById(id))[prop];
    return { button: css("create-btn", "backgroundColor"), title: css("title", "color"), chip: css("chip-openai", "color") };
  });
  assert.deepEqual(styles, { button: "rgb(10, 20, 30)", title: "rgb(1, 2, 3)", chip: "rgb(4, 5, 6)" });
  assert.deepEqual(page.errors, []);
});

test("inline, with the app's own Keyring: no dialog, events follow changes the app makes, no axe violation", async (t) => {
  const page = await openPage(t);
  await page.evaluate(async () => {
    const { Keyring } = await import("/pkg/index.js");
    const kr = new Keyring({ namespace: "inline-app", storage: "memory", iterations: 100_000 });
    const el = document.createElement("byok-keys");
    el.setAttribute("inline", "");
    el.setAttribute("providers", "openai groq");
    el.id = "inline";
    el.keyring = kr; // before it is connected
    window.inlineEvents = [];
    el.addEventListener("byok-change", (e) => window.inlineEvents.push(e.detail.type));
    el.addEventListener("byok-unlock", () => window.inlineEvents.push("unlock"));
    document.querySelector("byok-keys").remove(); // one element on the page: its ids are the ones below
    document.querySelector("main").append(el);
    window.appKeyring = kr;
    await el.ready;
  });
  const inline = (fn) => page.evaluate(fn);
  assert.equal(await inline(() => document.getElementById("inline").keyring === window.appKeyring), true);
  assert.equal(await inline(() => document.getElementById("inline").shadowRoot.querySelector("dialog")), null);
  assert.equal(await page.isVisible("#inline #passphrase-new"), true, "inline: shown without show()");
  assert.equal(await page.isVisible("#inline #close"), false);
  assert.equal(await page.isVisible("#inline #remember"), false, "the app's keyring: the app decides where it is kept");
  assert.deepEqual(
    await inline(() => [...document.getElementById("inline").shadowRoot.querySelectorAll("li[data-provider]")].map((li) => li.dataset.provider)),
    ["openai", "groq"],
  );
  assert.equal(await page.isVisible("#inline #more-providers"), false, "no \"*\": no More providers");
  assert.deepEqual(await axe(page), [], "inline, empty");

  await page.evaluate(async (key) => {
    await window.appKeyring.create("correct horse battery");
    window.appKeyring.set("openai", key);
  }, OPENAI);
  await page.waitForFunction(() => document.getElementById("inline").shadowRoot.getElementById("chip-openai").textContent === "Configured");
  assert.deepEqual(await inline(() => window.inlineEvents), ["created", "unlock", "set"]);
  assert.deepEqual(await axe(page), [], "inline, unlocked with a key");
  assert.deepEqual(page.errors, []);
});

test("verify on save through verifyOptions: a rejected key is not stored, a working one is", async (t) => {
  const page = await openPage(t);
  await page.evaluate((base) => {
    document.querySelector("byok-keys").verifyOptions = (provider, { signal }) => ({ baseUrl: `${base}/${window.scenario}/${provider}`, signal });
  }, standin.url);
  await openPopup(page);
  await page.fill("#passphrase-new", PASS);
  await page.fill("#passphrase-confirm", PASS);
  await page.press("#passphrase-confirm", "Enter");
  await page.waitForFunction(() => document.querySelector("byok-keys").keyring.state === "unlocked");
  const settle = () =>
    page.waitForFunction(() => {
      const root = document.querySelector("byok-keys").shadowRoot;
      return root.getElementById("feedback-openai").dataset.kind !== "busy" && !root.getElementById("save-openai").disabled;
    });

  await page.evaluate(() => (window.scenario = "invalid_key"));
  await page.fill("#key-openai", OPENAI);
  await page.click("#save-openai");
  await settle();
  assert.equal(await page.textContent("#feedback-openai"), "The provider rejected this key");
  assert.match(await page.textContent("#detail-openai"), /HTTP 401/);
  assert.equal(await page.textContent("#chip-openai"), "Not configured");
  assert.deepEqual(await kr(page, (k) => k.list()), []);
  assert.equal(await page.inputValue("#key-openai"), OPENAI, "the key stays in the field to be fixed");
  assert.equal(standin.requests.at(-1).url, "/invalid_key/openai/v1/models");

  await page.evaluate(() => (window.scenario = "valid"));
  await page.click("#save-openai");
  await settle();
  assert.equal(await page.textContent("#feedback-openai"), "Key works");
  assert.equal(await page.textContent("#chip-openai"), "Configured");
  assert.equal(await kr(page, (k) => k.isByok("openai")), true);
  assert.deepEqual(page.errors, []);
});

test("\"Remember on this device\" moves the vault to localStorage and re-opens the keyring locked; \"Forget all keys\" empties it", async (t) => {
  const page = await openPage(t);
  const item = "byok-keyring:elements-test";
  const where = () => page.evaluate((name) => ({ local: localStorage.getItem(name) !== null, session: sessionStorage.getItem(name) !== null }), item);
  await openPopup(page);
  await page.fill("#passphrase-new", PASS);
  await page.fill("#passphrase-confirm", PASS);
  await page.click("#create-btn");
  await page.waitForFunction(() => document.querySelector("byok-keys").keyring.state === "unlocked");
  assert.deepEqual(await where(), { local: false, session: true });
  await page.evaluate(() => {
    window.first = document.querySelector("byok-keys").keyring;
    window.events.length = 0;
  });

  await page.click("label[for=remember]");
  assert.equal(await page.isChecked("#remember"), true);
  assert.deepEqual(await where(), { local: true, session: false });
  assert.equal(await page.evaluate(() => document.querySelector("byok-keys").keyring !== window.first), true, "a new Keyring");
  assert.equal(await kr(page, (k) => k.state), "locked");
  assert.deepEqual(await events(page), ["byok-change:replaced:locked", "byok-lock:replaced:locked"]);

  // A reload finds the vault where it was moved.
  await page.reload();
  await page.evaluate(() => document.querySelector("byok-keys").ready);
  assert.equal(await kr(page, (k) => k.state), "locked");
  await openPopup(page);
  assert.equal(await page.isChecked("#remember"), true);

  await page.click("#forget-btn");
  assert.equal(await focused(page), "forget-no");
  await page.click("#forget-yes");
  assert.equal(await kr(page, (k) => k.state), "empty");
  assert.deepEqual(await where(), { local: false, session: false });
  assert.equal(await focused(page), "passphrase-new");
  assert.deepEqual(page.errors, []);
});
