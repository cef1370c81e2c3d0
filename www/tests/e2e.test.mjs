// End-to-end tests of the demo: the real wasm package in Debian's Chromium,
// driven by playwright-core, against www/server.mjs started in-process.
//
//   node --test www/tests/
//
// Needs pkg/ (built by `make build`; the tests fail without it) and Chromium at
// /usr/bin/chromium (or $CHROMIUM). The page runs with ?iterations=100000 so
// PBKDF2 stays quick. Writes docs/settings-popup.png.
//
// Key checks: the demo server sends them to the provider stand-in
// (tests/js/standin/server.mjs, started in-process), and Chromium resolves no
// host name (--host-resolver-rules), so no real provider is ever contacted;
// the production-mode tests see every check fail as a network error.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startStandin, SAMPLE_KEYS, HOLD, PROVIDERS } from '../../tests/js/standin/server.mjs';
import { REGIONAL_PROVIDERS } from '../regions.js';
import { addAuthenticator } from '../../tests/js/harness.mjs';

const ROOT = new URL('../../', import.meta.url);
const PKG_JS = fileURLToPath(new URL('pkg/index.js', ROOT));
const PKG_NODE = new URL('pkg/node.js', ROOT).href;
const SCREENSHOT = fileURLToPath(new URL('docs/settings-popup.png', ROOT));
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const PASSPHRASE = 'correct horse battery';

// ---- made-up keys of the right shape (deterministic) ----

function pseudoRandom(alphabet, n, seed) {
  let x = seed >>> 0;
  let out = '';
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out += alphabet[(x >>> 16) % alphabet.length];
  }
  return out;
}
const URLSAFE = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const OPENAI_KEY = `sk-proj-${pseudoRandom(URLSAFE, 74, 1)}T3BlbkFJ${pseudoRandom(URLSAFE, 74, 2)}`;
const OPENAI_KEY_2 = `sk-proj-${pseudoRandom(URLSAFE, 74, 5)}T3BlbkFJ${pseudoRandom(URLSAFE, 74, 6)}`;
const ANTHROPIC_KEY = `sk-ant-api03-${pseudoRandom(URLSAFE, 93, 3)}AA`;
const GROQ_KEY = `gsk_${pseudoRandom(ALNUM, 52, 4)}`;
const sha256 = (s) => createHash('sha256').update(s).digest('hex');

// ---- shared browser and server ----

let browser;
let srv;
let standin;
let startServer; // www/server.mjs's: imported once pkg/ is known to exist (the server loads it)
let library; // the package under Node: providers() says what the page must show
const serverLog = [];

before(async () => {
  assert.ok(existsSync(PKG_JS), `${PKG_JS} is missing: build the package first (make build).`);
  assert.ok(existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM} (set CHROMIUM=...).`);
  ({ startServer } = await import('../server.mjs'));
  library = await import(PKG_NODE);
  await library.default();
  standin = await startStandin();
  srv = await startServer({
    port: 0,
    credits: 1000,
    log: (line) => serverLog.push(line),
    verifyBaseUrl: standin.url,
  });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--headless=new',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      // No host name resolves: nothing can reach a real provider.
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost',
    ],
  });
});

after(async () => {
  await browser?.close();
  await srv?.close();
  await standin?.close();
});

/** A fresh browser context (own storage); closed when the test ends. */
async function newContext(t, options = {}) {
  const ctx = await browser.newContext(options);
  ctx.setDefaultTimeout(20_000);
  // The popup is <byok-keys id="settings">: its parts are in its (open)
  // shadow root, which page.fill/click/textContent selectors pierce, and
  // which in-page checks reach with $popup(id).
  await ctx.addInitScript(() => {
    window.$popup = (id) => document.getElementById('settings')?.shadowRoot?.getElementById(id) ?? null;
  });
  t.after(() => ctx.close());
  return ctx;
}

/** Opens the demo and waits for the library; fails the test on page errors. */
async function openDemo(ctx, server = srv, { host, query = '' } = {}) {
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (err) => errors.push(err.message));
  page.errors = errors;
  await page.goto(`${host ? server.url.replace('127.0.0.1', host) : server.url}/?iterations=100000${query}`);
  await page.waitForFunction(() => window.__demo?.ready === true);
  return page;
}

/** Reloads the demo and waits until it has started again. */
async function reloadDemo(page) {
  await page.reload();
  await page.waitForFunction(() => window.__demo?.ready === true);
}

/** Locks the keyring with the popup's Lock button (the popup opened and closed). */
async function lockFromSettings(page) {
  await openSettings(page);
  await page.click('#lock-btn');
  await closeSettings(page);
}

const state = (page) => page.evaluate(() => window.__demo.keyring.state);
const chip = (page, provider) => page.textContent(`#chip-${provider}`);
const billing = (page) => page.textContent('#billing-text');

async function openSettings(page) {
  if (!(await page.evaluate(() => document.getElementById('settings').open))) {
    await page.click('#settings-btn');
  }
  await page.waitForSelector('#settings dialog[open]');
}

async function closeSettings(page) {
  await page.keyboard.press('Escape');
  await page.waitForFunction(() => !document.getElementById('settings').open);
}

/** Creates the vault through the popup (which stays open). */
async function createVault(page, passphrase = PASSPHRASE) {
  await openSettings(page);
  await page.fill('#passphrase-new', passphrase);
  await page.fill('#passphrase-confirm', passphrase);
  await page.click('#create-btn');
  await page.waitForFunction(() => window.__demo.keyring.state === 'unlocked');
}

async function unlock(page, passphrase = PASSPHRASE) {
  await openSettings(page);
  await page.fill('#passphrase', passphrase);
  await page.click('#unlock-btn');
  await page.waitForFunction(() => window.__demo.keyring.state === 'unlocked');
}

/** Adds a key through its row in the popup (which stays open). */
async function addKey(page, provider, key) {
  await openSettings(page);
  await page.fill(`#key-${provider}`, key);
  await page.click(`#save-${provider}`);
  await page.waitForFunction((p) => $popup(`chip-${p}`).textContent === 'Configured', provider);
}

const replies = '#log .msg-assistant, #log .msg-system';

/**
 * Sends a message (or clicks a feature button) and waits for the reply.
 * Returns what the server saw: deduct calls made, the /api/chat request's
 * headers and body, and the reply text.
 */
async function send(page, { text = 'Hello there', button = '#send' } = {}) {
  const deductBefore = srv.stats.deductCalls;
  const n = await page.locator(replies).count();
  await page.fill('#message', text);
  const chatRequest = page.waitForRequest((r) => r.url().endsWith('/api/chat'));
  await page.click(button);
  const request = await chatRequest;
  await page.waitForFunction(
    ([sel, count]) => document.querySelectorAll(sel).length > count,
    [replies, n],
  );
  return {
    deducted: srv.stats.deductCalls - deductBefore,
    headers: await request.allHeaders(),
    postData: request.postData(),
    reply: await page.locator(replies).last().textContent(),
  };
}

/** Every storage item of the page's origin, as stable JSON. */
const dumpStorage = (page) =>
  page.evaluate(() => {
    const all = (s) => Object.fromEntries(Object.keys(s).sort().map((k) => [k, s.getItem(k)]));
    return JSON.stringify({ local: all(localStorage), session: all(sessionStorage) });
  });

/** Asserts that no 9-character window of `key` appears in `text`. */
function assertNoWindowOf(key, text) {
  for (let i = 0; i + 9 <= key.length; i++) {
    assert.ok(!text.includes(key.slice(i, i + 9)), `the text contains "${key.slice(i, i + 9)}" (offset ${i}) of a key`);
  }
}

function assertNoPageErrors(page) {
  assert.deepEqual(page.errors, [], 'the page threw');
}

// ---- tests ----

test('platform credits without a key; own key skips the deduct and reaches /api/chat; features still deduct', async (t) => {
  const page = await openDemo(await newContext(t));

  assert.match(await billing(page), /Using platform credits/);
  let r = await send(page, { text: 'no key yet' });
  assert.equal(r.deducted, 1, 'a message without a key costs one credit');
  assert.equal(r.headers['x-user-api-key'], undefined);
  assert.match(r.reply, /platform credits/);
  assert.equal(await page.textContent('#credits-value'), String(srv.stats.credits));

  await createVault(page);
  await addKey(page, 'openai', OPENAI_KEY);
  await closeSettings(page);
  assert.match(await billing(page), /Using your own key/);

  const byokBefore = srv.stats.byokCalls;
  r = await send(page, { text: 'with my key' });
  assert.equal(r.deducted, 0, 'BYOK messages do not deduct');
  assert.equal(r.headers['x-user-api-key'], OPENAI_KEY);
  assert.equal(r.headers['x-user-api-provider'], 'openai');
  assert.equal(srv.stats.byokCalls, byokBefore + 1);
  assert.equal(srv.stats.lastUserKeySha256, sha256(OPENAI_KEY), 'the server received exactly the key');
  assert.match(r.reply, /your own key/);

  for (const button of ['#deep-analysis', '#fix-code']) {
    r = await send(page, { text: 'analyse this', button });
    assert.equal(r.deducted, 1, `${button} is platform-only: it deducts even with a key`);
    assert.equal(r.headers['x-user-api-key'], undefined, `${button} must not send the user's key`);
  }

  const usage = await page.evaluate(() => window.__demo.keyring.usage());
  assert.deepEqual(usage.openai, { byok: 1, platform: 3 });
  assert.ok(serverLog.includes('byok call for openai'));
  assertNoWindowOf(OPENAI_KEY, serverLog.join('\n'));
  assertNoPageErrors(page);
});

test('a disabled, removed or expired key falls back to platform credits', async (t) => {
  const page = await openDemo(await newContext(t));
  await createVault(page);
  await addKey(page, 'openai', OPENAI_KEY);

  // Disabled.
  await page.click('#enabled-openai');
  assert.equal(await chip(page, 'openai'), 'Disabled');
  await closeSettings(page);
  assert.match(await billing(page), /Using platform credits/);
  let r = await send(page);
  assert.equal(r.deducted, 1);
  assert.equal(r.headers['x-user-api-key'], undefined);

  // Enabled again: BYOK.
  await openSettings(page);
  await page.click('#enabled-openai');
  assert.equal(await chip(page, 'openai'), 'Configured');
  await closeSettings(page);
  assert.equal((await send(page)).deducted, 0);

  // Removed.
  await openSettings(page);
  await page.click('#remove-openai');
  assert.equal(await chip(page, 'openai'), 'Not configured');
  assert.deepEqual(await page.evaluate(() => window.__demo.keyring.list()), []);
  await closeSettings(page);
  r = await send(page);
  assert.equal(r.deducted, 1);
  assert.equal(r.headers['x-user-api-key'], undefined);

  // Expired (the test hook sets a 1 ms expiry).
  await page.evaluate((key) => window.__demo.keyring.set('openai', key, { expiresInMs: 1 }), OPENAI_KEY);
  await page.waitForFunction(() => window.__demo.keyring.list()[0]?.expired === true);
  assert.equal(await page.evaluate(() => window.__demo.keyring.get('openai')), undefined);
  await openSettings(page);
  await page.waitForFunction(() => $popup('chip-openai').textContent === 'Expired');
  await closeSettings(page);
  await page.waitForFunction(() => /Using platform credits/.test(document.getElementById('billing-text').textContent));
  r = await send(page);
  assert.equal(r.deducted, 1);
  assert.equal(r.headers['x-user-api-key'], undefined);
  assertNoPageErrors(page);
});

test('live validation: an Anthropic key in the OpenAI row is refused; whitespace is trimmed', async (t) => {
  const page = await openDemo(await newContext(t));
  await createVault(page);

  await page.fill('#key-openai', ANTHROPIC_KEY);
  const wrong = 'This looks like an Anthropic key, not an OpenAI key.';
  assert.equal(await page.textContent('#feedback-openai'), wrong);
  await page.press('#key-openai', 'Enter');
  assert.equal(await page.textContent('#feedback-openai'), wrong);
  assert.equal(await chip(page, 'openai'), 'Not configured');
  assert.deepEqual(await page.evaluate(() => window.__demo.keyring.list()), []);

  // The row offers to put it where it belongs.
  await page.click('#form-openai ~ .prow-foot .linklike');
  assert.equal(await page.inputValue('#key-openai'), '');
  assert.equal(await page.inputValue('#key-anthropic'), ANTHROPIC_KEY);
  assert.match(await page.textContent('#feedback-anthropic'), /valid Anthropic key/);

  // A valid key shows green feedback naming the provider.
  await page.click('#more-providers summary');
  await page.fill('#key-groq', GROQ_KEY);
  assert.match(await page.textContent('#feedback-groq'), /Looks like a valid Groq key/);
  assert.equal(await page.getAttribute('#feedback-groq', 'data-kind'), 'ok');

  // Surrounding whitespace (an <input> drops newlines itself) is trimmed.
  await page.fill('#key-openai', `  ${OPENAI_KEY} `);
  await page.press('#key-openai', 'Enter');
  await page.waitForFunction(() => $popup('chip-openai').textContent === 'Configured');
  assert.equal(await page.evaluate(() => window.__demo.keyring.get('openai')), OPENAI_KEY);
  // Straight through the API, a trailing newline is trimmed too.
  await page.evaluate((key) => window.__demo.keyring.set('openai', `${key}\n`), OPENAI_KEY);
  assert.equal(await page.evaluate(() => window.__demo.keyring.get('openai')), OPENAI_KEY);
  assertNoPageErrors(page);
});

test('each row links to where the provider issues keys, named as the library names its keys ("Get an xAI key")', async (t) => {
  const page = await openDemo(await newContext(t));
  await openSettings(page);
  await page.click('#more-providers summary');

  // The article follows how the name is said ("an xAI key"), not its first letter.
  const xai = page.locator('li[data-provider=xai]').getByRole('link', { name: 'Get an xAI key', exact: true });
  assert.equal(await xai.count(), 1, 'the xAI row offers "Get an xAI key"');

  // Every row: the library's label and key page.
  for (const p of library.providers()) {
    const link = page.locator(`li[data-provider=${p.id}]`).getByRole('link', { name: `Get ${p.keyLabel}`, exact: true });
    assert.equal(await link.count(), 1, `${p.id}: a link named "Get ${p.keyLabel}"`);
    assert.equal(await link.getAttribute('href'), p.keyUrl, p.id);
    assert.equal(await link.getAttribute('target'), '_blank', p.id);
  }
  assertNoPageErrors(page);
});

test('a reload of the tab stays unlocked; after Lock a reload finds the key Locked and Send uses credits until unlocked', async (t) => {
  const page = await openDemo(await newContext(t));
  await createVault(page);
  await addKey(page, 'openai', OPENAI_KEY);
  await closeSettings(page);
  assert.equal((await send(page)).deducted, 0);

  // The popup resumes: no passphrase after a reload of the same tab.
  await reloadDemo(page);
  assert.equal(await state(page), 'unlocked');
  assert.match(await billing(page), /Using your own key/);
  assert.equal((await send(page)).deducted, 0);

  await lockFromSettings(page);
  await reloadDemo(page);
  assert.equal(await state(page), 'locked');
  assert.match(await billing(page), /Using platform credits.*locked/);
  let r = await send(page);
  assert.equal(r.deducted, 1, 'a locked key cannot be used');
  assert.equal(r.headers['x-user-api-key'], undefined);

  await openSettings(page);
  assert.equal(await chip(page, 'openai'), 'Locked');
  // The row shows the library's mask of the key, and nothing else of it.
  assert.equal(await page.textContent('#masked-openai'), library.mask(OPENAI_KEY));
  assertNoWindowOf(OPENAI_KEY, await page.evaluate(() => document.getElementById('settings').shadowRoot.textContent));
  await unlock(page);
  assert.equal(await chip(page, 'openai'), 'Configured');
  await closeSettings(page);
  assert.match(await billing(page), /Using your own key/);
  r = await send(page);
  assert.equal(r.deducted, 0);
  assert.equal(r.headers['x-user-api-key'], OPENAI_KEY);
  assertNoPageErrors(page);
});

test('by default keys live in sessionStorage: a new browser context has none', async (t) => {
  const ctx = await newContext(t);
  const page = await openDemo(ctx);
  await createVault(page);
  await addKey(page, 'openai', OPENAI_KEY);
  const dump = await dumpStorage(page);
  assert.ok(JSON.parse(dump).session['byok-keyring:demo-user'], 'the vault is in sessionStorage');
  assertNoWindowOf(OPENAI_KEY, dump);

  // A new context carrying over everything a browser keeps (localStorage, cookies).
  const ctx2 = await newContext(t, { storageState: await ctx.storageState() });
  const page2 = await openDemo(ctx2);
  assert.equal(await state(page2), 'empty');
  assert.deepEqual(await page2.evaluate(() => window.__demo.keyring.list()), []);
  await openSettings(page2);
  assert.equal(await chip(page2, 'openai'), 'Not configured');
  await closeSettings(page2);
  assert.equal((await send(page2)).deducted, 1);
  assertNoPageErrors(page);
  assertNoPageErrors(page2);
});

test('"Remember on this device" keeps the encrypted vault in localStorage, locked', async (t) => {
  const ctx = await newContext(t);
  const page = await openDemo(ctx);
  await createVault(page);
  await addKey(page, 'openai', OPENAI_KEY);
  await addKey(page, 'anthropic', ANTHROPIC_KEY);

  await page.click('label[for=remember]');
  assert.equal(await page.isChecked('#remember'), true);
  assert.equal(await state(page), 'locked', 're-opened on localStorage: unlock again');
  let dump = JSON.parse(await dumpStorage(page));
  assert.ok(dump.local['byok-keyring:demo-user']);
  assert.equal(dump.session['byok-keyring:demo-user'], undefined);
  await unlock(page);
  assert.equal(await page.evaluate(() => window.__demo.keyring.get('anthropic')), ANTHROPIC_KEY);

  // "Close the browser and come back": only localStorage survives.
  const ctx2 = await newContext(t, { storageState: await ctx.storageState() });
  const page2 = await openDemo(ctx2);
  assert.equal(await state(page2), 'locked');
  await openSettings(page2);
  assert.equal(await page2.isChecked('#remember'), true);
  assert.equal(await chip(page2, 'openai'), 'Locked');
  assert.equal(await chip(page2, 'anthropic'), 'Locked');
  for (const p of [page, page2]) {
    const text = await dumpStorage(p);
    assertNoWindowOf(OPENAI_KEY, text);
    assertNoWindowOf(ANTHROPIC_KEY, text);
    assertNoWindowOf(PASSPHRASE, text);
  }
  await unlock(page2);
  assert.equal(await page2.evaluate(() => window.__demo.keyring.get('openai')), OPENAI_KEY);
  await closeSettings(page2);
  assert.equal((await send(page2)).deducted, 0);

  // Switching it off moves the vault back to sessionStorage.
  await openSettings(page2);
  await page2.click('label[for=remember]');
  dump = JSON.parse(await dumpStorage(page2));
  assert.equal(dump.local['byok-keyring:demo-user'], undefined);
  assert.ok(dump.session['byok-keyring:demo-user']);
  assert.equal(await state(page2), 'locked');
  assertNoPageErrors(page);
  assertNoPageErrors(page2);
});

test('a wrong passphrase shows an error and leaves storage byte-for-byte unchanged', async (t) => {
  const page = await openDemo(await newContext(t));
  await createVault(page);
  await addKey(page, 'openai', OPENAI_KEY);
  await page.click('#lock-btn');
  await reloadDemo(page);

  const before = await dumpStorage(page);
  await openSettings(page);
  await page.fill('#passphrase', 'not the passphrase');
  await page.click('#unlock-btn');
  await page.waitForFunction(() => $popup('vault-msg').dataset.kind === 'error');
  assert.ok((await page.textContent('#vault-msg')).length > 10);
  assert.equal(await state(page), 'locked');
  assert.equal(await dumpStorage(page), before);
  assert.equal(await chip(page, 'openai'), 'Locked');

  // A weak passphrase is refused too (on a fresh vault).
  await page.click('#forget-btn');
  await page.click('#forget-yes');
  assert.equal(await state(page), 'empty');
  await page.fill('#passphrase-new', 'short');
  await page.fill('#passphrase-confirm', 'short');
  await page.click('#create-btn');
  await page.waitForFunction(() => $popup('vault-msg').dataset.kind === 'error');
  assert.equal(await state(page), 'empty');
  assertNoPageErrors(page);
});

test('the popup works with the keyboard alone', async (t) => {
  const page = await openDemo(await newContext(t));
  // The element focus is on, through the popup's shadow root.
  const active = () =>
    page.evaluate(() => {
      let a = document.activeElement;
      while (a?.shadowRoot?.activeElement) a = a.shadowRoot.activeElement;
      return a?.id || '';
    });
  async function tabTo(id, max = 40) {
    for (let i = 0; i < max && (await active()) !== id; i++) await page.keyboard.press('Tab');
    assert.equal(await active(), id, `Tab should reach #${id}`);
  }

  await tabTo('settings-btn');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#settings dialog[open]');
  await tabTo('passphrase-new');
  await page.keyboard.type(PASSPHRASE);
  await page.keyboard.press('Tab');
  assert.equal(await active(), 'passphrase-confirm');
  await page.keyboard.type(PASSPHRASE);
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => window.__demo.keyring.state === 'unlocked');

  await tabTo('key-openai');
  await page.keyboard.insertText(OPENAI_KEY);
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => $popup('chip-openai').textContent === 'Configured');
  assert.equal(await page.evaluate(() => window.__demo.keyring.get('openai')), OPENAI_KEY);

  // Every field in the popup has a label.
  const unlabelled = await page.evaluate(() =>
    [...document.getElementById('settings').shadowRoot.querySelectorAll('input, select'), ...document.querySelectorAll('#settings input, #settings select')]
      .filter((el) => el.labels.length === 0 && !el.getAttribute('aria-label'))
      .map((el) => el.id),
  );
  assert.deepEqual(unlabelled, []);

  await page.keyboard.press('Escape');
  await page.waitForFunction(() => !document.getElementById('settings').open);
  assert.equal(await active(), 'settings-btn', 'focus returns to the Settings button');
  assertNoPageErrors(page);
});

test('Update keeps the stored key when only the model or expiry changes', async (t) => {
  const page = await openDemo(await newContext(t));
  await createVault(page);
  await addKey(page, 'anthropic', ANTHROPIC_KEY);
  assert.equal(await page.isVisible('#key-anthropic'), false, 'a configured row is collapsed');

  await page.click('#edit-anthropic');
  assert.equal(await page.evaluate(() => document.getElementById('settings').shadowRoot.activeElement?.id), 'key-anthropic');
  await page.fill('#model-anthropic', 'claude-opus-4-1');
  await page.selectOption('#expires-anthropic', { label: '1 day' });
  await page.press('#key-anthropic', 'Enter');
  await page.waitForFunction(() => $popup('meta-anthropic').textContent.includes('claude-opus-4-1'));
  const [info] = await page.evaluate(() => window.__demo.keyring.list());
  assert.equal(info.model, 'claude-opus-4-1');
  assert.ok(info.expiresAt > Date.now() + 23 * 3600_000 && !info.expired);
  assert.match(await page.textContent('#meta-anthropic'), /expires/);
  assert.equal(await page.evaluate(() => window.__demo.keyring.get('anthropic')), ANTHROPIC_KEY);

  // The chat's model picker follows the saved model.
  await closeSettings(page);
  await page.selectOption('#provider', 'anthropic');
  assert.equal(await page.inputValue('#model'), 'claude-opus-4-1');
  const r = await send(page);
  assert.equal(r.deducted, 0);
  assert.equal(r.headers['x-user-api-provider'], 'anthropic');
  assert.equal(JSON.parse(r.postData).model, 'claude-opus-4-1');
  assertNoPageErrors(page);
});

test('out of credits: the deduct answers 402 and no chat request is made', async (t) => {
  const poor = await startServer({ port: 0, credits: 1, log: () => {} });
  t.after(() => poor.close());
  const ctx = await newContext(t);
  const page = await ctx.newPage();
  await page.goto(`${poor.url}/?iterations=100000`);
  await page.waitForFunction(() => window.__demo?.ready === true);
  const count = () => page.locator(replies).count();

  await page.fill('#message', 'first');
  await page.click('#send');
  await page.waitForFunction((sel) => document.querySelectorAll(sel).length === 1, replies);
  assert.equal(await page.textContent('#credits-value'), '0');

  await page.fill('#message', 'second');
  await page.click('#send');
  await page.waitForFunction((sel) => document.querySelectorAll(sel).length === 2, replies);
  assert.match(await page.locator(replies).last().textContent(), /Out of credits/);
  assert.equal(await count(), 2);
  assert.equal(poor.stats.deductCalls, 2);
  assert.equal(poor.stats.chatCalls, 1, 'no chat call after a 402');
});

// ---- checking a key with the provider (set(..., { verify })) ----

const feedback = (page, provider) => page.textContent(`#feedback-${provider}`);
const feedbackKind = (page, provider) => page.getAttribute(`#feedback-${provider}`, 'data-kind');

/** Clicks Add/Save and waits until the provider check is over. */
async function saveAndWait(page, provider) {
  await page.click(`#save-${provider}`);
  await page.waitForFunction(
    (p) => $popup(`feedback-${p}`).dataset.kind !== 'busy' && !$popup(`save-${p}`).disabled,
    provider,
  );
}

test('Add asks the provider (stand-in): "Key works", "The provider rejected this key", "Could not reach the provider: saved unverified"', async (t) => {
  const page = await openDemo(await newContext(t));
  await createVault(page);
  assert.equal(await page.isVisible('#standin-note'), true, 'the popup says checks go to the stand-in');
  assert.equal(await page.textContent('#standin-url'), standin.url);
  const stored = () => page.evaluate(() => window.__demo.keyring.get('openai'));

  // A malformed key is caught by validate() before any request.
  standin.reset();
  await page.fill('#key-openai', 'sk-short');
  await page.press('#key-openai', 'Enter');
  assert.equal(await feedbackKind(page, 'openai'), 'error');
  assert.notEqual(await feedback(page, 'openai'), 'Checking with the provider…');
  await page.fill('#key-openai', ANTHROPIC_KEY);
  await page.click('#save-openai');
  assert.equal(await feedback(page, 'openai'), 'This looks like an Anthropic key, not an OpenAI key.');
  assert.equal(standin.preflights.length + standin.requests.length, 0, 'nothing was sent for a malformed key');

  // 401: rejected, nothing saved, the key stays in the field to be fixed.
  await page.selectOption('#verify-scenario', 'invalid_key');
  await page.fill('#key-openai', OPENAI_KEY);
  await saveAndWait(page, 'openai');
  assert.equal(await feedback(page, 'openai'), 'The provider rejected this key');
  assert.equal(await feedbackKind(page, 'openai'), 'error');
  assert.match(await page.textContent('#detail-openai'), /^OpenAI rejected this key \(HTTP 401\)/);
  assert.equal(await chip(page, 'openai'), 'Not configured');
  assert.equal(await stored(), undefined);
  assert.deepEqual(await page.evaluate(() => window.__demo.keyring.list()), []);
  assert.equal(await page.inputValue('#key-openai'), OPENAI_KEY);
  assert.equal(standin.requests.length, 1);
  const [req] = standin.requests;
  assert.equal(req.url, '/invalid_key/openai/v1/models');
  assert.equal(req.headers.authorization, `Bearer ${OPENAI_KEY}`);
  assert.deepEqual(req.problems, []);

  // The connection closes: saved, unverified.
  await page.selectOption('#verify-scenario', 'network_error');
  await saveAndWait(page, 'openai');
  assert.equal(await feedback(page, 'openai'), 'Could not reach the provider: saved unverified');
  assert.equal(await feedbackKind(page, 'openai'), 'warn');
  assert.match(await page.textContent('#detail-openai'), /Could not reach OpenAI/);
  assert.equal(await chip(page, 'openai'), 'Configured');
  assert.equal(await stored(), OPENAI_KEY);
  assert.equal(await page.inputValue('#key-openai'), '');

  // 200: the key works (Update with a new key).
  await page.selectOption('#verify-scenario', 'valid');
  await page.click('#edit-openai');
  await page.fill('#key-openai', OPENAI_KEY_2);
  await saveAndWait(page, 'openai');
  assert.equal(await feedback(page, 'openai'), 'Key works');
  assert.equal(await feedbackKind(page, 'openai'), 'ok');
  assert.equal(await chip(page, 'openai'), 'Configured');
  assert.equal(await stored(), OPENAI_KEY_2);
  assert.equal(standin.requests.at(-1).url, '/valid/openai/v1/models');

  // A rejected update keeps the key that was stored.
  await page.selectOption('#verify-scenario', 'invalid_key');
  await page.click('#edit-openai');
  await page.fill('#key-openai', OPENAI_KEY);
  await saveAndWait(page, 'openai');
  assert.equal(await feedback(page, 'openai'), 'The provider rejected this key');
  assert.equal(await chip(page, 'openai'), 'Configured');
  assert.equal(await stored(), OPENAI_KEY_2);

  // The stand-in's default scenario ('valid' here), and a live key without access: both "Key works".
  await page.selectOption('#verify-scenario', '');
  await saveAndWait(page, 'openai');
  assert.equal(await feedback(page, 'openai'), 'Key works');
  assert.equal(standin.requests.at(-1).url, '/openai/v1/models');
  await page.selectOption('#verify-scenario', 'rate_limited');
  await page.click('#edit-openai');
  await page.fill('#key-openai', OPENAI_KEY_2);
  await saveAndWait(page, 'openai');
  assert.equal(await feedback(page, 'openai'), 'Key works');
  assert.match(await page.textContent('#detail-openai'), /HTTP 429/);
  assert.equal(await stored(), OPENAI_KEY_2);

  // The key is used for chat afterwards.
  await closeSettings(page);
  const r = await send(page);
  assert.equal(r.deducted, 0);
  assert.equal(r.headers['x-user-api-key'], OPENAI_KEY_2);
  assertNoPageErrors(page);
});

/** Resolves in the page at the popup's next re-render (its once-a-second refresh, or a change). */
const nextRefresh = (page) =>
  page.evaluate(() => new Promise((resolve) => {
    const seen = new MutationObserver(() => {
      seen.disconnect();
      resolve();
    });
    // Every refresh writes the keyring state on the dialog (an attribute
    // write is a mutation even when the value is the same).
    seen.observe($popup('dialog'), { attributes: true, attributeFilter: ['data-state'] });
  }));

test('while the provider is asked: "Checking with the provider…", Save disabled; Cancel or closing stores nothing', async (t) => {
  const page = await openDemo(await newContext(t));
  await createVault(page);
  // The stand-in holds every check's answer until the test releases it: a
  // check is running for as long as the test needs, with no sleep, and an
  // answer can arrive after a Cancel or a close.
  const previous = standin.setScenario(HOLD);
  t.after(() => {
    standin.setScenario(previous);
    standin.release();
  });
  await page.selectOption('#verify-scenario', ''); // the stand-in's default: hold
  // The check's request is at the stand-in (unless the check ended without sending it).
  const checkAtProvider = async () => {
    let arrived = false;
    const first = await Promise.race([
      standin.waitForRequest((r) => r.scenario === HOLD && r.provider === 'openai').then(() => (arrived = true)),
      page.waitForFunction(() => !$popup('form-openai').hasAttribute('aria-busy'), null, { timeout: 0 })
        .then(() => (arrived ? undefined : 'ended'), () => undefined),
    ]);
    if (first === 'ended') throw new Error(`the check ended before its request reached the stand-in: ${await feedback(page, 'openai')}`);
  };
  const stored = () => page.evaluate(() => window.__demo.keyring.list().map((k) => k.provider));

  standin.reset();
  await page.fill('#key-openai', OPENAI_KEY);
  await page.click('#save-openai');
  await page.waitForFunction(() => $popup('feedback-openai').dataset.kind === 'busy');
  await checkAtProvider();
  assert.equal(await feedback(page, 'openai'), 'Checking with the provider…');
  assert.equal(await page.isDisabled('#save-openai'), true);
  assert.equal(await page.textContent('#save-openai'), 'Checking…');
  assert.equal(await page.getAttribute('#form-openai', 'aria-busy'), 'true');
  assert.equal(await page.evaluate(() => $popup('key-openai').readOnly), true);
  // The popup's refresh (once a second) keeps the busy state.
  await nextRefresh(page);
  assert.equal(await page.isDisabled('#save-openai'), true);
  assert.equal(await feedback(page, 'openai'), 'Checking with the provider…');

  // Cancel stops the check; the provider's "valid", arriving afterwards, stores nothing.
  await page.click('#cancel-openai');
  assert.equal(standin.release('valid'), 1);
  await page.waitForFunction(() => !$popup('form-openai').hasAttribute('aria-busy'));
  assert.equal(await feedback(page, 'openai'), 'Check cancelled: nothing was saved.');
  assert.equal(await page.isDisabled('#save-openai'), false);
  assert.equal(await chip(page, 'openai'), 'Not configured');
  assert.deepEqual(await stored(), []);

  // Closing the popup mid-check stops it too.
  standin.reset();
  await page.click('#save-openai');
  await page.waitForFunction(() => $popup('feedback-openai').dataset.kind === 'busy');
  await checkAtProvider();
  await closeSettings(page);
  // The popup's close handler has run (it clears the key field) before the
  // provider answers "valid"; then the check's own end: the form not busy.
  await page.waitForFunction(() => $popup('key-openai').value === '');
  assert.equal(standin.release('valid'), 1);
  await page.waitForFunction(() => !$popup('form-openai').hasAttribute('aria-busy'));
  assert.deepEqual(await stored(), [], 'the check went on after the popup closed and stored the key');
  await openSettings(page);
  assert.equal(await feedback(page, 'openai'), '');
  assert.equal(await page.inputValue('#key-openai'), '');
  assert.equal(await page.isDisabled('#save-openai'), false);
  assert.equal(await chip(page, 'openai'), 'Not configured');
  assertNoPageErrors(page);
});

test('?scenario= preselects the stand-in answer; providers without a free check say so', async (t) => {
  const ctx = await newContext(t);
  const page = await ctx.newPage();
  await page.goto(`${srv.url}/?iterations=100000&scenario=network_error`);
  await page.waitForFunction(() => window.__demo?.ready === true);
  await createVault(page);
  assert.equal(await page.inputValue('#verify-scenario'), 'network_error');
  await page.fill('#key-anthropic', ANTHROPIC_KEY);
  await saveAndWait(page, 'anthropic');
  assert.equal(await feedback(page, 'anthropic'), 'Could not reach the provider: saved unverified');
  assert.equal(await chip(page, 'anthropic'), 'Configured');

  await page.click('#more-providers summary');
  await page.fill('#key-exa', SAMPLE_KEYS.exa);
  await saveAndWait(page, 'exa');
  assert.equal(await feedback(page, 'exa'), 'Saved (this provider has no free key check)');
  assert.equal(await chip(page, 'exa'), 'Configured');
});

test('production: checks go to the providers themselves, and the CSP allows every one of them', async (t) => {
  const prod = await startServer({ port: 0, credits: 10, log: () => {} });
  t.after(() => prod.close());
  assert.deepEqual(await (await fetch(`${prod.url}/api/config`)).json(), { verifyBaseUrl: null });
  const page = await openDemo(await newContext(t), prod);
  await page.evaluate(() => {
    window.cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => window.cspViolations.push(e.blockedURI));
  });
  const urls = [];
  page.on('request', (r) => urls.push(r.url()));
  await createVault(page);
  assert.equal(await page.isVisible('#standin-note'), false);

  // Nothing resolves here, so the real endpoint cannot answer: saved unverified.
  await page.fill('#key-openai', OPENAI_KEY);
  await saveAndWait(page, 'openai');
  assert.equal(await feedback(page, 'openai'), 'Could not reach the provider: saved unverified');
  assert.equal(await chip(page, 'openai'), 'Configured');
  assert.ok(urls.includes('https://api.openai.com/v1/models'), urls.join(' '));

  // Bedrock's check asks the key's region. The rows that ask for one are
  // those whose check hosts the server's CSP allows in every region.
  await page.click('#more-providers summary');
  const regional = await page.evaluate(() => [...$popup('dialog').querySelectorAll('input[id^=region-]')].map((el) => el.id.slice(7)));
  assert.deepEqual(regional, REGIONAL_PROVIDERS);
  await page.fill('#key-bedrock', SAMPLE_KEYS.bedrock);
  await page.fill('#region-bedrock', 'eu-west-3');
  await saveAndWait(page, 'bedrock');
  assert.equal(await feedback(page, 'bedrock'), 'Could not reach the provider: saved unverified');
  assert.ok(urls.includes('https://bedrock.eu-west-3.amazonaws.com/foundation-models'), urls.join(' '));

  // Every provider's production check passes the page's CSP (a CSP refusal
  // would look the same to verify, so the violations are what tell).
  const codes = await page.evaluate(async (keys) => {
    const out = {};
    for (const [p, key] of Object.entries(keys)) {
      out[p] = (await window.__demo.keyring.set(p, key, { verify: true })).verification.code;
    }
    return out;
  }, SAMPLE_KEYS);
  for (const [p, code] of Object.entries(codes)) {
    assert.equal(code, PROVIDERS[p].unsupported || PROVIDERS[p].atBaseUrl ? 'unsupported' : 'network_error', p);
  }
  assert.deepEqual(await page.evaluate(() => window.cspViolations), []);
  // The listener does see a refusal: any other origin is blocked.
  await page.evaluate(() => fetch('https://example.com/').catch(() => {}));
  await page.waitForFunction(() => window.cspViolations.length > 0);
  assertNoPageErrors(page);
});

/** The demo on http://localhost (WebAuthn refuses 127.0.0.1) with Chromium's
 *  virtual authenticator: the authenticator belongs to the page, so open it,
 *  add one, then load the demo again. */
async function openDemoWithAuthenticator(t) {
  const ctx = await newContext(t);
  const page = await openDemo(ctx, srv, { host: 'localhost' });
  await addAuthenticator(ctx, page);
  await reloadDemo(page);
  return page;
}

const passkeyCount = (page) => page.evaluate(() => $popup('pk-list').children.length);

test('passkeys on http://localhost: add one, reload (still unlocked), Lock, reload, "Unlock with a passkey", remove it', async (t) => {
  const page = await openDemoWithAuthenticator(t);
  await createVault(page);
  await addKey(page, 'openai', OPENAI_KEY);
  await page.click('#pk-add');
  await page.waitForFunction(() => $popup('pk-list').children.length === 1);
  assert.match(await page.textContent('#vault-msg'), /Passkey added/);

  await reloadDemo(page);
  assert.equal(await state(page), 'unlocked', 'resumed after the reload');
  assert.match(await billing(page), /Using your own key/);

  await lockFromSettings(page);
  await reloadDemo(page);
  assert.equal(await state(page), 'locked');
  assert.match(await billing(page), /locked/);
  await openSettings(page);
  await page.click('#pk-unlock');
  await page.waitForFunction(() => window.__demo.keyring.state === 'unlocked');
  assert.equal(await page.evaluate(() => window.__demo.keyring.get('openai')), OPENAI_KEY);
  assert.equal(await chip(page, 'openai'), 'Configured');
  await page.click('#pk-list button');
  await page.waitForFunction(() => $popup('pk-list').children.length === 0);
  assert.deepEqual(await page.evaluate(() => window.__demo.keyring.unlockMethods()), [{ kind: 'passphrase' }]);
  await closeSettings(page);
  const r = await send(page);
  assert.equal(r.deducted, 0);
  assert.equal(r.headers['x-user-api-key'], OPENAI_KEY);
  assertNoPageErrors(page);
});

test('a passkey-only vault from "Use a passkey instead" in the demo', async (t) => {
  const page = await openDemoWithAuthenticator(t);
  await openSettings(page);
  await page.click('#pk-create');
  await page.waitForFunction(() => window.__demo.keyring.state === 'unlocked');
  assert.equal(await passkeyCount(page), 1);
  await addKey(page, 'anthropic', ANTHROPIC_KEY);
  await page.click('#lock-btn');
  await page.waitForFunction(() => window.__demo.keyring.state === 'locked');
  assert.equal(await page.isVisible('#passphrase'), false, 'no passphrase to type');
  await page.click('#pk-unlock');
  await page.waitForFunction(() => window.__demo.keyring.state === 'unlocked');
  assert.equal(await page.evaluate(() => window.__demo.keyring.get('anthropic')), ANTHROPIC_KEY);
  assertNoPageErrors(page);
});

test('?resume=off: a reload asks for the passphrase again', async (t) => {
  const page = await openDemo(await newContext(t), srv, { query: '&resume=off' });
  await createVault(page);
  await reloadDemo(page);
  assert.equal(await state(page), 'locked');
  assertNoPageErrors(page);
});

test('screenshot: the popup with two configured keys', async (t) => {
  // As users see it: a server without VERIFY_BASE_URL (checks go to the
  // providers, unreachable here, so the keys are saved unverified).
  const prod = await startServer({ port: 0, credits: 1000, log: () => {} });
  t.after(() => prod.close());
  const ctx = await newContext(t, { viewport: { width: 1100, height: 800 }, deviceScaleFactor: 1 });
  const page = await openDemo(ctx, prod);
  await createVault(page);
  await addKey(page, 'openai', OPENAI_KEY);
  await page.fill('#model-anthropic', 'claude-sonnet-4-5');
  await addKey(page, 'anthropic', ANTHROPIC_KEY);
  await closeSettings(page);
  await send(page, { text: 'Summarise our Q3 roadmap in three bullets.' });
  await page.click('#settings-btn');
  await page.waitForSelector('#settings dialog[open]');
  await page.mouse.move(0, 0);
  mkdirSync(new URL('docs/', ROOT), { recursive: true });
  await page.screenshot({ path: SCREENSHOT });
  assert.ok(statSync(SCREENSHOT).size > 10_000);
  assertNoPageErrors(page);
});
