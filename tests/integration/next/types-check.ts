// The types of byok-keyring/react, checked by `next build` (strict
// TypeScript, the example's tsconfig.json): what each hook returns, and
// mistakes that must not compile. Not part of the example app.
import type { KeyInfo, Keyring, KeyringState } from "byok-keyring";
import { useByok, useKeyring, useKeys, type UseKeyringResult } from "byok-keyring/react";

export function useTypesCheck(): string {
  const r: UseKeyringResult = useKeyring({ namespace: "n", storage: "memory", platformOnly: ["x"] });
  useKeyring();
  if (r.keyring) {
    const ready: Keyring = r.keyring;
    const state: KeyringState = r.state;
    const none: undefined = r.error;
    void [ready, state, none];
  } else {
    const loading: "loading" = r.state;
    const message: string | undefined = r.error?.message;
    void [loading, message];
  }
  const byok: boolean = useByok(r.keyring, "openai");
  const keys: KeyInfo[] = useKeys(r.keyring);
  // Any string is a provider id (apps define their own), but not a number.
  useByok(r.keyring, "my-gateway");
  // @ts-expect-error a provider id is a string
  useByok(r.keyring, 42);
  // @ts-expect-error a misspelt option
  useKeyring({ namespce: "n" });
  // @ts-expect-error not a keyring
  useKeys({ list: () => [] });
  // @ts-expect-error the state is a union, not any string
  const wrong: "ready" = r.state;
  return `${byok} ${keys.length} ${wrong}`;
}
