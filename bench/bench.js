// In-page benchmarks, called one by one from bench/run.mjs. Every contender
// gets the same inputs; each figure is the median of RUNS runs after a warm-up.
// byok-keyring is loaded as an app loads it: the package entry (pkg/index.js,
// default export init()), not the raw wasm-bindgen glue. A target's ratio
// comes from rounds that alternate the library and its baseline in this page,
// so both see the same machine load; it is the median of the per-round ratios.
import init, * as byok from "/pkg/index.js";
import * as rivals from "/bench/tmp/contenders.js";

const ITERATIONS = 600_000;
const PASSPHRASE = "correct horse battery staple";
const SALT = new Uint8Array(16).fill(7);
const enc = new TextEncoder();
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// A realistic sk-proj- key: 164 characters.
const URLSAFE = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const chars = (n, seed) => Array.from({ length: n }, (_, i) => URLSAFE[(i * 31 + seed * 17) % 64]).join("");
export const OPENAI_KEY = "sk-proj-" + chars(74, 1) + "T3BlbkFJ" + chars(74, 2);

/** Longest main-thread block while `fn` runs: the largest gap between
 *  MessageChannel ticks, and the longest "longtask" entry. */
async function withBlockProbe(fn) {
  const ch = new MessageChannel();
  let last = performance.now(), maxGap = 0, running = true;
  ch.port1.onmessage = () => {
    const now = performance.now();
    maxGap = Math.max(maxGap, now - last);
    last = now;
    if (running) ch.port2.postMessage(0);
  };
  let longest = 0;
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) longest = Math.max(longest, e.duration);
  });
  obs.observe({ type: "longtask", buffered: false });
  ch.port2.postMessage(0);
  const t0 = performance.now();
  await fn();
  const ms = performance.now() - t0;
  running = false;
  await new Promise((r) => setTimeout(r, 20));
  obs.disconnect();
  ch.port1.close();
  return { ms, maxGapMs: maxGap, longTaskMs: longest };
}

async function timeRuns(runs, fn) {
  await fn(); // warm-up
  const samples = [];
  for (let i = 0; i < runs; i++) samples.push(await withBlockProbe(fn));
  return {
    medianMs: median(samples.map((s) => s.ms)),
    samplesMs: samples.map((s) => +s.ms.toFixed(2)),
    maxBlockMs: Math.max(...samples.map((s) => Math.max(s.maxGapMs, s.longTaskMs))),
  };
}

/** The bare WebCrypto derivation an unlock cannot beat: import the
 *  passphrase, derive 256 bits at the same iteration count. */
async function rawDeriveBits() {
  const base = await crypto.subtle.importKey("raw", enc.encode(PASSPHRASE), "PBKDF2", false, ["deriveBits"]);
  await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt: SALT, iterations: ITERATIONS }, base, 256);
}

/** The unlock target: byok-keyring's WebCrypto-path unlock and a bare
 *  deriveBits, alternated `runs` times after a warm-up of each. */
export async function unlockRatio(runs) {
  localStorage.clear();
  const ns = "bench-ratio";
  const maker = new byok.Keyring({ namespace: ns, storage: "local", kdf: "webcrypto", iterations: ITERATIONS });
  await maker.create(PASSPHRASE);
  maker.set("openai", OPENAI_KEY);
  const kr = new byok.Keyring({ namespace: ns, storage: "local", kdf: "webcrypto", iterations: ITERATIONS });
  const unlockOnce = async () => {
    kr.lock();
    await kr.unlock(PASSPHRASE);
  };
  const timed = async (fn) => {
    const t0 = performance.now();
    await fn();
    return performance.now() - t0;
  };
  await unlockOnce();
  await rawDeriveBits();
  const lib = [], base = [], ratios = [];
  for (let r = 0; r < runs; r++) {
    // Alternate which goes first, so neither always follows the other.
    let a, b;
    if (r & 1) {
      b = await timed(rawDeriveBits);
      a = await timed(unlockOnce);
    } else {
      a = await timed(unlockOnce);
      b = await timed(rawDeriveBits);
    }
    lib.push(a);
    base.push(b);
    ratios.push(a / b);
  }
  return { ms: median(lib), baselineMs: median(base), ratio: median(ratios), backend: kr.kdfBackend, iterations: ITERATIONS };
}

export async function initTime() {
  const t0 = performance.now();
  await init();
  return performance.now() - t0;
}

export async function unlock(runs) {
  localStorage.clear();
  sessionStorage.clear();
  const out = {};
  // byok-keyring, both backends: a vault made once, unlocked RUNS times.
  for (const kdf of ["webcrypto", "wasm"]) {
    const ns = "bench-" + kdf;
    const maker = new byok.Keyring({ namespace: ns, storage: "local", kdf, iterations: ITERATIONS });
    await maker.create(PASSPHRASE);
    maker.set("openai", OPENAI_KEY);
    const kr = new byok.Keyring({ namespace: ns, storage: "local", kdf, iterations: ITERATIONS });
    out[`byok-keyring (${kdf})`] = await timeRuns(runs, async () => {
      kr.lock();
      await kr.unlock(PASSPHRASE);
    });
    out[`byok-keyring (${kdf})`].backend = kr.kdfBackend;
  }
  // The limit: one raw WebCrypto deriveBits.
  out["WebCrypto deriveBits (raw)"] = await timeRuns(runs, rawDeriveBits);
  out["@noble/hashes pbkdf2"] = await timeRuns(runs, async () => {
    rivals.noblePbkdf2(rivals.nobleSha256, PASSPHRASE, SALT, { c: ITERATIONS, dkLen: 32 });
  });
  // byok-vault: setKey once, then unlock.
  const vault = new rivals.BYOKVault({ namespace: "bench-byok-vault", pbkdf2Iterations: ITERATIONS });
  await vault.setKey(OPENAI_KEY, PASSPHRASE);
  out["byok-vault unlock"] = await timeRuns(runs, async () => {
    vault.lock();
    await vault.unlock(PASSPHRASE);
  });
  // @metamask/browser-passworder: encrypt once, then decrypt.
  const opts = { algorithm: "PBKDF2", params: { iterations: ITERATIONS } };
  const blob = await rivals.passworderEncrypt(PASSPHRASE, { key: OPENAI_KEY }, undefined, undefined, opts);
  out["browser-passworder decrypt"] = await timeRuns(runs, async () => {
    await rivals.passworderDecrypt(PASSPHRASE, blob);
  });
  return out;
}

// Results are folded into this, so the engine cannot drop a call whose
// result is unused (for the library and the baselines alike).
let sink = 0;
const fold = (v) => (typeof v === "boolean" ? (v ? 1 : 0) : typeof v === "string" ? v.length : v == null ? 0 : 1);

/** Average ns per call over `n` calls of `fn`. */
function round(n, fn) {
  let acc = 0;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) acc += fold(fn(i));
  const ns = ((performance.now() - t0) * 1e6) / n;
  sink += acc;
  return ns;
}

/** The library and its plain-JS baseline, alternated for `runs` rounds of
 *  `n` calls each after a warm-up: median ns per call of each, and the
 *  median of the per-round ratios. */
function paired(n, runs, lib, js) {
  for (let i = 0; i < Math.min(n, 10_000); i++) sink += fold(lib(i)) + fold(js(i)); // warm-up
  const libNs = [], jsNs = [], ratios = [];
  for (let r = 0; r < runs; r++) {
    const a = round(n, lib), b = round(n, js);
    libNs.push(a);
    jsNs.push(b);
    ratios.push(a / b);
  }
  return { ns: median(libNs), baselineNs: median(jsNs), ratio: median(ratios) };
}

export async function hotPath(n, runs) {
  localStorage.clear();
  const kr = new byok.Keyring({ namespace: "bench-hot", storage: "local", iterations: 100_000, platformOnly: ["deep-analysis"] });
  await kr.create(PASSPHRASE);
  kr.set("openai", OPENAI_KEY);
  const anthropic = "sk-ant-api03-" + chars(93, 3) + "AA";
  // Plain-JS baselines of the same decisions: what an app keeping keys in a
  // Map would write. isByok: a stored, enabled, unexpired key and unlocked.
  const keys = new Map([["openai", { key: OPENAI_KEY, enabled: true, expiresAt: undefined }]]);
  const unlocked = true;
  const platformOnly = new Set(["deep-analysis"]);
  const jsIsByok = (p) => {
    const e = unlocked ? keys.get(p) : undefined;
    return e !== undefined && e.enabled && (e.expiresAt === undefined || Date.now() < e.expiresAt);
  };
  const openaiRe = /^sk-(proj-|svcacct-|admin-|None-)?[A-Za-z0-9_-]{37,197}$/;
  const feature = (i) => (i & 1 ? "deep-analysis" : undefined);
  const setN = Math.min(n, 2_000); // each set writes localStorage
  const out = {
    isByok: paired(n, runs, () => kr.isByok("openai"), () => jsIsByok("openai")),
    shouldDeductCredits: paired(n, runs,
      (i) => kr.shouldDeductCredits("openai", feature(i)),
      (i) => !jsIsByok("openai") || platformOnly.has(feature(i))),
    "validate (164-char OpenAI key)": paired(n, runs, () => byok.validate("openai", OPENAI_KEY), () => openaiRe.test(OPENAI_KEY.trim())),
    mask: paired(n, runs, () => byok.mask(OPENAI_KEY), () => OPENAI_KEY.slice(0, 4) + "••••••••" + OPENAI_KEY.slice(-4)),
    get: paired(n, runs, () => kr.get("openai"), () => keys.get("openai")?.key),
    "set (incl. storage write)": paired(setN, runs,
      (i) => kr.set(i & 1 ? "openai" : "anthropic", i & 1 ? OPENAI_KEY : anthropic),
      (i) => localStorage.setItem("plain-" + (i & 1), JSON.stringify({ key: i & 1 ? OPENAI_KEY : anthropic }))),
  };
  out._calls = { n, setN, sink };
  return out;
}

/**
 * verify's timing against the provider stand-in (bench/run.mjs starts it):
 * how long after `timeoutMs` a check of a provider that never answers
 * ends with "timeout", and how long after `abort()` a check whose request
 * is held at the provider rejects. The tests (tests/js/verify.test.mjs)
 * check the outcomes; these are the speeds.
 */
export async function verifyTiming(runs, { timeoutBase, holdBase }) {
  const timeoutMs = 300;
  const check = () => byok.verify("openai", OPENAI_KEY, { baseUrl: timeoutBase, timeoutMs });
  await check(); // warm-up
  const overMs = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const v = await check();
    if (v.code !== "timeout") throw new Error(`verifyTiming: expected "timeout", got "${v.code}"`);
    overMs.push(performance.now() - t0 - timeoutMs);
  }
  const abortMs = [];
  for (let i = 0; i < runs + 1; i++) {
    const c = new AbortController();
    const pending = byok.verify("openai", OPENAI_KEY, { baseUrl: holdBase, signal: c.signal, timeoutMs: 120_000 }).then(
      (v) => new Error(`verifyTiming: an aborted check resolved "${v.code}"`), (e) => e);
    // Long enough for the request to be at the stand-in (a benchmark, not a test).
    await new Promise((r) => setTimeout(r, 150));
    const t0 = performance.now();
    c.abort();
    const e = await pending;
    const ms = performance.now() - t0;
    if (e?.name !== "AbortError") throw e;
    if (i > 0) abortMs.push(ms); // the first is the warm-up
  }
  return { timeoutMs, overMs: median(overMs), overSamplesMs: overMs.map((x) => +x.toFixed(1)), abortMs: median(abortMs), abortSamplesMs: abortMs.map((x) => +x.toFixed(2)) };
}

/**
 * How fast a 10 MB string argument is refused (invalid_argument: over the
 * 64 KiB cap) by the calls most likely to get one: validate, mask, set,
 * isByok and the Keyring options. Median ms per call; `slowest` is the
 * largest of them. tests/js/hostile.test.mjs checks the refusal itself.
 */
export async function hugeArgument(runs) {
  const BIG = "x".repeat(10 * 1024 * 1024);
  const kr = new byok.Keyring({ namespace: "bench-huge", storage: "memory", iterations: 100_000 });
  await kr.create(PASSPHRASE);
  const calls = {
    "validate(provider, 10 MB)": () => byok.validate("openai", BIG),
    "mask(10 MB)": () => byok.mask(BIG),
    "kr.set(provider, 10 MB)": () => kr.set("openai", BIG),
    "kr.isByok(10 MB)": () => kr.isByok(BIG),
    "new Keyring({ namespace: 10 MB })": () => new byok.Keyring({ namespace: BIG, storage: "memory" }),
  };
  const out = {};
  for (const [name, f] of Object.entries(calls)) {
    const samples = [];
    for (let i = 0; i < runs + 1; i++) {
      const t0 = performance.now();
      let code;
      try { f(); } catch (e) { code = e.code; }
      const ms = performance.now() - t0;
      if (code !== "invalid_argument") throw new Error(`hugeArgument: ${name} was not refused (${code})`);
      if (i > 0) samples.push(ms);
    }
    out[name] = median(samples);
  }
  kr.free();
  return { ms: out, slowest: Math.max(...Object.values(out)) };
}

window.bench = { initTime, unlock, unlockRatio, hotPath, verifyTiming, hugeArgument };
window.benchReady = true;
