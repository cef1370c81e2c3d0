use super::*;
use crate::limits::{MAX_CREDENTIAL_ID_LEN, MAX_MODEL_LEN, MAX_SLOTS};

#[test]
fn padding_round_trip() {
    for n in [0usize, 1, 63, 64, 65, 200] {
        let key = vec![b'k'; n];
        let p = pad(&key);
        assert_eq!(p.len() % PAD_TO, 0);
        assert!(p.len() >= PAD_TO);
        assert_eq!(unpad(&p), &key[..]);
    }
}

#[test]
fn aad_separates_namespace_provider_vault_and_version() {
    assert_ne!(record_aad("a", "bc"), record_aad("ab", "c"));
    assert_ne!(record_aad("a", "b"), record_aad_v1("a", "b"));
    assert_ne!(check_aad_v1("a"), record_aad_v1("a", ""));
    assert_ne!(slot_aad("a", &[1; 16], "p"), slot_aad("a", &[2; 16], "p"));
    assert_ne!(slot_aad("a", &[1; 16], "p"), slot_aad("b", &[1; 16], "p"));
}

#[test]
fn a_resume_tickets_associated_data_is_the_documented_bytes() {
    // docs/FORMAT.md, "Resume ticket": "byok-keyring" 0 "2" 0 "resume" 0
    // namespace 0 id (the vault id's base64 text), so that another
    // implementation can open the ticket.
    assert_eq!(
        resume_aad("user-42", &[0xfb; VAULT_ID_LEN]),
        b"byok-keyring\x002\x00resume\x00user-42\x00+/v7+/v7+/v7+/v7+/v7+w=="
    );
    assert_ne!(resume_aad("a", &[1; 16]), resume_aad("b", &[1; 16]));
    assert_ne!(resume_aad("a", &[1; 16]), resume_aad("a", &[2; 16]));
}

#[test]
fn newer_version_is_named() {
    let e = Vault::parse(r#"{"v":3,"whatever":true}"#).unwrap_err();
    assert_eq!(e, FormatError::UnsupportedVersion(3));
    assert!(e.to_string().contains("newer version"));
}

#[test]
fn garbage_is_not_a_vault() {
    assert_eq!(Vault::parse("hello").unwrap_err(), FormatError::NotAVault);
    assert_eq!(Vault::parse("{}").unwrap_err(), FormatError::NotAVault);
}

fn record() -> Record {
    Record {
        sealed: Sealed {
            nonce: [1; NONCE_LEN],
            ciphertext: vec![2; TAG_LEN + PAD_TO],
        },
        masked: "gsk_••••••••abcd".into(),
        model: Some("llama".into()),
        base_url: None,
        enabled: true,
        created_at: 1,
        updated_at: 2,
        expires_at: Some(3),
    }
}

fn vault() -> Vault {
    let mut slots = LiteMap::new();
    slots.insert(
        PASSPHRASE_SLOT.to_string(),
        Slot {
            kind: SlotKind::Passphrase(KdfParams {
                salt: [3; SALT_LEN],
                iterations: MIN_ITERATIONS,
            }),
            wrapped: Sealed {
                nonce: [4; NONCE_LEN],
                ciphertext: vec![5; 48],
            },
        },
    );
    Vault {
        id: [9; VAULT_ID_LEN],
        slots,
        records: [("groq".to_string(), record())].into_iter().collect(),
        macs: [("groq".to_string(), [6; MAC_LEN])].into_iter().collect(),
        removed: [("openai".to_string(), 7)].into_iter().collect(),
        disabled: LiteMap::new(),
        mac: [8; MAC_LEN],
        legacy: None,
    }
}

/// A well-formed version 2 vault as text, with `edit` applied to its JSON.
fn vault_text(edit: impl FnOnce(&mut serde_json::Value)) -> String {
    let mut json: serde_json::Value = serde_json::from_str(&vault().to_json().unwrap()).unwrap();
    edit(&mut json);
    json.to_string()
}

#[test]
fn version_2_round_trips() {
    let v = vault();
    assert_eq!(Vault::parse(&v.to_json().unwrap()).unwrap(), v);
}

fn with_passkey(rp_id: Option<&str>) -> Vault {
    let mut v = vault();
    v.slots.insert(
        "passkey-0a1b2c3d4e5f".into(),
        Slot {
            kind: SlotKind::Passkey(Passkey {
                credential: vec![7; 64],
                salt: [8; PRF_SALT_LEN],
                name: "Work laptop".into(),
                rp_id: rp_id.map(String::from),
                created_at: 1_700_000_000_000,
            }),
            wrapped: Sealed {
                nonce: [1; NONCE_LEN],
                ciphertext: vec![2; 48],
            },
        },
    );
    v
}

#[test]
fn passkey_slots_round_trip() {
    for rp in [None, Some("example.com")] {
        let v = with_passkey(rp);
        assert_eq!(Vault::parse(&v.to_json().unwrap()).unwrap(), v);
    }
}

#[test]
fn malformed_passkey_slots_are_refused() {
    let id = "passkey-0a1b2c3d4e5f";
    let text = |edit: &dyn Fn(&mut serde_json::Value)| {
        let mut json: serde_json::Value =
            serde_json::from_str(&with_passkey(None).to_json().unwrap()).unwrap();
        edit(&mut json["slots"][id]);
        json.to_string()
    };
    type Edit<'a> = &'a dyn Fn(&mut serde_json::Value);
    let refused: [(&str, Edit); 10] = [
        ("no credential", &|s| {
            s["credential"] = serde_json::Value::Null
        }),
        ("empty credential", &|s| s["credential"] = "".into()),
        ("credential too long", &|s| {
            s["credential"] = "A".repeat(1400).into()
        }),
        ("short salt", &|s| s["salt"] = "AAAA".into()),
        ("long name", &|s| s["name"] = "n".repeat(65).into()),
        ("long rpId", &|s| s["rpId"] = "a".repeat(254).into()),
        ("no createdAt", &|s| {
            s.as_object_mut().unwrap().remove("createdAt");
        }),
        ("a kdf in a passkey slot", &|s| {
            s["kdf"] = serde_json::json!({})
        }),
        ("an unknown field", &|s| s["prf"] = "AAAA".into()),
        ("short wrapped key", &|s| s["key"] = "AAAA".into()),
    ];
    for (what, edit) in refused {
        assert!(Vault::parse(&text(edit)).is_err(), "{what}");
    }
    assert!(Vault::parse(&text(&|_| {})).is_ok());
}

#[test]
fn a_slot_with_a_field_of_another_kind_or_an_unknown_one_is_not_a_vault() {
    let passkey = "passkey-0a1b2c3d4e5f";
    let text = |slot: &str, field: &str| {
        let mut json: serde_json::Value =
            serde_json::from_str(&with_passkey(None).to_json().unwrap()).unwrap();
        json["slots"][slot][field] = "AAAA".into();
        json.to_string()
    };
    for (slot, field) in [
        ("passphrase", "prf"),
        ("passphrase", "credential"),
        (passkey, "prf"),
        (passkey, "kdf"),
    ] {
        assert_eq!(
            Vault::parse(&text(slot, field)).unwrap_err(),
            FormatError::NotAVault,
            "{field} in the {slot} slot"
        );
    }
}

#[test]
fn a_credential_id_may_be_exactly_the_longest_accepted() {
    let with_credential = |len: usize| {
        let mut v = with_passkey(None);
        let slot = v.slots.get_mut("passkey-0a1b2c3d4e5f").unwrap();
        let SlotKind::Passkey(p) = &mut slot.kind else {
            unreachable!()
        };
        p.credential = vec![0xfb; len];
        v
    };
    let longest = with_credential(MAX_CREDENTIAL_ID_LEN);
    assert_eq!(Vault::parse(&longest.to_json().unwrap()).unwrap(), longest);
    assert_eq!(
        Vault::parse(
            &with_credential(MAX_CREDENTIAL_ID_LEN + 1)
                .to_json()
                .unwrap()
        )
        .unwrap_err(),
        FormatError::BadField("slots.credential")
    );
}

#[test]
fn a_vault_may_hold_exactly_the_most_slots_accepted() {
    let with_slots = |n: usize| {
        let mut v = with_passkey(None);
        let passkey = v.slots.get("passkey-0a1b2c3d4e5f").unwrap().clone();
        for i in v.slots.len()..n {
            v.slots.insert(
                crate::text::concat(&["passkey-", &crate::text::decimal(i)]),
                passkey.clone(),
            );
        }
        assert_eq!(v.slots.len(), n);
        v
    };
    let most = with_slots(MAX_SLOTS);
    assert_eq!(Vault::parse(&most.to_json().unwrap()).unwrap(), most);
    assert_eq!(
        Vault::parse(&with_slots(MAX_SLOTS + 1).to_json().unwrap()).unwrap_err(),
        FormatError::BadField("slots")
    );
}

#[test]
fn null_optional_fields_mean_absent() {
    let v = Vault::parse(&vault_text(|j| {
        j["records"]["groq"]["model"] = serde_json::Value::Null;
        j["records"]["groq"]["expiresAt"] = serde_json::Value::Null;
    }))
    .unwrap();
    let r = v.records.get("groq").unwrap();
    assert_eq!((r.model.as_deref(), r.expires_at), (None, None));
}

#[test]
fn every_version_but_1_and_2_is_refused_by_name() {
    for (v, want) in [
        (0, FormatError::UnknownVersion(0)),
        (3, FormatError::UnsupportedVersion(3)),
    ] {
        let text = vault_text(|j| j["v"] = v.into());
        assert_eq!(Vault::parse(&text).unwrap_err(), want, "v = {v}");
    }
    assert!(Vault::parse(&vault_text(|_| {})).is_ok());
}

#[test]
fn a_slot_holds_exactly_a_wrapped_key_and_a_known_kind() {
    use base64ct::{Base64, Encoding};
    for bytes in [47usize, 49, 16, 0] {
        let text = vault_text(|j| {
            j["slots"]["passphrase"]["key"] = Base64::encode_string(&vec![1u8; bytes]).into()
        });
        assert_eq!(
            Vault::parse(&text).unwrap_err(),
            FormatError::BadField("slots.key"),
            "{bytes} bytes"
        );
    }
    let text = vault_text(|j| j["slots"]["passphrase"]["kind"] = "password".into());
    assert_eq!(
        Vault::parse(&text).unwrap_err(),
        FormatError::BadField("slots.kind")
    );
    let text = vault_text(|j| j["slots"] = serde_json::json!({}));
    assert_eq!(
        Vault::parse(&text).unwrap_err(),
        FormatError::BadField("slots")
    );
    let text = vault_text(|j| {
        let slot = j["slots"]["passphrase"].clone();
        j["slots"]["Not An Id"] = slot;
    });
    assert_eq!(
        Vault::parse(&text).unwrap_err(),
        FormatError::BadField("slots")
    );
}

#[test]
fn iterations_out_of_range_are_refused() {
    for n in [0u64, 99_999, 10_000_001, u64::from(u32::MAX) + 1] {
        let text = vault_text(|j| j["slots"]["passphrase"]["kdf"]["iterations"] = n.into());
        assert_eq!(
            Vault::parse(&text).unwrap_err(),
            FormatError::IterationsOutOfRange,
            "{n}"
        );
    }
}

#[test]
fn a_model_may_be_exactly_the_longest_accepted() {
    let at = |n: usize| {
        Vault::parse(&vault_text(|j| {
            j["records"]["groq"]["model"] = "m".repeat(n).into();
        }))
    };
    assert!(at(MAX_MODEL_LEN).is_ok());
    assert_eq!(
        at(MAX_MODEL_LEN + 1).unwrap_err(),
        FormatError::BadField("records.model")
    );
}

#[test]
fn a_vault_may_be_exactly_the_largest_accepted() {
    // Padded with spaces (still JSON) to an exact length.
    let pad_to = |n: usize| {
        let mut text = vault_text(|_| {});
        text.insert_str(1, &" ".repeat(n - text.len()));
        assert_eq!(text.len(), n);
        text
    };
    assert!(Vault::parse(&pad_to(MAX_VAULT_BYTES)).is_ok());
    assert_eq!(
        Vault::parse(&pad_to(MAX_VAULT_BYTES + 1)).unwrap_err(),
        FormatError::TooLarge
    );
}

#[test]
fn a_record_may_hold_exactly_the_largest_ciphertext() {
    use base64ct::{Base64, Encoding};
    let largest = (MAX_RECORD_CIPHERTEXT - TAG_LEN) / PAD_TO * PAD_TO + TAG_LEN;
    let with_ct = |bytes: usize| {
        Vault::parse(&vault_text(|j| {
            j["records"]["groq"]["ct"] = Base64::encode_string(&vec![7u8; bytes]).into();
        }))
    };
    assert!(with_ct(largest).is_ok());
    for bad in [
        largest + PAD_TO,
        largest + 1,
        TAG_LEN + PAD_TO - 1,
        2 * MAX_RECORD_CIPHERTEXT,
    ] {
        assert_eq!(
            with_ct(bad).unwrap_err(),
            FormatError::BadField("records.ct"),
            "{bad} bytes"
        );
    }
}

#[test]
fn a_version_1_check_is_exactly_the_tag_of_nothing() {
    use base64ct::{Base64, Encoding};
    let v1 = |check_len: usize| {
        serde_json::json!({
            "v": 1,
            "kdf": {"name": KDF_NAME, "iterations": MIN_ITERATIONS, "salt": Base64::encode_string(&[1u8; 16])},
            "check": {"nonce": Base64::encode_string(&[2u8; 12]), "ct": Base64::encode_string(&vec![3u8; check_len])},
        })
        .to_string()
    };
    assert!(Vault::parse(&v1(16)).unwrap().legacy.is_some());
    for n in [17, 32, 8192] {
        assert_eq!(
            Vault::parse(&v1(n)).unwrap_err(),
            FormatError::BadField("check"),
            "{n}"
        );
    }
}

#[test]
fn every_authenticated_field_changes_the_mac_input() {
    let base = record();
    let input = |r: &Record| record_mac_input("ns", "groq", r);
    type Edit = Box<dyn Fn(&mut Record)>;
    let edits: Vec<Edit> = vec![
        Box::new(|r| r.sealed.nonce[0] ^= 1),
        Box::new(|r| r.sealed.ciphertext[0] ^= 1),
        Box::new(|r| r.masked.push('x')),
        Box::new(|r| r.model = None),
        Box::new(|r| r.base_url = Some("https://x".into())),
        Box::new(|r| r.enabled = false),
        Box::new(|r| r.created_at += 1),
        Box::new(|r| r.updated_at += 1),
        Box::new(|r| r.expires_at = None),
    ];
    for (i, edit) in edits.iter().enumerate() {
        let mut r = base.clone();
        edit(&mut r);
        assert_ne!(input(&r), input(&base), "edit {i}");
    }
    assert_ne!(
        record_mac_input("ns", "groq", &base),
        record_mac_input("ns", "openai", &base)
    );
    assert_ne!(
        record_mac_input("ns", "groq", &base),
        record_mac_input("other", "groq", &base)
    );
    let v = vault();
    let mut w = v.clone();
    if let Some(Slot {
        kind: SlotKind::Passphrase(kdf),
        ..
    }) = w.slots.get_mut(PASSPHRASE_SLOT)
    {
        kdf.iterations += 1;
    }
    assert_ne!(vault_mac_input("ns", &v), vault_mac_input("ns", &w));
    // Every field of a passkey slot is covered.
    let passkey = |edit: &dyn Fn(&mut Passkey)| {
        let mut w = v.clone();
        let mut p = Passkey {
            credential: vec![1, 2, 3],
            salt: [4; PRF_SALT_LEN],
            name: "laptop".into(),
            rp_id: None,
            created_at: 5,
        };
        edit(&mut p);
        w.slots.insert(
            "passkey-0".into(),
            Slot {
                kind: SlotKind::Passkey(p),
                wrapped: Sealed {
                    nonce: [6; 12],
                    ciphertext: vec![7; 48],
                },
            },
        );
        vault_mac_input("ns", &w)
    };
    let with_passkey = passkey(&|_| {});
    assert_ne!(with_passkey, vault_mac_input("ns", &v));
    let edits: [&dyn Fn(&mut Passkey); 5] = [
        &|p| p.credential.push(0),
        &|p| p.salt[0] ^= 1,
        &|p| p.name.push('!'),
        &|p| p.rp_id = Some("example.com".into()),
        &|p| p.created_at += 1,
    ];
    for (i, edit) in edits.iter().enumerate() {
        assert_ne!(passkey(*edit), with_passkey, "passkey edit {i}");
    }
    let mut w = v.clone();
    w.macs.insert("openai".into(), [0; MAC_LEN]);
    assert_ne!(vault_mac_input("ns", &v), vault_mac_input("ns", &w));
}
