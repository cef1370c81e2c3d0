//! Moving keys in and out: a plaintext key an app kept in storage, and the
//! encrypted vault exported to another browser (docs/FORMAT.md §8).
use super::{ChangeEvent, ChangeKind, KeyInfo, Keyring, SetOptions, Stored};
use crate::error::{Error, ErrorCode, Result};
use crate::format::{self, Vault};
use crate::json::{self, Value};
use crate::secret::ApiKey;
use crate::storage::Storage;
use serde::Serialize;

/// The `format` field of an exported vault.
pub const EXPORT_FORMAT: &str = "byok-keyring-export/1";

/// An exported vault (docs/FORMAT.md §8): the stored JSON text, still
/// encrypted, with the namespace it is bound to.
#[derive(Serialize)]
struct ExportJson<'a> {
    format: &'a str,
    namespace: &'a str,
    vault: &'a str,
}

/// An export as read back: its namespace and the vault text.
struct Export {
    namespace: String,
    vault: String,
}

impl Export {
    /// `None` unless `text` is an export of [`EXPORT_FORMAT`] with exactly
    /// the fields `format`, `namespace` and `vault`.
    fn parse(text: &str) -> Option<Export> {
        let root = json::parse(text)?;
        if !json::only_keys(&root, &["format", "namespace", "vault"])
            || root.member("format")?.text()? != EXPORT_FORMAT
        {
            return None;
        }
        Some(Export {
            namespace: root.member("namespace")?.text()?,
            vault: root.member("vault")?.text()?,
        })
    }
}

impl Keyring {
    // ---- moving keys in and out ----

    /// Moves a key that an app kept in plaintext (`plain.read(item)`) into
    /// the vault (needs unlocked). The plaintext item is removed only after
    /// the encrypted write succeeded; an invalid key leaves it in place. A
    /// JSON-quoted value (`"sk-…"`, as `JSON.stringify` writes) is unquoted.
    pub fn import_plaintext(
        &mut self,
        provider: &str,
        plain: &dyn Storage,
        item: &str,
    ) -> Result<KeyInfo> {
        Self::provider(provider)?;
        let Some(text) = plain.read(item)?.map(ApiKey::new) else {
            return Err(Error::invalid_argument(
                "There is no plaintext key under that storage name.",
            ));
        };
        let unquoted = json::parse(text.expose())
            .and_then(|v| v.text())
            .map(ApiKey::new);
        let key = unquoted.as_ref().unwrap_or(&text);
        let info = self.set(provider, key.expose(), SetOptions::default())?;
        plain.remove(item).map_err(|_| {
            Error::new(
                ErrorCode::StorageUnavailable,
                "The key was saved encrypted, but the browser refused to remove the plaintext copy.",
            )
        })?;
        Ok(info)
    }

    /// The stored vault, still encrypted, wrapped with its namespace, for
    /// moving it to another browser ([`Keyring::import_vault`]). The
    /// passphrase moves with the user, not with the export.
    pub fn export_vault(&mut self) -> Result<String> {
        self.reload()?;
        let Stored::Vault { text, .. } = &self.stored else {
            return Err(match &self.stored {
                Stored::Corrupt { why, .. } => Error::corrupt(why),
                _ => Error::no_vault(),
            });
        };
        let export = ExportJson {
            format: EXPORT_FORMAT,
            namespace: &self.opts.namespace,
            vault: text,
        };
        crate::json::to_string(&export).ok_or_else(Error::unwritable)
    }

    /// Stores a vault exported by [`Keyring::export_vault`] in this
    /// (empty) namespace. The export must be of the same namespace: records
    /// are bound to it and would not decrypt elsewhere. The keyring stays
    /// locked; unlock it with the vault's passphrase.
    pub fn import_vault(&mut self, export: &str) -> Result<()> {
        let bad = || Error::invalid_argument("This is not a vault exported by byok-keyring.");
        if export.len() > format::MAX_VAULT_BYTES * 2 {
            return Err(bad());
        }
        let export = Export::parse(export).ok_or_else(bad)?;
        if export.namespace != self.opts.namespace {
            return Err(Error::invalid_argument(
                "This export belongs to another namespace (another user); open a Keyring with that namespace to import it.",
            ));
        }
        let vault = Vault::parse(&export.vault).map_err(|why| Error::corrupt(&why))?;
        if let Some(kdf) = vault.passphrase_kdf() {
            self.check_work(kdf)?;
        }
        self.reload()?;
        if !matches!(self.stored, Stored::Empty) {
            return Err(Error::new(
                ErrorCode::AlreadyExists,
                "A vault already exists here; reset() it first to replace it with the import.",
            ));
        }
        self.write(vault, &[])?;
        self.events.push(ChangeEvent {
            kind: ChangeKind::External,
            provider: None,
        });
        Ok(())
    }

    /// The namespace stored in an export, so a caller can open the right
    /// keyring before importing.
    pub fn export_namespace(export: &str) -> Option<String> {
        Export::parse(export).map(|e| e.namespace)
    }
}
