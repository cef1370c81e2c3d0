// byok-keyring/react under StrictMode (effects run twice in development):
// one component with all three hooks, driven by tests/integration/vite-react.test.mjs
// through window.__probe (what the last render saw) and window.__controls.
import { StrictMode, useState } from "react";
import { createRoot } from "react-dom/client";
import { Keyring } from "byok-keyring";
import { useByok, useKeyring, useKeys } from "byok-keyring/react";

// Every keyring alive, seen through the wasm-bindgen glue's pointer field:
// set when a Keyring is made, set to 0 by free().
const live = new Set();
const pointers = new WeakMap();
Object.defineProperty(Keyring.prototype, "__wbg_ptr", {
  configurable: true,
  get() {
    return pointers.get(this) ?? 0;
  },
  set(ptr) {
    pointers.set(this, ptr);
    if (ptr) live.add(this);
    else live.delete(this);
  },
});
window.__live = () => live.size;
window.__renders = [];

function Probe({ options }) {
  const { keyring, state, error } = useKeyring(options);
  const byok = useByok(keyring, "openai");
  const keys = useKeys(keyring);
  window.__renders.push({ state, byok, keys: keys.length });
  window.__probe = { keyring, state, byok, keys, error };
  return <pre id="out">{JSON.stringify({ state, byok, keys: keys.map((k) => k.provider), error: error?.message })}</pre>;
}

function App() {
  const [namespace, setNamespace] = useState("a");
  const [shown, setShown] = useState(true);
  const [, setTick] = useState(0);
  window.__controls = { setNamespace, setShown, rerender: () => setTick((t) => t + 1) };
  // A new options object on every render, equal by value: the same keyring.
  return shown ? <Probe options={{ namespace, storage: "memory", iterations: 100_000 }} /> : <p id="out">unmounted</p>;
}

createRoot(document.getElementById("root")).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
