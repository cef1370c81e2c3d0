// Every export and member of byok-keyring, used the way an app does, with
// the types spelled out: `tsc --noEmit` under `strict` must accept it.
import init, {
  initSync, Keyring, validate, mask, detectProvider, providers, verify, rulesVersion, defineProvider,
  passphraseStrength, type PassphraseStrength,
  type BuiltinProviderId, type KeyAlphabet, type ProviderDefinition,
  type ChangeEvent, type InitInput, type KeyInfo, type KeyringError, type KeyringErrorCode,
  type KeyringOptions, type KeyringState, type ProviderId, type ProviderInfo, type SetOptions,
  type Source, type StorageKind, type SyncInitInput, type Usage, type Validation, type ValidationCode,
  type Verification, type VerificationCode, type VerifyOptions, type VerifiedKeyInfo, type LockOptions,
  type PasskeyOptions, type PasskeyInfo, type UnlockMethod, type CreateWithPasskey,
} from "byok-keyring";

// Passkeys (type-checked only: WebAuthn needs a browser and an authenticator).
export async function passkeys(kr: Keyring, other: Keyring): Promise<string[]> {
  const options: PasskeyOptions = { name: "This laptop", rpId: "example.com" };
  const added: PasskeyInfo = await kr.addPasskey(options);
  await kr.addPasskey();
  const methods: UnlockMethod[] = kr.unlockMethods();
  const names = methods.map((m) => (m.kind === "passkey" ? `${m.name} ${m.createdAt}` : m.kind));
  await kr.unlockWithPasskey();
  const removed: boolean = await kr.removePasskey(added.id);
  const onlyPasskey: CreateWithPasskey = { passkey: { name: "Phone" } };
  await other.create(onlyPasskey);
  // @ts-expect-error: a passkey's options are not a passphrase
  await other.create({ name: "Phone" });
  const code: KeyringErrorCode = "passkey_unsupported";
  return [...names, String(removed), code];
}

export async function everything(wasm: ArrayBuffer, pasted: string): Promise<string[]> {
  const log: string[] = [];
  const inputs: InitInput[] = ["/byok_keyring_bg.wasm", new URL("https://example.test/k.wasm"), wasm, new Uint8Array(wasm)];
  const p: Promise<void> = init();
  await p;
  await init(inputs[0]);
  await init({ module_or_path: fetch("/byok_keyring_bg.wasm") });
  await init(Promise.resolve(new WebAssembly.Module(wasm)));
  const sync: SyncInitInput = new Uint8Array(wasm);
  initSync(sync);
  initSync({ module: wasm });

  const v: Validation = validate("openai", pasted);
  const code: ValidationCode = v.code;
  const detected: ProviderId | undefined = v.detected ?? detectProvider(pasted);
  const normalized: string = v.normalized ?? "";
  const masked: string = mask(pasted);
  const list: ProviderInfo[] = providers();
  const firstPrefix: string | undefined = list[0]?.prefixes[0];
  log.push(code, String(detected), normalized, masked, String(firstPrefix), String(v.valid), v.message, v.provider);
  for (const info of list) log.push(info.id, info.name, info.keyUrl, info.defaultModel);
  const rules: string = rulesVersion();
  log.push(rules);
  const strength: PassphraseStrength = passphraseStrength(pasted, "user-42");
  const score: 0 | 1 | 2 | 3 | 4 = passphraseStrength(pasted).score;
  const tips: string[] = strength.suggestions;
  log.push(String(score), strength.warning ?? "", ...tips);

  // A provider the app defines: its id works wherever a ProviderId does.
  const alphabet: KeyAlphabet = "alnum";
  const gateway: ProviderDefinition = {
    id: "corp-gateway", name: "Corp Gateway", prefixes: ["cgw-"], lengths: [36], alphabet,
    keyUrl: "https://corp.example/keys", defaultModel: "corp-large", baseUrl: "https://llm.corp.example/v1",
    auth: { header: "authorization", scheme: "Bearer" }, check: { method: "GET", path: "/models" },
  };
  const ollama: ProviderDefinition = { id: "ollama", name: "Ollama", baseUrl: "http://localhost:11434", auth: { header: "authorization" } };
  const defined: ProviderInfo = defineProvider(gateway);
  const builtin: BuiltinProviderId = "openai";
  const anyId: ProviderId = defined.id;
  log.push(validate(anyId, pasted).code, validate(builtin, pasted).code, String(new Keyring({ storage: "memory", providers: [gateway, ollama] }).isByok("ollama")));
  // @ts-expect-error: a definition needs a baseUrl and auth
  defineProvider({ id: "x", name: "X" });
  // @ts-expect-error: alphabets are named
  const badAlphabet: ProviderDefinition = { ...ollama, alphabet: "klingon" };
  log.push(badAlphabet.id);

  const storage: StorageKind = "memory";
  const options: KeyringOptions = {
    namespace: "user-42", storage, iterations: 100_000, minPassphraseLength: 8, kdf: "auto",
    platformOnly: ["deep-analysis"], platformProviders: ["openai"], autoLockMs: 60_000,
  };
  const kr = new Keyring(options);
  new Keyring();
  new Keyring(null);
  const state: KeyringState = kr.state;
  const ns: string = kr.namespace;
  const backend: "webcrypto" | "wasm" = kr.kdfBackend;
  const off: () => void = kr.onChange((e: ChangeEvent) => {
    const t: ChangeEvent["type"] = e.type;
    const s: KeyringState = e.state;
    log.push(t, s, e.provider ?? "");
  });
  await kr.create("correct horse battery");
  await kr.unlock("correct horse battery");
  await kr.changePassphrase("correct horse battery", "another long passphrase");
  const setOptions: SetOptions = { model: "gpt-4o-mini", expiresInMs: 3_600_000 };
  const info: KeyInfo = kr.set("openai", pasted, setOptions);
  kr.set("anthropic", pasted);
  const expiresAt: number | undefined = info.expiresAt;
  log.push(info.provider, info.name, info.masked, info.model ?? "", String(info.enabled), String(info.createdAt), String(info.updatedAt), String(expiresAt), String(info.expired));
  const key: string | undefined = kr.get("openai");
  const headers: Record<string, string> | undefined = kr.authHeaders("anthropic");
  const azure: KeyInfo = kr.set("azureopenai", pasted, { baseUrl: "https://my-resource.openai.azure.com" });
  const endpoint: string | undefined = kr.endpoint("azureopenai") ?? azure.baseUrl;
  const stored: Verification | undefined = await kr.verify("azureopenai", { timeoutMs: 5_000 });
  log.push(String(endpoint), String(stored?.code));
  const status: number | undefined = kr.withKey("openai", (apiKey: string, h: Record<string, string>) => apiKey.length + Object.keys(h).length);
  const verifyOptions: VerifyOptions = { baseUrl: "/api/openai", timeoutMs: 5_000, signal: new AbortController().signal, region: "eu-west-1" };
  const verdict: Verification = await verify("openai", pasted, verifyOptions);
  const verdictCode: VerificationCode = verdict.code;
  const verified: VerifiedKeyInfo = await kr.set("openai", pasted, { model: "gpt-4o", verify: true });
  const verifiedCode: VerificationCode = verified.verification.code;
  await verify("openai", pasted);
  log.push(String(headers?.authorization), String(status), String(verdict.ok), String(verdict.status), verdict.message, verdict.provider, verdictCode, verifiedCode);
  const removed: boolean = kr.remove("anthropic");
  const enabled: boolean = kr.setEnabled("openai", true);
  const infos: KeyInfo[] = kr.list();
  const byok: boolean = kr.isByok("openai");
  const deduct: boolean = kr.shouldDeductCredits("openai", "deep-analysis") || kr.shouldDeductCredits("openai") || kr.shouldDeductCredits("openai", null);
  const source: Source = kr.source("openai");
  kr.recordUsage("openai", "chat");
  kr.recordUsage("openai");
  const usage: Record<string, Usage> = kr.usage();
  const calls: number = (usage.openai?.byok ?? 0) + (usage.openai?.platform ?? 0);
  const exported: string = kr.exportVault();
  const moved: Keyring = Keyring.importVault(exported, { storage: "memory" });
  const movedState: KeyringState = moved.state;
  const migrated: KeyInfo = kr.importPlaintext("openai", "legacy-openai-key");
  kr.importPlaintext("anthropic", "legacy-anthropic-key", "session");
  log.push(movedState, migrated.masked);
  kr.lock();
  const resumable: KeyringOptions = { namespace: "user-42", resume: "tab", resumeTtlMs: 1_800_000 };
  // @ts-expect-error: resume is "off" or "tab"
  const badResume: KeyringOptions = { resume: "always" };
  const resumed: boolean = await kr.resume();
  log.push(String(resumable.resume), String(badResume.resume), String(resumed));
  const lockOptions: LockOptions = { everywhere: true };
  kr.lock(lockOptions);
  kr.reset();
  off();
  kr.free();
  log.push(state, ns, backend, String(key), String(removed), String(enabled), String(infos.length), String(byok), String(deduct), source, String(calls));

  try {
    kr.get("openai");
  } catch (e) {
    const err = e as KeyringError;
    const c: KeyringErrorCode = err.code;
    const name: "KeyringError" = err.name;
    if (c === "not_initialized" || c === "locked" || c === "storage_unavailable") log.push(name, err.message);
    if (c === "invalid_key" && err.details) log.push(err.details.code, err.details.message);
  }
  return log;
}

// The types are precise, not `any`: each line below must be an error.
export function mistakes(kr: Keyring): void {
  // @ts-expect-error: a provider id is a string (an app may define its own ids)
  kr.set(42, "key");
  // @ts-expect-error: misspelt option
  new Keyring({ storge: "memory" });
  // @ts-expect-error: not a storage kind
  new Keyring({ storage: "cookie" });
  // @ts-expect-error: state is a string union
  const n: number = kr.state;
  // @ts-expect-error: init resolves to nothing useful
  init().then((x) => x.memory);
  // @ts-expect-error: validate needs two strings
  validate("openai");
  // @ts-expect-error: list() never returns keys
  kr.list()[0].key;
  // @ts-expect-error: set() without verify is synchronous
  kr.set("openai", "key").then(() => {});
  void n;
}
