// In-page benchmarks, called one by one from bench/run.mjs. Every contender
// gets the same inputs; each figure is the median of RUNS runs after a warm-up.
import init, * as byok from "/pkg/byok_keyring.js";
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
  out["WebCrypto deriveBits (raw)"] = await timeRuns(runs, async () => {
    const base = await crypto.subtle.importKey("raw", enc.encode(PASSPHRASE), "PBKDF2", false, ["deriveBits"]);
    await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt: SALT, iterations: ITERATIONS }, base, 256);
  });
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

/** Average ns per call over `n` calls, the median of `runs` rounds. */
function perCall(n, runs, fn) {
  for (let i = 0; i < Math.min(n, 10_000); i++) fn(i); // warm-up
  const rounds = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) fn(i);
    rounds.push(((performance.now() - t0) * 1e6) / n);
  }
  return median(rounds);
}

export async function hotPath(n, runs) {
  localStorage.clear();
  const kr = new byok.Keyring({ namespace: "bench-hot", storage: "local", iterations: 100_000, platformOnly: ["deep-analysis"] });
  await kr.create(PASSPHRASE);
  kr.set("openai", OPENAI_KEY);
  const anthropic = "sk-ant-api03-" + chars(93, 3) + "AA";
  // Plain-JS baselines of the same decisions.
  const enabled = new Map([["openai", true]]);
  const unlocked = true;
  const platformOnly = new Set(["deep-analysis"]);
  const store = new Map([["openai", OPENAI_KEY]]);
  const openaiRe = /^sk-(proj-|svcacct-|admin-|None-)?[A-Za-z0-9_-]{37,197}$/;
  const setN = Math.min(n, 2_000); // each set writes localStorage
  const rows = {
    isByok: [perCall(n, runs, () => kr.isByok("openai")), perCall(n, runs, () => unlocked && enabled.get("openai") === true)],
    shouldDeductCredits: [
      perCall(n, runs, (i) => kr.shouldDeductCredits("openai", i & 1 ? "deep-analysis" : undefined)),
      perCall(n, runs, (i) => !(unlocked && enabled.get("openai") === true) || platformOnly.has(i & 1 ? "deep-analysis" : undefined)),
    ],
    "validate (164-char OpenAI key)": [perCall(n, runs, () => byok.validate("openai", OPENAI_KEY)), perCall(n, runs, () => openaiRe.test(OPENAI_KEY.trim()))],
    mask: [perCall(n, runs, () => byok.mask(OPENAI_KEY)), perCall(n, runs, () => OPENAI_KEY.slice(0, 4) + "••••••••" + OPENAI_KEY.slice(-4))],
    get: [perCall(n, runs, () => kr.get("openai")), perCall(n, runs, () => store.get("openai"))],
    "set (incl. storage write)": [
      perCall(setN, runs, (i) => kr.set(i & 1 ? "openai" : "anthropic", i & 1 ? OPENAI_KEY : anthropic)),
      perCall(setN, runs, (i) => localStorage.setItem("plain-" + (i & 1), JSON.stringify({ key: i & 1 ? OPENAI_KEY : anthropic }))),
    ],
  };
  const out = {};
  for (const [name, [lib, js]] of Object.entries(rows)) out[name] = { ns: lib, baselineNs: js };
  out._calls = { n, setN };
  return out;
}

window.bench = { initTime, unlock, hotPath };
window.benchReady = true;
