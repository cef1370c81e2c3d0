// The user's own API keys, kept encrypted in this browser tab
// (sessionStorage). useKeyring loads the WebAssembly module and opens the
// vault; useByok and useKeys re-render when it changes.
import { useState } from "react";
import { validate } from "byok-keyring";
import { useByok, useKeyring, useKeys } from "byok-keyring/react";

export function KeySettings() {
  const { keyring, state, error } = useKeyring({ namespace: "react-example", platformOnly: ["deep-analysis"] });
  const byok = useByok(keyring, "openai");
  const keys = useKeys(keyring);
  const [passphrase, setPassphrase] = useState("");
  const [apiKey, setApiKey] = useState("");
  const [message, setMessage] = useState("");

  if (error) return <p role="alert">Could not open the keyring: {error.message}</p>;
  if (!keyring) return <p id="status">Loading…</p>;

  async function openVault(e) {
    e.preventDefault();
    try {
      if (state === "empty") await keyring.create(passphrase);
      else await keyring.unlock(passphrase);
      setPassphrase("");
      setMessage("");
    } catch (err) {
      setMessage(err.message);
    }
  }

  function saveKey(e) {
    e.preventDefault();
    try {
      keyring.set("openai", apiKey);
      setApiKey("");
      setMessage("Saved.");
    } catch (err) {
      setMessage(err.message);
    }
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
          <button type="button" onClick={() => keyring.lock()}>Lock</button>
          {live && !live.valid && <p id="feedback">{live.message}</p>}
        </form>
      )}
      {message && <p id="message">{message}</p>}

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
