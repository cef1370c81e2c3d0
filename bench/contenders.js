// The libraries a frontend would pick instead of byok-keyring, bundled for
// the browser by esbuild (bench/run.mjs) so every contender runs in the same
// page with the same inputs.
// browser-passworder uses Node's Buffer; browser apps ship the `buffer` polyfill.
import { Buffer } from "buffer";
globalThis.Buffer ??= Buffer;
export { pbkdf2 as noblePbkdf2 } from "@noble/hashes/pbkdf2.js";
export { sha256 as nobleSha256 } from "@noble/hashes/sha2.js";
export { BYOKVault } from "byok-vault";
export { encrypt as passworderEncrypt, decrypt as passworderDecrypt } from "@metamask/browser-passworder";
