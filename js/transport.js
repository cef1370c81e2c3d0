// The one HTTP exchange of `verify` (imported by src/wasm/verify.rs). Which
// request to send and what the answer means are decided in Rust; this sends
// it once: no cookies, no referrer, no redirect followed (the key would go
// along), the time limit and the caller's signal both abort it.
// Resolves to { s, b }: s the HTTP status and b its text (cut to 16 KB, the
// Rust side's MAX_BODY_INSPECTED) when from <= s <= to; s = 0 for no answer
// (network, CORS, a redirect), -1 for the time limit. Rejects only with
// signal.reason when the caller aborts, as fetch does.
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
    stop(); // ends the download of a body that was not read
  }
}
