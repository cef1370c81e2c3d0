// byok-keyring's entry point: the wasm-bindgen glue (./byok_keyring.js) behind
// an init() that loads the WebAssembly module once, and exports that throw a
// clear KeyringError "not_initialized" when used before init() has resolved.
// scripts/package.mjs copies this file to pkg/index.js and fills in the
// exports below from the glue's own export list.
import glueInit, * as glue from "./byok_keyring.js";

let ready = false;
let pending;
let memory; // the module's WebAssembly.Memory
// The module's exports have short names (scripts/short-names.mjs): its memory
// is the one export that is a WebAssembly.Memory.
const memoryOf = (exports) => Object.values(exports).find((v) => v instanceof WebAssembly.Memory);

const plain = (x) => x != null && Object.getPrototypeOf(x) === Object.prototype;

function check(what) {
  if (ready) return;
  const e = new Error(`byok-keyring is not initialized: call \`await init()\` (the package's default export) once before ${what}.`);
  e.name = "KeyringError";
  e.code = "not_initialized";
  throw e;
}

/**
 * Loads the WebAssembly module. `input`: nothing (the .wasm next to this
 * file), its URL, its bytes, a Response, a WebAssembly.Module, a Promise of
 * one, or `{ module_or_path }`. Idempotent: concurrent and later calls share
 * the first call's promise; after a failure the next call tries again.
 */
export default function init(input) {
  if (ready) return Promise.resolve();
  return (pending ??= glueInit(plain(input) ? input : { module_or_path: input }).then(
    (exports) => { memory = memoryOf(exports); ready = true; },
    (e) => { pending = undefined; throw e; },
  ));
}

/** Synchronous init from bytes or a WebAssembly.Module (or `{ module }`). */
export function initSync(input) {
  if (!ready) {
    memory = memoryOf(glue.initSync(plain(input) ? input : { module: input }));
    ready = true;
  }
}

const guard = (name, f) => function (...args) {
  check(`${name}()`);
  return f.apply(this, args);
};

// A class stays the glue's own class (instances made by the glue, such as
// those of a static factory, pass `instanceof`); `new` and its static
// methods are guarded.
const guardClass = (name, C) => {
  const statics = new Map();
  return new Proxy(C, {
    construct(target, args, newTarget) {
      check(`new ${name}()`);
      return Reflect.construct(target, args, newTarget);
    },
    get(target, key, receiver) {
      const v = Reflect.get(target, key, receiver);
      if (typeof v !== "function" || key === "prototype" || !Object.prototype.hasOwnProperty.call(target, key)) return v;
      if (!statics.has(key)) statics.set(key, guard(`${name}.${String(key)}`, v));
      return statics.get(key);
    },
  });
};

// The hot path. isByok and shouldDeductCredits run before every model call;
// they answer from the keyring's decision object, which the Rust core keeps
// up to date after every change (src/wasm/decisions.rs): { until, keys,
// only }. Expiry and auto-lock are moments compared with Date.now(), so they
// need no update when they pass. The rule is the core's (runs_on_user_key in
// src/keyring/decisions.rs). Arguments the fast path does not handle (not a
// string, or too long) go to the core, which throws the same errors as ever.
const SNAP = Symbol("decisions");
const FAST_LEN = 21845; // UTF-16 units surely within the core's 64 KiB limit
const K = glue.Keyring.prototype;
const coreIsByok = K.isByok;
const coreShould = K.shouldDeductCredits;
const snap = (kr) => (kr[SNAP] ??= kr.decisionSnapshot());
const fast = (p) => typeof p === "string" && p.length <= FAST_LEN;

function byok(s, provider) {
  const expires = s.keys.get(provider);
  if (expires === undefined) return false;
  const until = s.until;
  if (until === Infinity && expires === Infinity) return true;
  const now = Date.now();
  return now < until && now < expires;
}

// free() clears the decision object (Drop in src/wasm/decisions.rs); fetch it
// first, so a keyring freed before its first question answers as locked too.
const coreFree = K.free;
K.free = function free() {
  if (this.__wbg_ptr) snap(this);
  return coreFree.call(this);
};
if (typeof Symbol.dispose === "symbol") K[Symbol.dispose] = K.free;

K.isByok = function isByok(provider) {
  if (!fast(provider)) return coreIsByok.call(this, provider);
  return byok(this[SNAP] ?? snap(this), provider);
};

K.shouldDeductCredits = function shouldDeductCredits(provider, feature) {
  if (!fast(provider)) return coreShould.call(this, provider, feature);
  const s = this[SNAP] ?? snap(this);
  if (!byok(s, provider)) return true;
  if (feature == null) return false;
  if (!fast(feature)) return coreShould.call(this, provider, feature);
  return s.only.has(feature);
};

// The core's own answers, bypassing the snapshot: for the tests that compare
// the two after every kind of change. Not part of the API.
Object.defineProperty(glue.Keyring, Symbol.for("byok-keyring.coreDecision"), {
  value: {
    isByok: (kr, provider) => coreIsByok.call(kr, provider),
    shouldDeductCredits: (kr, provider, feature) => coreShould.call(kr, provider, feature),
  },
});

// validate, per keystroke of a settings form. The core judges every key
// (validateOutcome, src/validate.rs `outcome_id`): a number that fixes every
// field of the result but `normalized`, which is then the key itself. The
// first result for a number and provider is kept (a copy no caller sees) and
// copied after that, instead of building the object in WebAssembly; 0 means
// the result depends on more (whitespace around the key, a message naming a
// character in it, an unknown provider): the core builds it. The id and the
// key reach the core through a buffer in its memory (validateScratch(0, 1,
// 2): its address, id bytes, key bytes) that TextEncoder.encodeInto fills: no
// allocation and no copy loop per call.
// @internal validateOutcome validateScratch
const coreValidate = glue.validate;
const outcomes = new Map(); // provider -> (outcome number -> kept result)
let kept = 0;
const KEPT_MAX = 4096; // provider × code × detected: a few hundred in practice
const encoder = new TextEncoder();
let scratch; // [id part, key part]: views of the core's buffer
function scratchViews() {
  // A view of the old memory is empty (detached) once the memory grows.
  if (!scratch || scratch[0].byteLength === 0) {
    const [at, idBytes, keyBytes] = [0, 1, 2].map(glue.validateScratch);
    const buffer = memory.buffer;
    scratch = [new Uint8Array(buffer, at, idBytes), new Uint8Array(buffer, at + idBytes, keyBytes)];
  }
  return scratch;
}
function outcomeOf(provider, key) {
  const [idPart, keyPart] = scratchViews();
  const id = encoder.encodeInto(provider, idPart);
  const k = encoder.encodeInto(key, keyPart);
  return id.read === provider.length && k.read === key.length ? glue.validateOutcome(id.written, k.written) : 0;
}
function fastValidate(provider, key) {
  if (typeof provider !== "string" || typeof key !== "string") return coreValidate(provider, key);
  const id = outcomeOf(provider, key);
  const byId = id ? outcomes.get(provider) : undefined;
  const r = byId?.get(id);
  if (r) {
    const v = { ...r };
    if ("normalized" in v) v.normalized = key;
    return v;
  }
  const v = coreValidate(provider, key);
  if (id && kept < KEPT_MAX) {
    kept++;
    if (byId) byId.set(id, { ...v });
    else outcomes.set(provider, new Map([[id, { ...v }]]));
  }
  return v;
}
const own = { validate: fastValidate };

// @exports (generated by scripts/package.mjs)
