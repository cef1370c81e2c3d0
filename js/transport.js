// verify's one fetch; what it must do is documented at `send` in src/wasm/verify.rs.
export async function send(url, method, headers, from, to, ms, signal) {
  const c = new AbortController();
  const stop = () => c.abort();
  let late = 0;
  const timer = setTimeout(() => { late = 1; stop(); }, ms);
  signal?.addEventListener("abort", stop);
  try {
    signal?.throwIfAborted();
    const r = await fetch(url, {
      method, headers, signal: c.signal,
      credentials: "omit", referrerPolicy: "no-referrer", redirect: "error",
    });
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
