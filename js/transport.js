// The package's asynchronous work, driven from JavaScript: no Rust future
// crosses into JavaScript. Every decision is a synchronous call into the
// core, `step`; what waits (verify's fetch, WebCrypto's deriveBits) is here.
// Imported by src/wasm/verify.rs and src/wasm/flows.rs.

// verify's one fetch; what it must do is documented at `js_check` in src/wasm/verify.rs.
// Cookies go only to the page's own origin (a proxy in the app's backend);
// never a referrer; a redirect is an error, so the key is never sent on.
const own = (url) => {
  try {
    return new URL(url, location.href).origin === location.origin;
  } catch {
    return false; // no location (Node), or not a URL
  }
};

export async function send(url, method, headers, from, to, ms, signal) {
  const c = new AbortController();
  const stop = () => c.abort();
  let late = 0;
  const timer = setTimeout(() => { late = 1; stop(); }, ms);
  signal?.addEventListener("abort", stop);
  try {
    signal?.throwIfAborted();
    const init = {
      method, headers, signal: c.signal,
      credentials: "omit", referrerPolicy: "no-referrer", redirect: "error",
    };
    if (own(url)) init.credentials = "same-origin";
    const r = await fetch(url, init);
    const s = r.status;
    return { s, b: s >= from && s <= to ? (await r.text()).slice(0, 16384) : undefined };
  } catch {
    signal?.throwIfAborted();
    return { s: -late };
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener("abort", stop);
    stop(); // a body not read stops downloading
  }
}

// One check of verify() or set(..., { verify }): sends the request the core
// planned (nothing when `url` is empty: the outcome is known) and returns
// what `step`, the core, makes of the answer (the Verification, or the
// stored key's info; or it throws the KeyringError). When the caller aborts,
// `step()` forgets the check and the abort reason is thrown.
export async function check(step, url, method, headers, from, to, ms, signal) {
  let r = {};
  try {
    r = url ? await send(url, method, headers, from, to, ms, signal) : await r;
  } catch (e) {
    step();
    throw e;
  }
  return step(r);
}

// PBKDF2-HMAC-SHA256 with WebCrypto: `bits` bits of the password bytes `pw`,
// which are overwritten with zeros once imported.
export async function pbkdf2(pw, salt, iterations, bits) {
  const s = crypto.subtle;
  let base;
  try {
    base = s.importKey("raw", pw, "PBKDF2", false, ["deriveBits"]);
  } finally {
    pw.fill(0);
  }
  return new Uint8Array(await s.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, await base, bits));
}

// A passphrase operation (create, unlock, changePassphrase). `step(bits)`
// runs the core's next step: undefined when the operation is done, or
// `{ s, i, p }` when it needs the 256-bit key of passphrase `p` (0: the
// first, 1: the new one) with salt `s` and `i` iterations, from WebCrypto.
// A derivation WebCrypto refuses is handed over as undefined: the core then
// derives in WebAssembly. The core copies the bits; they are zeroed here.
export async function flow(step, first, second) {
  await null; // the operation starts after the call returns
  for (let want = step(); want; ) {
    let bits;
    try {
      bits = await pbkdf2(new TextEncoder().encode(want.p ? second : first), want.s, want.i, 256);
    } catch {}
    try {
      want = step(bits);
    } finally {
      bits?.fill(0);
    }
  }
}
