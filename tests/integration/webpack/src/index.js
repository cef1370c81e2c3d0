// The README's quick start in a webpack 5 app.
import init, { Keyring, validate, mask } from "byok-keyring";

const OPENAI_KEY = "sk-proj-" + "A1b2C3d4_-".repeat(7) + "abcd" + "T3BlbkFJ" + "z9Y8x7W6v5".repeat(7) + "uvwx";

async function main() {
  const out = {};
  try {
    new Keyring({ storage: "memory" });
  } catch (e) {
    out.before = e.code;
  }
  await init();
  const kr = new Keyring({ namespace: "webpack-app", iterations: 100000 });
  if (kr.state === "empty") await kr.create("correct horse battery");
  else await kr.unlock("correct horse battery");
  out.valid = validate("openai", OPENAI_KEY).valid;
  kr.set("openai", OPENAI_KEY, { model: "gpt-4o-mini" });
  out.state = kr.state;
  out.isByok = kr.isByok("openai");
  out.deduct = kr.shouldDeductCredits("openai");
  out.masked = mask(OPENAI_KEY);
  out.stored = /^\{"v":\d+,/.test(sessionStorage.getItem("byok-keyring:webpack-app") ?? "");
  out.backend = kr.kdfBackend;
  return out;
}

main()
  .catch((e) => ({ error: String((e && e.stack) || e) }))
  .then((out) => {
    window.__result = out;
    document.getElementById("out").textContent = JSON.stringify(out, null, 2);
  });
