// byok-keyring/react: React hooks over a Keyring (React >= 18, an optional
// peer dependency: an app that does not import this file pays nothing for it).
// scripts/package.mjs copies it to pkg/react.js, and to pkg/react-node.js
// (the "node" condition) importing ./node.js instead of ./index.js.
import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from "react";
import init, { Keyring } from "./index.js";

// Keyrings this module freed: a render that still holds one treats it as gone.
const freed = new WeakSet();
const NO_KEYS = Object.freeze([]);
const MAX_DELAY = 2 ** 31 - 1; // setTimeout's longest delay
const noop = () => {};
const usable = (kr) => kr !== undefined && !freed.has(kr);

// Options compared by value: the same JSON text (object members sorted) is
// the same keyring, so an inline `useKeyring({ namespace })` does not make a
// new keyring on every render.
function canonical(value) {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const members = Object.keys(value)
      .filter((k) => value[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`);
    return `{${members.join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

// The next moment an answer can change with no call: the auto-lock moment or
// a key's expiry (from the keyring's decision object, which the core keeps up
// to date). Infinity when there is none.
function nextMoment(kr) {
  let s;
  try {
    s = kr.decisionSnapshot();
  } catch {
    return Infinity; // freed
  }
  const now = Date.now();
  let next = s.until > now ? s.until : Infinity;
  for (const t of s.keys.values()) if (t > now && t < next) next = t;
  return next;
}

// Calls `notify` after every change of `kr` (onChange: set, remove, lock,
// another tab…) and at the next moment an answer flips by itself.
function watch(kr, notify, moment = nextMoment) {
  if (!usable(kr)) return noop;
  let timer;
  const arm = () => {
    clearTimeout(timer);
    const at = moment(kr);
    if (at < Infinity) timer = setTimeout(tick, Math.min(Math.max(at - Date.now(), 0) + 1, MAX_DELAY));
  };
  const tick = () => {
    arm();
    notify();
  };
  let off;
  try {
    off = kr.onChange(tick);
  } catch {
    return noop;
  }
  arm();
  return () => {
    clearTimeout(timer);
    try {
      off();
    } catch {
      // the keyring was freed first: nothing is listening any more
    }
  };
}

/**
 * Loads the module (`init()`, once per page) and opens a keyring with
 * `options`; frees it on unmount and when the options change (compared by
 * value). `keyring` is undefined until it is ready; `state` follows it.
 */
export function useKeyring(options) {
  const key = canonical(options ?? {});
  const [held, setHeld] = useState();
  useEffect(() => {
    let live = true;
    let kr;
    init()
      .then(() => {
        if (!live) return;
        kr = new Keyring(JSON.parse(key));
        setHeld({ key, keyring: kr });
      })
      .catch((error) => {
        if (live) setHeld({ key, error });
      });
    return () => {
      live = false;
      if (kr) {
        freed.add(kr);
        kr.free();
      }
    };
  }, [key]);
  const current = held?.key === key ? held : undefined;
  const keyring = usable(current?.keyring) ? current.keyring : undefined;
  const subscribe = useCallback((notify) => watch(keyring, notify), [keyring]);
  const state = useSyncExternalStore(
    subscribe,
    () => {
      if (!usable(keyring)) return "loading";
      try {
        return keyring.state;
      } catch {
        return "loading";
      }
    },
    () => "loading",
  );
  return { keyring, state: keyring ? state : "loading", error: keyring ? undefined : current?.error };
}

/**
 * `keyring.isByok(provider)`, re-rendered when the answer changes: after a
 * set, remove, enable, lock or unlock, and when a key expires or the keyring
 * locks itself. False while `keyring` is undefined.
 */
export function useByok(keyring, provider) {
  const subscribe = useCallback((notify) => watch(keyring, notify), [keyring]);
  return useSyncExternalStore(
    subscribe,
    () => usable(keyring) && keyring.isByok(provider),
    () => false,
  );
}

// The earliest expiry still to come among the listed keys.
function nextExpiry(kr) {
  const now = Date.now();
  let next = Infinity;
  try {
    for (const k of kr.list()) if (k.expiresAt > now && k.expiresAt < next) next = k.expiresAt;
  } catch {
    return Infinity;
  }
  return next;
}

const sameKeys = (a, b) => a.length === b.length && JSON.stringify(a) === JSON.stringify(b);

/**
 * `keyring.list()` (every stored key's metadata, never a key), re-rendered on
 * change and when a key expires. The same array while nothing changed; an
 * empty one while `keyring` is undefined.
 */
export function useKeys(keyring) {
  const cache = useRef({ keyring: undefined, keys: NO_KEYS, stale: true });
  const subscribe = useCallback(
    (notify) => {
      // A change between the render and this subscription is seen by the
      // check React makes right after subscribing.
      cache.current.stale = true;
      return watch(keyring, () => {
        cache.current.stale = true;
        notify();
      }, nextExpiry);
    },
    [keyring],
  );
  const snapshot = () => {
    if (!usable(keyring)) return NO_KEYS;
    const c = cache.current;
    if (c.keyring === keyring && !c.stale) return c.keys;
    let keys;
    try {
      keys = keyring.list();
    } catch {
      keys = NO_KEYS;
    }
    if (c.keyring === keyring && sameKeys(c.keys, keys)) keys = c.keys;
    cache.current = { keyring, keys, stale: false };
    return keys;
  };
  return useSyncExternalStore(subscribe, snapshot, () => NO_KEYS);
}
