// `resume: "tab"` in headless Chromium: a reload of the same tab stays
// unlocked with no passphrase (kr.resume()), and nothing else does.
//
// - reload → resume() true, get() works, the usual "unlocked" event;
// - what is stored: sessionStorage holds the vault and the ticket's fields
//   only, IndexedDB one non-extractable HMAC CryptoKey per ticket (no key
//   bits anywhere), localStorage nothing;
// - a new browser context (a new session), even given the stored vault and
//   the ticket's text, and a second tab of the same context: false;
// - lock(), reset(), lock({ everywhere: true }) in another tab, the TTL
//   passing: the ticket and its key are deleted, resume() is false;
// - resume: "off" (the default) writes nothing to IndexedDB or sessionStorage;
// - the options are checked.
import { test } from "node:test";
import assert from "node:assert/strict";
import { servedChromium } from "./harness.mjs";

const env = servedChromium();

const PASS = "correct horse battery";
const GROQ = "gsk_" + "A1b2C3d4E5".repeat(5) + "Zz";
const NS = "rs";
const TICKET = `byok-keyring/${NS}/resume`;

/** A page of `context` with the package loaded (window.byok). */
async function openTab(context) {
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e && e.stack || e)));
  page.errors = errors;
  await page.goto(`${env.server.url}/tests/js/pages/blank.html`);
  await ready(page);
  return page;
}

async function ready(page) {
  const ok = await page.waitForFunction(() => window.ready, null, { timeout: 30_000 }).then((h) => h.jsonValue());
  assert.equal(ok, true, `module did not load: ${ok}`);
}

async function reload(page) {
  await page.reload();
  await ready(page);
}

/** window.kr: a keyring on NS with `opts` (resume "tab" unless said), its events in window.events. */
const make = (page, opts = {}) =>
  page.evaluate(([ns, o]) => {
    window.events = [];
    window.kr = new window.byok.Keyring({ namespace: ns, iterations: 100000, resume: "tab", ...o });
    window.kr.onChange((e) => window.events.push(e.type));
    return window.kr.state;
  }, [NS, opts]);

const ticketText = (page) => page.evaluate((k) => sessionStorage.getItem(k), TICKET);
const waitTicket = (page) => page.waitForFunction((k) => sessionStorage.getItem(k), TICKET, { timeout: 5000 }).then((h) => h.jsonValue());
/** A tab of `context` whose keyring (`make`'s `opts`) was just created,
 *  and the text of the ticket it wrote. */
async function createdTab(context, opts) {
  const page = await openTab(context);
  await make(page, opts);
  await page.evaluate((p) => window.kr.create(p), PASS);
  return { page, ticket: await waitTicket(page) };
}

/** Polls `f` in the page until it returns true (false after `ms`). */
const until = (page, f, arg, ms = 5000) =>
  page.waitForFunction(f, arg, { timeout: ms, polling: 20 }).then(() => true, () => false);

/** Runs in the page: every item of both storages, the databases, and the
 * entries of byok-keyring's IndexedDB store, described (a CryptoKey is
 * described by its properties; its bits cannot be read). */
async function dump() {
  const items = (s) => Object.fromEntries(Array.from({ length: s.length }, (_, i) => [s.key(i), s.getItem(s.key(i))]));
  const dbs = (await indexedDB.databases()).map((d) => d.name);
  const entries = [];
  if (dbs.includes("byok-keyring")) {
    const db = await new Promise((ok, no) => {
      const r = indexedDB.open("byok-keyring");
      r.onsuccess = () => ok(r.result);
      r.onerror = () => no(r.error);
    });
    if (db.objectStoreNames.contains("resume")) {
      const all = (m) => new Promise((ok, no) => {
        const r = db.transaction("resume").objectStore("resume")[m]();
        r.onsuccess = () => ok(r.result);
        r.onerror = () => no(r.error);
      });
      const [keys, values] = [await all("getAllKeys"), await all("getAll")];
      for (let i = 0; i < keys.length; i++) {
        const v = values[i];
        let exported = "refused";
        try {
          await crypto.subtle.exportKey("raw", v.key);
          exported = "exported";
        } catch {}
        entries.push({
          id: keys[i], fields: Object.keys(v).sort(), namespace: v.namespace, expiresAt: v.expiresAt,
          isCryptoKey: v.key instanceof CryptoKey, extractable: v.key.extractable,
          algorithm: v.key.algorithm.name, hash: v.key.algorithm.hash?.name, length: v.key.algorithm.length,
          usages: v.key.usages, exported,
        });
      }
    }
    db.close();
  }
  return { session: items(sessionStorage), local: items(localStorage), dbs, entries };
}
const stored = (page) => page.evaluate(dump);
const keysOf = async (page) => (await stored(page)).entries.map((e) => e.id);
const b64len = (s) => Buffer.from(s, "base64").length;

test("a reload of the tab resumes: unlocked with no passphrase; stored are a ticket and a non-extractable key only", async () => {
  const context = await env.browser.newContext();
  const page = await openTab(context);
  assert.equal(await make(page), "empty");
  await page.evaluate(async ([p, k]) => {
    await window.kr.create(p);
    window.kr.set("groq", k);
  }, [PASS, GROQ]);
  const ticket = JSON.parse(await waitTicket(page));
  const s = await stored(page);
  // sessionStorage: the vault and the ticket, whose fields are these only.
  assert.deepEqual(Object.keys(s.session).sort(), [`byok-keyring:${NS}`, TICKET].sort());
  assert.deepEqual(s.local, {});
  assert.deepEqual(Object.keys(ticket).sort(), ["expiresAt", "id", "key", "nonce", "salt", "vault"]);
  assert.deepEqual([b64len(ticket.id), b64len(ticket.salt), b64len(ticket.nonce), b64len(ticket.key), b64len(ticket.vault)], [16, 32, 12, 48, 16]);
  assert.equal(ticket.vault, JSON.parse(s.session[`byok-keyring:${NS}`]).id);
  const ttl = ticket.expiresAt - Date.now();
  assert.ok(ttl > 29 * 60_000 && ttl <= 30 * 60_000, `default TTL 30 min, got ${ttl} ms`);
  // IndexedDB: one entry under the ticket's id, a non-extractable HMAC key.
  assert.equal(s.entries.length, 1);
  const [e] = s.entries;
  assert.deepEqual(e, {
    id: ticket.id, fields: ["expiresAt", "key", "namespace"], namespace: NS, expiresAt: ticket.expiresAt,
    isCryptoKey: true, extractable: false, algorithm: "HMAC", hash: "SHA-256", length: 256,
    usages: ["sign"], exported: "refused",
  });

  await reload(page);
  assert.equal(await make(page), "locked");
  const r = await page.evaluate(async () => {
    const resumed = await window.kr.resume();
    return { resumed, state: window.kr.state, key: window.kr.get("groq"), byok: window.kr.isByok("groq"), events: window.events };
  });
  assert.deepEqual(r, { resumed: true, state: "unlocked", key: GROQ, byok: true, events: ["unlocked"] });
  // Each resume makes a new ticket (a new key K) and deletes the old key.
  assert.ok(await until(page, ([k, old]) => JSON.parse(sessionStorage.getItem(k))?.id !== old, [TICKET, ticket.id]));
  const next = JSON.parse(await ticketText(page));
  assert.ok(await until(page, async (id) => {
    const all = await new Promise((ok) => {
      const r = indexedDB.open("byok-keyring");
      r.onsuccess = () => {
        const q = r.result.transaction("resume").objectStore("resume").getAllKeys();
        q.onsuccess = () => { ok(q.result); r.result.close(); };
      };
    });
    return all.length === 1 && all[0] === id;
  }, next.id), "the previous ticket's key is deleted");
  // Resumed again after another reload; resume() while unlocked is true.
  await reload(page);
  await make(page);
  assert.equal(await page.evaluate(() => window.kr.resume()), true);
  assert.equal(await page.evaluate(() => window.kr.resume()), true);
  assert.deepEqual(page.errors, []);
  await context.close();
});

test("a new browser session never resumes, even given the stored vault and the ticket", async () => {
  const context = await env.browser.newContext();
  const { page, ticket } = await createdTab(context, { storage: "local" });
  const vault = await page.evaluate((ns) => localStorage.getItem(`byok-keyring:${ns}`), NS);
  await context.close();

  const fresh = await env.browser.newContext();
  const other = await openTab(fresh);
  await make(other, { storage: "local" });
  assert.equal(await other.evaluate(() => window.kr.resume()), false, "nothing stored: false");
  // Copy what storage held (the vault and the ticket) into the new session:
  // without the non-extractable key of the other session, it opens nothing.
  await other.evaluate(([ns, v, t, k]) => {
    localStorage.setItem(`byok-keyring:${ns}`, v);
    sessionStorage.setItem(k, t);
  }, [NS, vault, ticket, TICKET]);
  await reload(other);
  assert.equal(await make(other, { storage: "local" }), "locked");
  assert.equal(await other.evaluate(() => window.kr.resume()), false);
  assert.equal(await other.evaluate(() => window.kr.state), "locked");
  assert.equal(await ticketText(other), null, "an unusable ticket is deleted");
  assert.deepEqual(other.errors, []);
  await fresh.close();
});

test("a second tab of the same browser does not resume; the first still does", async () => {
  const context = await env.browser.newContext();
  const { page: a } = await createdTab(context, { storage: "local" });
  const b = await openTab(context);
  assert.equal(await make(b, { storage: "local" }), "locked");
  assert.equal(await b.evaluate(() => window.kr.resume()), false);
  assert.equal(await b.evaluate(() => window.kr.state), "locked");
  await reload(a);
  await make(a, { storage: "local" });
  assert.equal(await a.evaluate(() => window.kr.resume()), true);
  await context.close();
});

test("lock() deletes the ticket and its key: no resume after a reload", async () => {
  const context = await env.browser.newContext();
  const { page, ticket: text } = await createdTab(context);
  const ticket = JSON.parse(text);
  assert.deepEqual(await keysOf(page), [ticket.id]);
  await page.evaluate(() => window.kr.lock());
  assert.equal(await ticketText(page), null);
  assert.ok(await until(page, async () => {
    const r = await new Promise((ok) => {
      const o = indexedDB.open("byok-keyring");
      o.onsuccess = () => {
        const q = o.result.transaction("resume").objectStore("resume").count();
        q.onsuccess = () => { ok(q.result); o.result.close(); };
      };
    });
    return r === 0;
  }), "the IndexedDB entry is deleted");
  await reload(page);
  await make(page);
  assert.equal(await page.evaluate(() => window.kr.resume()), false);
  assert.equal(await page.evaluate(() => window.kr.state), "locked");
  // Unlocking with the passphrase makes a ticket again.
  await page.evaluate((p) => window.kr.unlock(p), PASS);
  await waitTicket(page);
  await context.close();
});

test("the ticket lasts resumeTtlMs: after it, deleted by the timer, and no resume", async () => {
  const context = await env.browser.newContext();
  const { page, ticket: text } = await createdTab(context, { resumeTtlMs: 1500 });
  const ticket = JSON.parse(text);
  assert.ok(ticket.expiresAt - Date.now() <= 1500);
  // Reloaded within the TTL, not resumed: the new page watches the ticket too.
  await reload(page);
  await make(page, { resumeTtlMs: 1500 });
  assert.ok(await until(page, (k) => sessionStorage.getItem(k) === null, TICKET, 4000), "the timer deletes the ticket");
  assert.deepEqual(await keysOf(page), [], "and its key");
  assert.equal(await page.evaluate(() => window.kr.resume()), false);
  assert.equal(await page.evaluate(() => window.kr.state), "locked");
  // Past the TTL with no timer in between (the ticket copied back): refused at resume.
  await page.evaluate(([k, t]) => sessionStorage.setItem(k, t), [TICKET, JSON.stringify(ticket)]);
  assert.equal(await page.evaluate(() => window.kr.resume()), false);
  assert.equal(await ticketText(page), null);
  await context.close();
});

test("a use extends the ticket, at most once a minute", async () => {
  const context = await env.browser.newContext();
  const page = await openTab(context);
  await make(page, { resumeTtlMs: 120_000 });
  await page.evaluate(async ([p, k]) => {
    await window.kr.create(p);
    window.kr.set("groq", k);
  }, [PASS, GROQ]);
  const first = JSON.parse(await waitTicket(page));
  const expiry = async () => JSON.parse(await ticketText(page)).expiresAt;
  // Within the first minute, uses change nothing.
  await page.evaluate(() => { window.kr.get("groq"); window.kr.authHeaders("groq"); });
  assert.equal(await expiry(), first.expiresAt);
  // The page's clock moved on by 61 s (Date.now is what the package reads).
  await page.evaluate(() => { const real = Date.now; Date.now = () => real() + 61_000; });
  await page.evaluate(() => window.kr.authHeaders("groq"));
  const renewed = await expiry();
  assert.ok(renewed >= first.expiresAt + 60_000, `extended: ${renewed - first.expiresAt} ms`);
  assert.ok(await until(page, async ([id, at]) => {
    const v = await new Promise((ok) => {
      const o = indexedDB.open("byok-keyring");
      o.onsuccess = () => {
        const q = o.result.transaction("resume").objectStore("resume").get(id);
        q.onsuccess = () => { ok(q.result); o.result.close(); };
      };
    });
    return v?.expiresAt === at;
  }, [first.id, renewed]), "the IndexedDB entry's expiresAt follows");
  // Again at once: not extended (at most once a minute).
  await page.evaluate(() => { const d = Date.now; Date.now = () => d() + 1000; window.kr.get("groq"); window.kr.set("groq", window.kr.get("groq")); });
  assert.equal(await expiry(), renewed);
  await context.close();
});

test("an expired ticket does not resume, even while its key is still stored", async () => {
  const context = await env.browser.newContext();
  const { page, ticket: text } = await createdTab(context);
  const ticket = JSON.parse(text);
  await page.evaluate(([k, t]) => sessionStorage.setItem(k, t), [TICKET, JSON.stringify({ ...ticket, expiresAt: Date.now() - 1 })]);
  await reload(page);
  // resume() in the same task as the keyring's construction: before any timer.
  const r = await page.evaluate(async ([ns]) => {
    const kr = new window.byok.Keyring({ namespace: ns, iterations: 100000, resume: "tab" });
    const resumed = await kr.resume();
    return { resumed, state: kr.state };
  }, [NS]);
  assert.deepEqual(r, { resumed: false, state: "locked" });
  assert.equal(await ticketText(page), null);
  await context.close();
});

test("auto-lock deletes the ticket", async () => {
  const context = await env.browser.newContext();
  const { page } = await createdTab(context, { autoLockMs: 1000 });
  assert.ok(await until(page, () => window.kr.state === "locked" && window.events.includes("locked")));
  assert.ok(await until(page, (k) => sessionStorage.getItem(k) === null, TICKET, 2000));
  await reload(page);
  await make(page, { autoLockMs: 1000 });
  assert.equal(await page.evaluate(() => window.kr.resume()), false);
  await context.close();
});

test("reset() deletes the ticket; a tampered ticket does not resume and is deleted", async () => {
  const context = await env.browser.newContext();
  const { page, ticket: text } = await createdTab(context);
  let ticket = JSON.parse(text);
  // A changed sealed key: false, the ticket and its key deleted, still locked.
  await reload(page);
  await make(page);
  const bad = { ...ticket, key: Buffer.from(Buffer.from(ticket.key, "base64").map((b, i) => (i ? b : b ^ 1))).toString("base64") };
  await page.evaluate(([k, t]) => sessionStorage.setItem(k, t), [TICKET, JSON.stringify(bad)]);
  assert.equal(await page.evaluate(() => window.kr.resume()), false);
  assert.equal(await page.evaluate(() => window.kr.state), "locked");
  assert.equal(await ticketText(page), null);
  assert.ok(await until(page, async () => (await indexedDB.databases()).length === 1 && await new Promise((ok) => {
    const o = indexedDB.open("byok-keyring");
    o.onsuccess = () => {
      const q = o.result.transaction("resume").objectStore("resume").count();
      q.onsuccess = () => { ok(q.result === 0); o.result.close(); };
    };
  })));
  // Malformed JSON: false, deleted.
  await page.evaluate((k) => sessionStorage.setItem(k, "{not json"), TICKET);
  assert.equal(await page.evaluate(() => window.kr.resume()), false);
  assert.equal(await ticketText(page), null);

  await page.evaluate((p) => window.kr.unlock(p), PASS);
  ticket = JSON.parse(await waitTicket(page));
  await page.evaluate(() => window.kr.reset());
  assert.equal(await ticketText(page), null);
  await reload(page);
  assert.equal(await make(page), "empty");
  assert.equal(await page.evaluate(() => window.kr.resume()), false);
  assert.deepEqual(page.errors, []);
  await context.close();
});

test("lock({ everywhere: true }) in another tab deletes this tab's ticket", async () => {
  const context = await env.browser.newContext();
  const { page: a } = await createdTab(context, { storage: "local" });
  const b = await openTab(context);
  await make(b, { storage: "local", resume: "off" });
  await b.evaluate(() => window.kr.lock({ everywhere: true }));
  assert.ok(await until(a, () => window.kr.state === "locked"));
  assert.equal(await ticketText(a), null);
  await reload(a);
  await make(a, { storage: "local" });
  assert.equal(await a.evaluate(() => window.kr.resume()), false);
  await context.close();
});

test("resume \"off\" (the default) writes nothing to IndexedDB or sessionStorage", async () => {
  const context = await env.browser.newContext();
  const page = await openTab(context);
  await make(page, { resume: undefined });
  await page.evaluate(async ([p, k]) => {
    await window.kr.create(p);
    window.kr.set("groq", k);
    window.kr.get("groq");
    window.kr.lock();
    await window.kr.unlock(p);
  }, [PASS, GROQ]);
  await reload(page);
  await make(page, { resume: "off" });
  assert.equal(await page.evaluate(() => window.kr.resume()), false);
  await page.waitForTimeout(200);
  const s = await stored(page);
  assert.deepEqual(Object.keys(s.session), [`byok-keyring:${NS}`]);
  assert.deepEqual(s.dbs, []);
  await context.close();
});

test("the resume options are checked", async () => {
  const context = await env.browser.newContext();
  const page = await openTab(context);
  const codes = await page.evaluate(() => {
    const code = (o) => {
      try {
        new window.byok.Keyring({ iterations: 100000, ...o }).free();
        return "ok";
      } catch (e) {
        return e.code;
      }
    };
    return [
      code({ resume: "tab" }), code({ resume: "off" }), code({ resume: "tab", resumeTtlMs: 1000 }),
      code({ resume: "tab", resumeTtlMs: 7 * 24 * 3600 * 1000 }),
      code({ resume: "yes" }), code({ resume: true }), code({ resume: "tab", resumeTtlMs: 999 }),
      code({ resume: "tab", resumeTtlMs: 7 * 24 * 3600 * 1000 + 1 }), code({ resumeTtlMs: 1.5e3 + 0.5 }),
      code({ resume: "tab", storage: "memory" }),
    ];
  });
  assert.deepEqual(codes, ["ok", "ok", "ok", "ok", "invalid_argument", "invalid_argument", "invalid_argument", "invalid_argument", "invalid_argument", "invalid_argument"]);
  await context.close();
});
