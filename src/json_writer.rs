//! A `serde::Serializer` that writes compact JSON text: the stored vault,
//! an export, and (parsed by the engine's `JSON.parse`) the results the
//! browser API returns as plain objects.
//!
//! It writes what `serde_json::to_string` writes for every type this crate
//! serializes, byte for byte (the unit tests compare the two): structs and
//! maps as objects in field / insertion order, sequences and tuples as
//! arrays, `None` and `()` as `null`, unit variants as their name, newtype
//! variants as `{"Variant":value}`, bytes as an array of numbers, strings
//! escaped as `JSON.stringify` and serde_json escape them (`\"`, `\\`,
//! `\b`, `\f`, `\n`, `\r`, `\t`, other control characters as `\u00xx`).
//! Integers are written only within JavaScript's safe-integer range, so
//! every number reads back exactly; floats, which nothing here serializes,
//! are refused (the `.wasm` carries no float formatting), as are tuple and
//! struct variants and map keys that are not strings.
//!
//! The same writer runs natively and in the browser, so the native tests
//! see the text the browser stores. In the browser it replaces building a
//! JavaScript object field by field and `JSON.stringify`: one string
//! crosses into JavaScript instead of one per field.

use serde::ser::{self, Impossible, Serialize};

/// A value could not be written (a float, an integer beyond 2^53 − 1, a
/// map key that is not a string, a tuple or struct variant). Carries no
/// text: every caller replaces it with its own.
#[derive(Debug)]
pub(crate) struct Unconvertible;

impl std::fmt::Display for Unconvertible {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("unconvertible value")
    }
}

impl std::error::Error for Unconvertible {}

impl ser::Error for Unconvertible {
    fn custom<T: std::fmt::Display>(_: T) -> Self {
        Unconvertible
    }
}

type Result<T = ()> = std::result::Result<T, Unconvertible>;

/// `value` as compact JSON text.
pub(crate) fn to_string<T: Serialize + ?Sized>(value: &T) -> Result<String> {
    let mut out = String::new();
    value.serialize(Writer(&mut out))?;
    Ok(out)
}

/// Writes one value at the end of the string.
struct Writer<'a>(&'a mut String);

/// An array or an object being written: whether the next member is the
/// first (no comma before it), and the bracket that closes it.
pub(crate) struct Compound<'a> {
    out: &'a mut String,
    first: bool,
    close: char,
}

impl Compound<'_> {
    /// The comma before every member but the first.
    fn separate(&mut self) {
        if !self.first {
            self.out.push(',');
        }
        self.first = false;
    }

    /// The comma (unless first) and `"key":` before a struct's field. A
    /// field name is a Rust identifier or a `rename` of one: nothing in it
    /// needs escaping.
    #[inline(never)]
    fn field(&mut self, key: &str) {
        self.separate();
        self.out.push('"');
        self.out.push_str(key);
        self.out.push_str("\":");
    }

    fn end(self) -> Result {
        self.out.push(self.close);
        Ok(())
    }
}

/// `s` as a JSON string, quoted and escaped.
#[inline(never)]
fn write_str(out: &mut String, s: &str) {
    out.push('"');
    let bytes = s.as_bytes();
    // Runs of bytes that need no escape are copied whole; every byte that
    // does is ASCII, so each run ends on a character boundary (`get` never
    // fails, and keeps the panicking `str` slicing out of the .wasm).
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(s.get(start..i).unwrap_or_default());
        if escape.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.push_str("\\u00");
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0xf)]));
        } else {
            out.push_str(escape);
        }
        start = i + 1;
    }
    out.push_str(s.get(start..).unwrap_or_default());
    out.push('"');
}

/// An unsigned integer, if a JavaScript number holds it exactly.
fn write_whole(out: &mut String, n: u64) -> Result {
    if n > crate::json::MAX_SAFE_INTEGER {
        return Err(Unconvertible);
    }
    out.push_str(crate::text::digits(n, &mut [0; 20]));
    Ok(())
}

impl<'a> ser::Serializer for Writer<'a> {
    type Ok = ();
    type Error = Unconvertible;
    type SerializeSeq = Compound<'a>;
    type SerializeTuple = Compound<'a>;
    type SerializeTupleStruct = Compound<'a>;
    type SerializeTupleVariant = Impossible<(), Unconvertible>;
    type SerializeMap = Compound<'a>;
    type SerializeStruct = Compound<'a>;
    type SerializeStructVariant = Impossible<(), Unconvertible>;

    fn serialize_bool(self, v: bool) -> Result {
        self.0.push_str(if v { "true" } else { "false" });
        Ok(())
    }
    fn serialize_i8(self, v: i8) -> Result {
        self.serialize_i64(v.into())
    }
    fn serialize_i16(self, v: i16) -> Result {
        self.serialize_i64(v.into())
    }
    fn serialize_i32(self, v: i32) -> Result {
        self.serialize_i64(v.into())
    }
    fn serialize_i64(self, v: i64) -> Result {
        if v < 0 {
            self.0.push('-');
        }
        write_whole(self.0, v.unsigned_abs())
    }
    fn serialize_u8(self, v: u8) -> Result {
        write_whole(self.0, v.into())
    }
    fn serialize_u16(self, v: u16) -> Result {
        write_whole(self.0, v.into())
    }
    fn serialize_u32(self, v: u32) -> Result {
        write_whole(self.0, v.into())
    }
    fn serialize_u64(self, v: u64) -> Result {
        write_whole(self.0, v)
    }
    fn serialize_f32(self, _v: f32) -> Result {
        Err(Unconvertible)
    }
    fn serialize_f64(self, _v: f64) -> Result {
        Err(Unconvertible)
    }
    fn serialize_char(self, v: char) -> Result {
        write_str(self.0, v.encode_utf8(&mut [0; 4]));
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Result {
        write_str(self.0, v);
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result {
        let mut seq = self.serialize_seq(Some(v.len()))?;
        for b in v {
            ser::SerializeSeq::serialize_element(&mut seq, b)?;
        }
        ser::SerializeSeq::end(seq)
    }
    fn serialize_none(self) -> Result {
        self.serialize_unit()
    }
    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result {
        self.0.push_str("null");
        Ok(())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result {
        self.serialize_unit()
    }
    fn serialize_unit_variant(self, _name: &'static str, _i: u32, variant: &'static str) -> Result {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _name: &'static str,
        _i: u32,
        variant: &'static str,
        value: &T,
    ) -> Result {
        let mut map = self.serialize_map(Some(1))?;
        ser::SerializeMap::serialize_entry(&mut map, variant, value)?;
        ser::SerializeMap::end(map)
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Compound<'a>> {
        self.0.push('[');
        Ok(Compound {
            out: self.0,
            first: true,
            close: ']',
        })
    }
    fn serialize_tuple(self, len: usize) -> Result<Compound<'a>> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _name: &'static str, len: usize) -> Result<Compound<'a>> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _i: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant> {
        Err(Unconvertible)
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Compound<'a>> {
        self.0.push('{');
        Ok(Compound {
            out: self.0,
            first: true,
            close: '}',
        })
    }
    fn serialize_struct(self, _name: &'static str, len: usize) -> Result<Compound<'a>> {
        self.serialize_map(Some(len))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _i: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant> {
        Err(Unconvertible)
    }
}

impl ser::SerializeSeq for Compound<'_> {
    type Ok = ();
    type Error = Unconvertible;
    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result {
        self.separate();
        value.serialize(Writer(self.out))
    }
    fn end(self) -> Result {
        Compound::end(self)
    }
}

impl ser::SerializeTuple for Compound<'_> {
    type Ok = ();
    type Error = Unconvertible;
    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result {
        Compound::end(self)
    }
}

impl ser::SerializeTupleStruct for Compound<'_> {
    type Ok = ();
    type Error = Unconvertible;
    fn serialize_field<T: ?Sized + Serialize>(&mut self, value: &T) -> Result {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result {
        Compound::end(self)
    }
}

impl ser::SerializeMap for Compound<'_> {
    type Ok = ();
    type Error = Unconvertible;
    fn serialize_key<T: ?Sized + Serialize>(&mut self, key: &T) -> Result {
        self.separate();
        let at = self.out.len();
        key.serialize(Writer(self.out))?;
        // A key must be a string: what was just written starts with a quote.
        if self.out.as_bytes().get(at) != Some(&b'"') {
            return Err(Unconvertible);
        }
        self.out.push(':');
        Ok(())
    }
    fn serialize_value<T: ?Sized + Serialize>(&mut self, value: &T) -> Result {
        value.serialize(Writer(self.out))
    }
    fn end(self) -> Result {
        Compound::end(self)
    }
}

impl ser::SerializeStruct for Compound<'_> {
    type Ok = ();
    type Error = Unconvertible;
    fn serialize_field<T: ?Sized + Serialize>(&mut self, key: &'static str, value: &T) -> Result {
        self.field(key);
        value.serialize(Writer(self.out))
    }
    fn end(self) -> Result {
        Compound::end(self)
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde::Serialize;
    use std::collections::BTreeMap;

    /// What serde_json writes for the same value.
    fn same_as_serde_json<T: Serialize + ?Sized>(value: &T) {
        assert_eq!(
            to_string(value).unwrap(),
            serde_json::to_string(value).unwrap()
        );
    }

    #[test]
    fn every_ascii_character_is_written_as_serde_json_and_json_stringify_write_it() {
        for b in 0u8..=0x7f {
            let s = String::from(char::from(b));
            same_as_serde_json(&s);
            same_as_serde_json(&char::from(b));
        }
        // JSON.stringify's own forms, for the characters it escapes.
        assert_eq!(to_string("\u{1}\u{1f}").unwrap(), r#""\u0001\u001f""#);
        assert_eq!(to_string("a\"b\\c\n").unwrap(), r#""a\"b\\c\n""#);
        assert_eq!(to_string("\u{8}\u{c}\r\t").unwrap(), r#""\b\f\r\t""#);
        assert_eq!(to_string("\u{7f}é€😀").unwrap(), "\"\u{7f}é€😀\"");
    }

    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Sample<'a> {
        name: &'a str,
        count: u64,
        small: u8,
        signed: i32,
        on: bool,
        missing: Option<u64>,
        #[serde(skip_serializing_if = "Option::is_none")]
        skipped: Option<u64>,
        list: Vec<&'a str>,
        map: BTreeMap<String, u64>,
        bytes: &'a [u8],
        unit: (),
        kind: Kind,
        wrapped: Wrapped,
        nested: Option<Box<Sample<'a>>>,
    }

    #[derive(Serialize)]
    #[serde(rename_all = "snake_case")]
    enum Kind {
        UnitVariant,
    }

    #[derive(Serialize)]
    enum Wrapped {
        Newtype(u32),
    }

    #[test]
    fn structs_maps_sequences_options_and_variants_are_written_as_serde_json_writes_them() {
        let inner = Sample {
            name: "inner \"quoted\"",
            count: 0,
            small: 255,
            signed: -42,
            on: false,
            missing: None,
            skipped: None,
            list: vec![],
            map: BTreeMap::new(),
            bytes: &[],
            unit: (),
            kind: Kind::UnitVariant,
            wrapped: Wrapped::Newtype(7),
            nested: None,
        };
        let outer = Sample {
            name: "outer",
            count: crate::json::MAX_SAFE_INTEGER,
            small: 1,
            signed: i32::MIN,
            on: true,
            missing: Some(3),
            skipped: Some(4),
            list: vec!["a", "b\n"],
            map: [("x".to_string(), 1), ("y\u{1}".to_string(), 2)].into(),
            bytes: &[0, 1, 255],
            unit: (),
            kind: Kind::UnitVariant,
            wrapped: Wrapped::Newtype(8),
            nested: Some(Box::new(inner)),
        };
        same_as_serde_json(&outer);
        same_as_serde_json(&(1u8, "two", [3u16, 4]));
    }

    /// Bytes handed to `serialize_bytes` (what `serde_bytes` does), not
    /// as a sequence of `u8` like `&[u8]`.
    struct RawBytes(&'static [u8]);

    impl Serialize for RawBytes {
        fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
            s.serialize_bytes(self.0)
        }
    }

    #[derive(Serialize)]
    struct UnitStruct;

    #[derive(Serialize)]
    struct NewtypeStruct(u32);

    #[derive(Serialize)]
    struct TupleStruct(u8, &'static str, i16);

    #[test]
    fn every_other_serde_shape_is_written_as_serde_json_writes_it() {
        for v in [i8::MIN, -1, 0, 1, i8::MAX] {
            same_as_serde_json(&v);
        }
        for v in [i16::MIN, -1, 0, 1, i16::MAX] {
            same_as_serde_json(&v);
        }
        for v in [-(crate::json::MAX_SAFE_INTEGER as i64), -1, 0, 1] {
            same_as_serde_json(&v);
        }
        same_as_serde_json(&RawBytes(&[0, 1, 127, 255]));
        same_as_serde_json(&RawBytes(&[]));
        same_as_serde_json(&UnitStruct);
        same_as_serde_json(&NewtypeStruct(7));
        same_as_serde_json(&TupleStruct(1, "two", -3));
        same_as_serde_json(&[TupleStruct(0, "", 0), TupleStruct(255, "x", i16::MIN)]);
    }

    #[test]
    fn what_a_javascript_number_cannot_hold_and_non_string_keys_are_refused() {
        assert!(to_string(&(crate::json::MAX_SAFE_INTEGER + 1)).is_err());
        assert!(to_string(&u64::MAX).is_err());
        assert!(to_string(&i64::MIN).is_err());
        assert_eq!(
            to_string(&-(crate::json::MAX_SAFE_INTEGER as i64)).unwrap(),
            "-9007199254740991"
        );
        assert!(to_string(&1.5f64).is_err());
        assert!(to_string(&0.0f32).is_err());
        let numeric_keys: BTreeMap<u32, u32> = [(1, 2)].into();
        assert!(to_string(&numeric_keys).is_err());
    }

    proptest! {
        #[test]
        fn any_string_is_written_as_serde_json_writes_it(s in any::<String>()) {
            prop_assert_eq!(to_string(&s).unwrap(), serde_json::to_string(&s).unwrap());
        }

        #[test]
        fn any_map_of_strings_to_numbers_is_written_as_serde_json_writes_it(
            m in proptest::collection::btree_map(any::<String>(), 0u64..=crate::json::MAX_SAFE_INTEGER, 0..8)
        ) {
            prop_assert_eq!(to_string(&m).unwrap(), serde_json::to_string(&m).unwrap());
        }
    }
}
