// The README's quick start in a Vite + TypeScript app.
import init, { Keyring, validate, mask, type KeyringError } from "byok-keyring";

const OPENAI_KEY = "sk-proj-" + "A1b2C3d4_-".repeat(7) + "abcd" + "T3BlbkFJ" + "z9Y8x7W6v5".repeat(7) + "uvwx";

interface Result {
  before?: string;
  state?: string;
  isByok?: boolean;
  deduct?: boolean;
  masked?: string;
  valid?: boolean;
  stored?: boolean;
  backend?: string;
  error?: string;
}

async function main(): Promise<Result> {
  const out: Result = {};
  try {
    new Keyring({ storage: "memory" });
  } catch (e) {
    out.before = (e as KeyringError).code;
  }
  await init();
  const kr = new Keyring({ namespace: "vite-app", iterations: 100000 });
  if (kr.state === "empty") await kr.create("correct horse battery");
  else await kr.unlock("correct horse battery");
  out.valid = validate("openai", OPENAI_KEY).valid;
  kr.set("openai", OPENAI_KEY, { model: "gpt-4o-mini" });
  out.state = kr.state;
  out.isByok = kr.isByok("openai");
  out.deduct = kr.shouldDeductCredits("openai");
  out.masked = mask(OPENAI_KEY);
  out.stored = /^\{"v":\d+,/.test(sessionStorage.getItem("byok-keyring:vite-app") ?? "");
  out.backend = kr.kdfBackend;
  return out;
}

main()
  .catch((e: unknown): Result => ({ error: String(e instanceof Error ? e.stack : e) }))
  .then((out) => {
    (window as unknown as { __result: Result }).__result = out;
    document.getElementById("out")!.textContent = JSON.stringify(out, null, 2);
  });
