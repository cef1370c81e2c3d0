// Types of byok-keyring/elements: the <byok-keys> settings popup.
// Needs the DOM library (HTMLElement); importing the module where
// customElements does not exist (server rendering) defines nothing.
import type { ChangeEvent, Keyring, KeyringOptions, KeyringState, ProviderId, VerifyOptions } from "./index.js";

/**
 * Every string the element shows, by name. Strings with placeholders
 * ({name}: the provider's display name, {keyLabel}: how the library names one
 * of its keys, "an OpenAI key") have them filled in when shown; a provider
 * row's strings may use {name} and {keyLabel} even where the default does not.
 */
export interface ByokKeysStrings {
    title: string;
    intro: string;
    close: string;
    trust: string;
    vaultTitle: string;
    createTitle: string;
    createHelp: string;
    /** Placeholders: {min}. */
    newPassphrase: string;
    confirmPassphrase: string;
    create: string;
    creating: string;
    lockedTitle: string;
    lockedHelp: string;
    passphrase: string;
    unlock: string;
    unlocking: string;
    unlockedTitle: string;
    unlockedHelp: string;
    /** Placeholders: {minutes}. */
    unlockedHelpAutoLock: string;
    lock: string;
    mismatch: string;
    created: string;
    unlocked: string;
    locked: string;
    corrupt: string;
    /** Placeholders: {message}. */
    unavailable: string;
    providersTitle: string;
    moreProviders: string;
    /** Placeholders: {count}. */
    moreConfigured: string;
    chipNone: string;
    chipOk: string;
    chipDisabled: string;
    chipLocked: string;
    chipExpired: string;
    /** Placeholders: {when}. */
    expiresAt: string;
    /** Placeholders: {when}. */
    expiredAt: string;
    /** Placeholders: {name}. */
    useKey: string;
    update: string;
    /** Placeholders: {name}. */
    updateLabel: string;
    remove: string;
    /** Placeholders: {name}. */
    removeLabel: string;
    /** Placeholders: {name}. */
    keyField: string;
    keyPlaceholder: string;
    keyPlaceholderKeep: string;
    model: string;
    region: string;
    expires: string;
    expiresNever: string;
    expires1h: string;
    expires1d: string;
    expires30d: string;
    add: string;
    save: string;
    /** Placeholders: {name}. */
    addLabel: string;
    /** Placeholders: {name}. */
    saveLabel: string;
    checkingButton: string;
    cancel: string;
    /** Placeholders: {name}. */
    formLabel: string;
    /** Placeholders: {keyLabel}, {name}. */
    getKey: string;
    /** Placeholders: {message}. */
    valid: string;
    /** Placeholders: {name}. */
    moveKey: string;
    /** Placeholders: {name}. */
    enabledOn: string;
    /** Placeholders: {name}. */
    enabledOff: string;
    /** Placeholders: {name}. */
    removed: string;
    needsCreate: string;
    needsUnlock: string;
    keyExpired: string;
    /** Placeholders: {name}. */
    savedKept: string;
    checking: string;
    cancelled: string;
    keyWorks: string;
    /** Placeholders: {name}. */
    callsUseKey: string;
    rejected: string;
    unverified: string;
    unsupported: string;
    deviceTitle: string;
    remember: string;
    rememberHelp: string;
    keptHere: string;
    keptSession: string;
    movedLocal: string;
    movedSession: string;
    /** Placeholders: {message}. */
    moveFailed: string;
    forget: string;
    forgetGroup: string;
    forgetQuestion: string;
    forgetYes: string;
    forgotten: string;
    usePasskey: string;
    passkeyCreated: string;
    passkeyUnlock: string;
    passkeysTitle: string;
    addPasskey: string;
    passkeyAdded: string;
    /** Placeholders: {when}. */
    passkeyAddedOn: string;
    /** Placeholders: {name} (the passkey's name). */
    removePasskeyLabel: string;
    passkeyRemoved: string;
    /** The strength meter's accessible name. */
    strength: string;
    /** Scores 0 and 1 of passphraseStrength. */
    strengthWeak: string;
    /** Score 2. */
    strengthFair: string;
    /** Score 3. */
    strengthGood: string;
    /** Score 4. */
    strengthStrong: string;
}

/** The default (English) strings. */
export declare const STRINGS: Readonly<ByokKeysStrings>;

/**
 * The `detail` of the element's events: the keyring's change, or "replaced"
 * when the element opened a new Keyring ("Remember on this device", or a
 * change of namespace, storage, platform-only or options): read `keyring` again.
 */
export interface ByokChangeDetail {
    type: ChangeEvent["type"] | "replaced";
    provider?: ProviderId;
    /** The keyring's state after the change. */
    state: KeyringState;
}

/** A sentence the library wrote, passed to `messages` for translation. */
export interface LibraryMessage {
    /** validate()'s feedback, a provider check's outcome, a KeyringError, or passphraseStrength's warning. */
    source: "validation" | "verification" | "error" | "strength";
    /** The Validation, Verification or KeyringError code ("wrong_provider", "network_error", "wrong_passphrase", …); "" for a strength warning. */
    code: string;
    /** The library's sentence (English). Never contains a key. */
    message: string;
    /** The provider row it is about, if any. */
    provider?: ProviderId;
}

/** What `verifyOptions` receives besides the provider. */
export interface VerifyContext {
    /** The region typed in a regional provider's row (Bedrock), if any. */
    region?: string;
    /** Aborted by Cancel or by closing the popup: pass it on. */
    signal: AbortSignal;
}

/**
 * Options of the Keyring the element creates; namespace, storage and
 * platformOnly come from its attributes. `resume` defaults to "tab" here
 * (storage "memory": "off"): the element calls `resume()` when it starts, so
 * a reload of the tab stays unlocked; `{ resume: "off" }` turns that off.
 */
export type ByokKeysKeyringOptions = Omit<KeyringOptions, "namespace" | "storage" | "platformOnly">;

/** The element's events. */
export interface ByokKeysEventMap extends HTMLElementEventMap {
    /** After every change of the keyring (set, remove, lock, another tab…), and "replaced". */
    "byok-change": CustomEvent<ByokChangeDetail>;
    /** The keyring became unlocked (create, unlock, a passkey, or resume after a reload). */
    "byok-unlock": CustomEvent<ByokChangeDetail>;
    /** The keyring stopped being unlocked (Lock, auto-lock, another tab, "Remember on this device", "Forget all keys"). */
    "byok-lock": CustomEvent<ByokChangeDetail>;
}

/**
 * `<byok-keys>`: the API keys settings popup. Attributes: `namespace`,
 * `providers` (space-separated ids shown, in order; "*" adds every other
 * provider under "More providers"; absent: all), `storage` ("session",
 * "local" or "memory", for a new vault), `platform-only` (space-separated
 * features), `inline` (a panel in the page instead of a modal dialog).
 */
export declare class ByokKeysElement extends HTMLElement {
    /** Resolves with the element's first Keyring once the library is loaded (and resumed, when it can be); rejects when storage cannot be opened. */
    readonly ready: Promise<Keyring>;
    /** The Keyring the popup manages; undefined until `ready`. Set it to manage an existing Keyring instead (the app frees it). */
    get keyring(): Keyring | undefined;
    set keyring(keyring: Keyring);
    /** The strings in use; set a partial table to replace some (the rest stay the defaults). */
    get strings(): Readonly<ByokKeysStrings>;
    set strings(replacements: Partial<ByokKeysStrings>);
    /** Options of the Keyring the element creates (iterations, autoLockMs, platformProviders, …). */
    get options(): ByokKeysKeyringOptions;
    set options(options: ByokKeysKeyringOptions);
    /** Where key checks go (the `verify` option of `set`); null: the provider itself, in the typed region. */
    verifyOptions: ((provider: ProviderId, context: VerifyContext) => VerifyOptions) | null;
    /** Rewrites the library's sentences (for translation); null shows them as they are. */
    messages: ((message: LibraryMessage) => string) | null;
    /** Whether the popup is open (always true inline, once connected). */
    readonly open: boolean;
    /** Opens the popup; with a provider id, brings its row into view and focuses it. Focus returns to the opener on close. */
    show(provider?: ProviderId): void;
    /** Closes the popup: stops any key check and clears what was typed. */
    close(): void;
    addEventListener<K extends keyof ByokKeysEventMap>(type: K, listener: (this: ByokKeysElement, ev: ByokKeysEventMap[K]) => unknown, options?: boolean | AddEventListenerOptions): void;
    addEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions): void;
    removeEventListener<K extends keyof ByokKeysEventMap>(type: K, listener: (this: ByokKeysElement, ev: ByokKeysEventMap[K]) => unknown, options?: boolean | EventListenerOptions): void;
    removeEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | EventListenerOptions): void;
}

declare global {
    interface HTMLElementTagNameMap {
        "byok-keys": ByokKeysElement;
    }
}
