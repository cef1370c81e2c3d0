// `resume: "tab"`: staying unlocked across reloads of a tab (docs/FORMAT.md,
// "Resume ticket"; SECURITY.md). Imported by src/wasm/resume.rs.
// K, a non-extractable HMAC key (its bits never exist in JavaScript), is kept
// in IndexedDB; the ticket (the vault key sealed by the core under
// W = HMAC(K, salt)) in this tab's sessionStorage. Nothing here throws: a
// failure means no ticket, or false.
const item = (ns) => `byok-keyring/${ns}/resume`;
const b64 = (a) => btoa(String.fromCharCode(...a));
const bytes = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
const rnd = (n) => crypto.getRandomValues(new Uint8Array(n));
const sign = async (k, salt) => new Uint8Array(await crypto.subtle.sign("HMAC", k, salt));
const read = (ns) => {
  try {
    return JSON.parse(sessionStorage.getItem(item(ns)));
  } catch {}
};

// One request on the "resume" store of the "byok-keyring" database, in its own
// transaction: resolves to its result (undefined on any failure); a cursor
// request calls `each` on every entry.
let db;
const idb = (mode, f, each) =>
  (db ??= new Promise((ok, no) => {
    const r = indexedDB.open("byok-keyring", 1);
    r.onupgradeneeded = () => r.result.createObjectStore("resume");
    r.onsuccess = () => ok(r.result);
    r.onerror = () => no(r.error);
  }))
    .then((d) => new Promise((ok, no) => {
      const r = f(d.transaction("resume", mode).objectStore("resume"));
      r.onsuccess = () => (each && r.result ? (each(r.result), r.result.continue()) : ok(r.result));
      r.onerror = () => no(r.error);
    }))
    .catch(() => { db = undefined; });
const forget = (id) => idb("readwrite", (s) => s.delete(id));

// Deletes the tab's ticket of `ns` and its key (only ticket `id`, if given).
export function drop(ns, id) {
  try {
    const t = read(ns);
    if (id && t?.id !== id) return;
    sessionStorage.removeItem(item(ns));
    if (t?.id) forget(t.id);
  } catch {}
}

// Deletes the ticket `id` once its expiresAt (extended by use) has passed.
const watch = (ns, id, ms) => setTimeout(() => {
  const t = read(ns);
  if (t?.id !== id) return;
  const left = t.expiresAt - Date.now();
  left > 0 ? watch(ns, id, left) : drop(ns, id);
}, ms);

// Every key of `ns` (every tab's: lock({ everywhere: true })), and every expired one.
export function purge(ns) {
  const now = Date.now();
  return idb("readwrite", (s) => s.openCursor(), (c) => (c.value.expiresAt > now && c.value.namespace !== ns) || c.delete());
}

let purged;
// A keyring with resume "tab" is made: expired keys go (once per page), and
// the tab's ticket is watched for its expiry.
export function start(ns) {
  const t = read(ns);
  if (t?.id) watch(ns, t.id, 0);
  purged ??= purge();
}

// Makes the tab's ticket (replacing any): `seal(W)` is the core's.
export async function save(ns, ttl, seal) {
  let id, w, t;
  try {
    const key = await crypto.subtle.generateKey({ name: "HMAC", hash: "SHA-256", length: 256 }, false, ["sign"]);
    const salt = rnd(32), expiresAt = Date.now() + ttl;
    id = b64(rnd(16));
    if (!(await idb("readwrite", (s) => s.put({ key, namespace: ns, expiresAt }, id)))) return;
    w = await sign(key, salt);
    t = seal(w); // undefined when the keyring was locked meanwhile
    if (t) {
      const old = read(ns);
      // t: nonce (12 bytes), sealed vault key (48), vault id (16).
      const ticket = { id, salt: b64(salt), nonce: b64(t.subarray(0, 12)), key: b64(t.subarray(12, 60)), vault: b64(t.subarray(60)), expiresAt };
      sessionStorage.setItem(item(ns), JSON.stringify(ticket));
      if (old?.id) forget(old.id);
      watch(ns, id, ttl);
    }
  } catch {
    t = 0;
  } finally {
    w?.fill(0);
    if (id && !t) forget(id);
  }
}

// Unlocks with the tab's ticket: `open(W ‖ nonce ‖ key ‖ vault)` (108 bytes)
// says whether it did; else the ticket is deleted.
export async function resume(ns, open) {
  const t = read(ns);
  const x = new Uint8Array(108);
  let w;
  try {
    if (t.expiresAt > Date.now()) {
      const e = await idb("readonly", (s) => s.get(t.id));
      x.set((w = await sign(e.key, bytes(t.salt))));
      x.set(bytes(t.nonce), 32);
      x.set(bytes(t.key), 44);
      x.set(bytes(t.vault), 92);
      if (open(x)) return true;
    }
  } catch {
  } finally {
    w?.fill(0);
    x.fill(0);
  }
  drop(ns, t?.id);
  return false;
}

// A use: the ticket lasts `ttl` ms from now (its key's expiresAt follows).
export function renew(ns, ttl) {
  try {
    const t = read(ns);
    if (!(t.expiresAt > Date.now())) return;
    const expiresAt = (t.expiresAt = Date.now() + ttl);
    sessionStorage.setItem(item(ns), JSON.stringify(t));
    idb("readwrite", (s) => s.openCursor(t.id), (c) => c.update({ ...c.value, expiresAt }));
  } catch {}
}
