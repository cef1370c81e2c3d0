// verify's one fetch; what it must do is documented at `send` in src/wasm/verify.rs.
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
