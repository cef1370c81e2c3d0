"use client";
// A Client Component: the keyring lives in the browser. useKeyring loads the
// WebAssembly module and opens the user's vault (sessionStorage); the hooks
// re-render when it changes.
import { useState, type FormEvent } from "react";
import { validate } from "byok-keyring";
import { useByok, useKeyring, useKeys } from "byok-keyring/react";
import { PLATFORM_ONLY } from "@/lib/features";

export function KeySettings() {
  const { keyring, state, error } = useKeyring({ namespace: "nextjs-example", platformOnly: PLATFORM_ONLY });
  const byok = useByok(keyring, "openai");
  const keys = useKeys(keyring);
  const [passphrase, setPassphrase] = useState("");
  const [apiKey, setApiKey] = useState("");
  const [message, setMessage] = useState("");
  const [serverCheck, setServerCheck] = useState("");

  if (error) return <p role="alert">Could not open the keyring: {error.message}</p>;
  if (!keyring) return <p id="status">Loading…</p>;

  async function openVault(e: FormEvent) {
    e.preventDefault();
    try {
      if (state === "empty") await keyring!.create(passphrase);
      else await keyring!.unlock(passphrase);
      setPassphrase("");
      setMessage("");
    } catch (err) {
      setMessage((err as Error).message);
    }
  }

  function saveKey(e: FormEvent) {
    e.preventDefault();
    try {
      keyring!.set("openai", apiKey);
      setApiKey("");
      setMessage("Saved.");
    } catch (err) {
      setMessage((err as Error).message);
    }
  }

  async function checkOnServer() {
    const res = await fetch("/api/check-key", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ provider: "openai", key: apiKey, feature: "chat" }),
    });
    const r = (await res.json()) as { valid: boolean; code: string; masked: string; deduct: boolean };
    setServerCheck(`${r.masked}: ${r.code}, credits ${r.deduct ? "deducted" : "not deducted"}`);
  }

  const live = apiKey ? validate("openai", apiKey) : undefined;
  return (
    <section>
      <p id="status">Vault: {state}</p>
      <p id="byok">
        OpenAI calls run on {byok ? "your key" : "the platform's credits"}. Credits deducted for chat:{" "}
        {keyring.shouldDeductCredits("openai", "chat") ? "yes" : "no"}; for deep analysis:{" "}
        {keyring.shouldDeductCredits("openai", "deep-analysis") ? "yes" : "no"}.
      </p>

      {state !== "unlocked" ? (
        <form onSubmit={openVault}>
          <label>
            Passphrase{" "}
            <input type="password" value={passphrase} onChange={(e) => setPassphrase(e.target.value)} autoComplete="off" />
          </label>{" "}
          <button type="submit">{state === "empty" ? "Create vault" : "Unlock"}</button>
        </form>
      ) : (
        <form onSubmit={saveKey}>
          <label>
            OpenAI key{" "}
            <input value={apiKey} onChange={(e) => setApiKey(e.target.value)} autoComplete="off" spellCheck={false} />
          </label>{" "}
          <button type="submit" disabled={!live?.valid}>Save</button>{" "}
          <button type="button" disabled={!apiKey} onClick={checkOnServer}>Check on the server</button>{" "}
          <button type="button" onClick={() => keyring.lock()}>Lock</button>
          {live && !live.valid && <p id="feedback">{live.message}</p>}
        </form>
      )}
      {message && <p id="message">{message}</p>}
      {serverCheck && <p id="server-check">{serverCheck}</p>}

      <ul id="keys">
        {keys.map((k) => (
          <li key={k.provider}>
            {k.name}: {k.masked}{" "}
            <button type="button" onClick={() => keyring.remove(k.provider)}>Remove</button>
          </li>
        ))}
      </ul>
    </section>
  );
}
