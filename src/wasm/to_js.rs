//! A `serde::Serializer` that builds JavaScript values: the results of the
//! API as plain objects and the stored vault before `JSON.stringify`
//! ([`crate::json::to_js`]).
//!
//! It makes what `serde_wasm_bindgen::Serializer::json_compatible()` makes
//! for every type this crate serializes: structs and maps as plain objects
//! (in field / insertion order), sequences and tuples as arrays, `None` and
//! `()` as `null`, unit variants as their name, newtype variants as
//! `{ Variant: value }`, integers as numbers (64-bit ones only within
//! JavaScript's safe-integer range), bytes as an array of numbers. It is
//! smaller in the .wasm: field names and variant names come from
//! [`js_static`]'s cache instead of a hash map of its own, and its error
//! carries no text (every caller replaces it with its own).
//! Tuple and struct variants (which nothing here serializes) are refused.

use super::convert::js_static;
use js_sys::{Array, Object, Reflect};
use serde::ser::{self, Impossible, Serialize};
use wasm_bindgen::JsValue;

/// A value could not be converted (an integer beyond 2^53, a map key that
/// is not a string, a tuple or struct variant). Carries no text.
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

type Result<T = JsValue> = std::result::Result<T, Unconvertible>;

/// The serializer (stateless).
pub(crate) struct ToJs;

/// Sets `key` on a fresh plain object (cannot fail).
fn set(o: &Object, key: &JsValue, value: &JsValue) {
    let _ = Reflect::set(o, key, value);
}

/// Builds an array ([`ser::SerializeSeq`] and the tuple forms).
pub(crate) struct Elements(Array);

/// Builds a plain object from a map (string keys only).
pub(crate) struct Entries {
    target: Object,
    key: Option<JsValue>,
}

/// Builds a plain object from a struct.
pub(crate) struct Fields(Object);

impl ser::Serializer for ToJs {
    type Ok = JsValue;
    type Error = Unconvertible;
    type SerializeSeq = Elements;
    type SerializeTuple = Elements;
    type SerializeTupleStruct = Elements;
    type SerializeTupleVariant = Impossible<JsValue, Unconvertible>;
    type SerializeMap = Entries;
    type SerializeStruct = Fields;
    type SerializeStructVariant = Impossible<JsValue, Unconvertible>;

    fn serialize_bool(self, v: bool) -> Result {
        Ok(JsValue::from_bool(v))
    }
    fn serialize_i8(self, v: i8) -> Result {
        Ok(JsValue::from_f64(v.into()))
    }
    fn serialize_i16(self, v: i16) -> Result {
        Ok(JsValue::from_f64(v.into()))
    }
    fn serialize_i32(self, v: i32) -> Result {
        Ok(JsValue::from_f64(v.into()))
    }
    fn serialize_i64(self, v: i64) -> Result {
        let max = crate::json::MAX_SAFE_INTEGER as i64;
        if !(-max..=max).contains(&v) {
            return Err(Unconvertible);
        }
        Ok(JsValue::from_f64(v as f64))
    }
    fn serialize_u8(self, v: u8) -> Result {
        Ok(JsValue::from_f64(v.into()))
    }
    fn serialize_u16(self, v: u16) -> Result {
        Ok(JsValue::from_f64(v.into()))
    }
    fn serialize_u32(self, v: u32) -> Result {
        Ok(JsValue::from_f64(v.into()))
    }
    fn serialize_u64(self, v: u64) -> Result {
        if v > crate::json::MAX_SAFE_INTEGER {
            return Err(Unconvertible);
        }
        Ok(JsValue::from_f64(v as f64))
    }
    fn serialize_f32(self, v: f32) -> Result {
        Ok(JsValue::from_f64(v.into()))
    }
    fn serialize_f64(self, v: f64) -> Result {
        Ok(JsValue::from_f64(v))
    }
    fn serialize_char(self, v: char) -> Result {
        Ok(JsValue::from_str(v.encode_utf8(&mut [0; 4])))
    }
    fn serialize_str(self, v: &str) -> Result {
        Ok(JsValue::from_str(v))
    }
    fn serialize_bytes(self, v: &[u8]) -> Result {
        let a = Array::new();
        for b in v {
            a.push(&JsValue::from_f64((*b).into()));
        }
        Ok(a.into())
    }
    fn serialize_none(self) -> Result {
        Ok(JsValue::NULL)
    }
    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result {
        Ok(JsValue::NULL)
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result {
        Ok(JsValue::NULL)
    }
    fn serialize_unit_variant(self, _name: &'static str, _i: u32, variant: &'static str) -> Result {
        Ok(js_static(variant))
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
        let o = Object::new();
        set(&o, &js_static(variant), &value.serialize(self)?);
        Ok(o.into())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Elements> {
        Ok(Elements(Array::new()))
    }
    fn serialize_tuple(self, _len: usize) -> Result<Elements> {
        Ok(Elements(Array::new()))
    }
    fn serialize_tuple_struct(self, _name: &'static str, _len: usize) -> Result<Elements> {
        Ok(Elements(Array::new()))
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
    fn serialize_map(self, _len: Option<usize>) -> Result<Entries> {
        Ok(Entries {
            target: Object::new(),
            key: None,
        })
    }
    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Fields> {
        Ok(Fields(Object::new()))
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

impl ser::SerializeSeq for Elements {
    type Ok = JsValue;
    type Error = Unconvertible;
    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<()> {
        self.0.push(&value.serialize(ToJs)?);
        Ok(())
    }
    fn end(self) -> Result {
        Ok(self.0.into())
    }
}

impl ser::SerializeTuple for Elements {
    type Ok = JsValue;
    type Error = Unconvertible;
    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<()> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result {
        Ok(self.0.into())
    }
}

impl ser::SerializeTupleStruct for Elements {
    type Ok = JsValue;
    type Error = Unconvertible;
    fn serialize_field<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<()> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result {
        Ok(self.0.into())
    }
}

impl ser::SerializeMap for Entries {
    type Ok = JsValue;
    type Error = Unconvertible;
    fn serialize_key<T: ?Sized + Serialize>(&mut self, key: &T) -> Result<()> {
        let key = key.serialize(ToJs)?;
        if !key.is_string() {
            return Err(Unconvertible);
        }
        self.key = Some(key);
        Ok(())
    }
    fn serialize_value<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<()> {
        let key = self.key.take().ok_or(Unconvertible)?;
        set(&self.target, &key, &value.serialize(ToJs)?);
        Ok(())
    }
    fn end(self) -> Result {
        Ok(self.target.into())
    }
}

impl ser::SerializeStruct for Fields {
    type Ok = JsValue;
    type Error = Unconvertible;
    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<()> {
        set(&self.0, &js_static(key), &value.serialize(ToJs)?);
        Ok(())
    }
    fn end(self) -> Result {
        Ok(self.0.into())
    }
}
