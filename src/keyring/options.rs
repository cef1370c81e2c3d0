//! The options of a keyring and of `set`, checked.
use crate::credits::CreditPolicy;
use crate::error::{Error, Result};
use crate::format;
use crate::limits::{
    MAX_AUTO_LOCK_MS, MAX_EXPIRES_IN_MS, MAX_LABELS, MAX_LABEL_LEN, MAX_MIN_PASSPHRASE_LEN,
    MAX_MODEL_LEN, MAX_NAMESPACE_LEN, MIN_MIN_PASSPHRASE_LEN,
};
use crate::providers;
use crate::text::{concat, decimal};

/// Keyring options (the `new Keyring({...})` object), already checked.
#[derive(Clone, Debug)]
pub struct Options {
    /// One vault per signed-in user. Default `"default"`.
    pub namespace: String,
    /// PBKDF2 iterations for new vaults and upgrades. Default 600,000.
    pub iterations: u32,
    /// Shortest passphrase `create` / `changePassphrase` accept, at least
    /// 8. Default 8.
    pub min_passphrase_length: usize,
    /// Features the platform always pays for, and providers it serves.
    pub policy: CreditPolicy,
    /// Lock after this long without use. Default: never.
    pub auto_lock_ms: Option<u64>,
    /// Providers the app defines ([`crate::custom::define`]); defined when
    /// the keyring is made, for the whole module.
    pub providers: Vec<crate::custom::ProviderDef>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            namespace: "default".to_string(),
            iterations: format::DEFAULT_ITERATIONS,
            min_passphrase_length: 8,
            policy: CreditPolicy::default(),
            auto_lock_ms: None,
            providers: Vec::new(),
        }
    }
}

impl Options {
    /// Checks every option, with a message naming the one that is wrong.
    pub fn check(&self) -> Result<()> {
        let ns = &self.namespace;
        if ns.is_empty() || ns.len() > MAX_NAMESPACE_LEN || ns.chars().any(char::is_control) {
            return Err(Error::invalid_argument(concat(&[
                "namespace must be 1 to ",
                &decimal(MAX_NAMESPACE_LEN),
                " bytes without control characters.",
            ])));
        }
        if !(format::MIN_ITERATIONS..=format::MAX_ITERATIONS).contains(&self.iterations) {
            return Err(Error::invalid_argument(concat(&[
                "iterations must be between ",
                &decimal(format::MIN_ITERATIONS),
                " and ",
                &decimal(format::MAX_ITERATIONS),
                ".",
            ])));
        }
        if !(MIN_MIN_PASSPHRASE_LEN..=MAX_MIN_PASSPHRASE_LEN).contains(&self.min_passphrase_length)
        {
            return Err(Error::invalid_argument(concat(&[
                "minPassphraseLength must be between ",
                &decimal(MIN_MIN_PASSPHRASE_LEN),
                " and ",
                &decimal(MAX_MIN_PASSPHRASE_LEN),
                ".",
            ])));
        }
        if self
            .auto_lock_ms
            .is_some_and(|ms| ms == 0 || ms > MAX_AUTO_LOCK_MS)
        {
            return Err(Error::invalid_argument(concat(&[
                "autoLockMs must be between 1 and ",
                &decimal(MAX_AUTO_LOCK_MS),
                " (one week).",
            ])));
        }
        for (name, list) in [
            ("platformOnly", &self.policy.platform_only),
            ("platformProviders", &self.policy.platform_providers),
        ] {
            if list.len() > MAX_LABELS
                || list.iter().any(|s| s.is_empty() || s.len() > MAX_LABEL_LEN)
            {
                return Err(Error::invalid_argument(concat(&[
                    name,
                    " must hold at most ",
                    &decimal(MAX_LABELS),
                    " non-empty names of at most ",
                    &decimal(MAX_LABEL_LEN),
                    " bytes.",
                ])));
            }
        }
        if self.providers.len() > crate::limits::MAX_CUSTOM_PROVIDERS {
            return Err(Error::invalid_argument(crate::custom::TOO_MANY));
        }
        for def in &self.providers {
            crate::custom::define(def)?;
        }
        for p in &self.policy.platform_providers {
            if providers::find(p).is_none() {
                return Err(Error::unknown_provider(p));
            }
        }
        Ok(())
    }
}

/// What `set` accepts besides the key.
#[derive(Clone, Debug, Default)]
pub struct SetOptions {
    /// Model id to use with this key.
    pub model: Option<String>,
    /// The key stops being used this many milliseconds from now.
    pub expires_in_ms: Option<u64>,
    /// The endpoint the key is used with (an Azure OpenAI resource, an
    /// OpenAI-compatible gateway): the rules of `verify`'s `baseUrl`
    /// ([`crate::verify::check_base_url`]). Stored with the key, under the
    /// record's MAC; `verify` of the stored key uses it.
    pub base_url: Option<String>,
}

impl SetOptions {
    /// Checks both options, with a message naming the wrong one: what
    /// [`crate::Keyring::set`] refuses (and `set(..., { verify })` refuses
    /// before anything is sent).
    pub fn check(&self) -> Result<()> {
        if self
            .model
            .as_ref()
            .is_some_and(|m| m.len() > MAX_MODEL_LEN || m.chars().any(char::is_control))
        {
            return Err(Error::invalid_argument(concat(&[
                "model must be at most ",
                &decimal(MAX_MODEL_LEN),
                " bytes without control characters.",
            ])));
        }
        if self
            .expires_in_ms
            .is_some_and(|ms| ms == 0 || ms > MAX_EXPIRES_IN_MS)
        {
            return Err(Error::invalid_argument(
                "expiresInMs must be a positive number of milliseconds, at most ten years.",
            ));
        }
        self.base_url()?;
        Ok(())
    }

    /// The checked `baseUrl`, without trailing slashes.
    pub fn base_url(&self) -> Result<Option<String>> {
        self.base_url
            .as_deref()
            .map(crate::verify::check_base_url)
            .transpose()
    }
}
