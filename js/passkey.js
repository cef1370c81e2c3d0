// Passkeys: the WebAuthn ceremonies of addPasskey, create({ passkey }) and
// unlockWithPasskey. The core plans each one (src/keyring/passkeys.rs) and
// finishes it with `step`, synchronously: `step({ id, prf })` with the
// credential id and its PRF output (zeroed here after the call), or
// `step({ e: name })` when no usable answer came back (the DOMException's
// name; "" when the browser has no WebAuthn or no PRF output). Imported by
// src/wasm/passkeys.rs.

const webauthn = () => typeof PublicKeyCredential == "function" && !!navigator.credentials;
const b64url = (b) => btoa(String.fromCharCode(...b)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const result = (c) => c.getClientExtensionResults().prf?.results?.first;
const fail = (step, x) => step({ e: x?.name ?? "" });

function done(step, id, first) {
  const prf = new Uint8Array(first);
  try {
    return step({ id, prf });
  } finally {
    prf.fill(0);
  }
}

// One assertion over `creds` ([credential id, PRF input] pairs).
const assertion = (p, creds) =>
  navigator.credentials.get({
    publicKey: {
      challenge: p.challenge,
      rpId: p.rp,
      allowCredentials: creds.map(([id]) => ({ type: "public-key", id })),
      userVerification: "required",
      extensions: { prf: { evalByCredential: Object.fromEntries(creds.map(([id, first]) => [b64url(id), { first }])) } },
    },
  });

// addPasskey / create({ passkey }): `p` = { rp, user, name, challenge, salt,
// exclude }. A credential made without a usable PRF cannot unlock: the
// passkey provider is asked to forget it (where supported), and the core
// says why.
export async function register(step, p) {
  await null; // the operation starts after the call returns
  if (!webauthn()) return fail(step);
  let c, first, e;
  try {
    c = await navigator.credentials.create({
      publicKey: {
        rp: p.rp ? { id: p.rp, name: p.rp } : { name: location.hostname },
        user: { id: p.user, name: p.name, displayName: p.name },
        challenge: p.challenge,
        pubKeyCredParams: [{ type: "public-key", alg: -7 }, { type: "public-key", alg: -257 }],
        excludeCredentials: p.exclude.map((id) => ({ type: "public-key", id })),
        authenticatorSelection: { residentKey: "preferred", userVerification: "required" },
        extensions: { prf: { eval: { first: p.salt } } },
      },
    });
  } catch (x) {
    return fail(step, x);
  }
  const id = new Uint8Array(c.rawId);
  try {
    // Some authenticators evaluate the PRF only when asserting.
    if (c.getClientExtensionResults().prf?.enabled) first = result(c) ?? result(await assertion(p, [[id, p.salt]]));
  } catch (x) {
    e = x;
  }
  if (first) return done(step, id, first);
  PublicKeyCredential.signalUnknownCredential?.({ rpId: p.rp ?? location.hostname, credentialId: b64url(id) })?.catch(() => {});
  return fail(step, e);
}

// unlockWithPasskey: `p` = { rp, challenge, creds }.
export async function unlock(step, p) {
  await null;
  if (!webauthn()) return fail(step);
  let a;
  try {
    a = await assertion(p, p.creds);
  } catch (x) {
    return fail(step, x);
  }
  const first = result(a);
  return first ? done(step, new Uint8Array(a.rawId), first) : fail(step);
}
