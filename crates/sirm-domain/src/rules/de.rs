//! A serde deserializer over a parsed document (`&serde_json::Value`) with
//! an error type of our own, so that typed `#[derive(Deserialize)]` structs
//! can read a rule set and every error still names the dotted key, the value
//! and a reason ([`RuleError`]).
//!
//! Nothing here reads serde's error prose. [`DeError`] implements
//! `serde::de::Error` and turns each structural hook into a variant:
//! `missing_field` → missing, `unknown_field(field, expected)` → unknown key
//! with `expected` as the allowed list, `unknown_variant` → "must be a, b or
//! c", and `custom` / `invalid_type` / `invalid_value` → invalid with a
//! reason. The reasons are ours: leaf types call `custom` with a sentence we
//! wrote, and their visitors word `expecting` as the reason shown when a value
//! has the wrong type ("not a whole number"). The deserializer refuses wrong
//! types for strings, booleans, lists and tables itself, with its own reason.
//!
//! The dotted key comes from path tracking: each map value and list element is
//! read at `parent.key` / `parent[i]`, and an error leaving it is located
//! there (the first, innermost location wins). The offending value is the
//! document's own JSON text ([`show`]). A struct field holding `null` counts
//! as absent, as in [`super::doc::Obj`].

use std::fmt;

use serde::de::{
    self, value::BorrowedStrDeserializer, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess,
    Visitor,
};
use serde::Deserialize;
use serde_json::Value;

use super::doc::{join, show};
use super::error::RuleError;

/// Reads `value` (found at the dotted key `path`; `""` for a whole document)
/// as `T`.
pub(crate) fn read<'de, T: Deserialize<'de>>(
    value: &'de Value,
    path: &str,
) -> Result<T, RuleError> {
    T::deserialize(ValueDe::new(value, path))
        .map_err(|e| RuleError::from(e.located(path, || show(value))))
}

/// A deserialization error with its place: the structural facts serde's hooks
/// hand over, never their text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DeError {
    /// The dotted key, once located.
    key: Option<String>,
    /// A key under the table being read that the error is about
    /// (`missing_field`, `unknown_field`, `duplicate_field`); joined to that
    /// table's key when located.
    field: Option<String>,
    kind: Kind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    Missing,
    Unknown {
        allowed: &'static [&'static str],
    },
    Invalid {
        /// JSON text of the offending value; filled in when located.
        value: Option<String>,
        reason: String,
    },
}

impl DeError {
    fn invalid(reason: impl Into<String>) -> Self {
        DeError {
            key: None,
            field: None,
            kind: Kind::Invalid {
                value: None,
                reason: reason.into(),
            },
        }
    }

    fn about_field(field: &str, kind: Kind) -> Self {
        DeError {
            key: None,
            field: Some(field.to_owned()),
            kind,
        }
    }

    /// Places an error raised while reading the value at `path`, unless an
    /// inner value placed it already.
    fn located(mut self, path: &str, value: impl FnOnce() -> String) -> Self {
        if self.key.is_none() {
            self.key = Some(match &self.field {
                Some(f) => join(path, f),
                None => path.to_owned(),
            });
            if let Kind::Invalid {
                value: v @ None, ..
            } = &mut self.kind
            {
                *v = Some(value());
            }
        }
        self
    }

    /// Places an error raised while reading the key `key` of the table at
    /// `path` (an unknown key, a key that is not a year …).
    fn located_key(mut self, path: &str, key: &str) -> Self {
        if self.key.is_none() {
            self.field = Some(key.to_owned());
        }
        self.located(path, || format!("{key:?}"))
    }

    fn to_rule_error(&self) -> RuleError {
        let key = match (&self.key, &self.field) {
            (Some(k), _) => k.clone(),
            (None, Some(f)) => f.clone(),
            (None, None) => String::new(),
        };
        let key = if key.is_empty() {
            "(document)".to_owned()
        } else {
            key
        };
        match &self.kind {
            Kind::Missing => RuleError::Missing { key },
            Kind::Unknown { allowed } => RuleError::UnknownKey {
                key,
                allowed: allowed.join(", "),
            },
            Kind::Invalid { value, reason } => RuleError::Invalid {
                key,
                value: value.clone().unwrap_or_default(),
                reason: reason.clone(),
            },
        }
    }
}

impl From<DeError> for RuleError {
    fn from(e: DeError) -> Self {
        e.to_rule_error()
    }
}

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.to_rule_error(), f)
    }
}

impl std::error::Error for DeError {}

/// "must be a, b or c".
fn one_of(names: &[&str]) -> String {
    match names.split_last() {
        None => "must be absent".to_owned(),
        Some((last, [])) => format!("must be {last}"),
        Some((last, rest)) => format!("must be {} or {last}", rest.join(", ")),
    }
}

impl de::Error for DeError {
    /// A reason written by one of our leaf types.
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DeError::invalid(msg.to_string())
    }

    /// Our visitors word `expecting` as the reason.
    fn invalid_type(_: de::Unexpected<'_>, exp: &dyn de::Expected) -> Self {
        DeError::invalid(exp.to_string())
    }

    fn invalid_value(_: de::Unexpected<'_>, exp: &dyn de::Expected) -> Self {
        DeError::invalid(exp.to_string())
    }

    fn invalid_length(len: usize, exp: &dyn de::Expected) -> Self {
        DeError::invalid(format!("holds {len} items: {exp}"))
    }

    fn unknown_variant(_: &str, expected: &'static [&'static str]) -> Self {
        DeError::invalid(one_of(expected))
    }

    fn unknown_field(field: &str, expected: &'static [&'static str]) -> Self {
        DeError::about_field(field, Kind::Unknown { allowed: expected })
    }

    fn missing_field(field: &'static str) -> Self {
        DeError::about_field(field, Kind::Missing)
    }

    fn duplicate_field(field: &'static str) -> Self {
        DeError::about_field(
            field,
            Kind::Invalid {
                value: None,
                reason: "is given twice".to_owned(),
            },
        )
    }
}

/// The value at a dotted key.
pub(crate) struct ValueDe<'de> {
    value: &'de Value,
    path: String,
}

impl<'de> ValueDe<'de> {
    pub(crate) fn new(value: &'de Value, path: &str) -> Self {
        ValueDe {
            value,
            path: path.to_owned(),
        }
    }

    /// This value refused for `reason`.
    fn fail(&self, reason: impl Into<String>) -> DeError {
        DeError::invalid(reason).located(&self.path, || show(self.value))
    }

    fn seq(&self, items: &'de [Value]) -> Seq<'de, '_> {
        Seq {
            items: items.iter().enumerate(),
            path: &self.path,
        }
    }

    /// The entries of a table; for a struct, a known field holding `null`
    /// is skipped (absent).
    fn map(
        &self,
        map: &'de serde_json::Map<String, Value>,
        fields: &'static [&'static str],
    ) -> Map<'de, '_> {
        Map {
            entries: map.iter(),
            pending: None,
            path: &self.path,
            fields,
        }
    }
}

impl<'de> de::Deserializer<'de> for ValueDe<'de> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.value {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Number(n) => {
                if let Some(u) = n.as_u64() {
                    visitor.visit_u64(u)
                } else if let Some(i) = n.as_i64() {
                    visitor.visit_i64(i)
                } else {
                    match n.as_f64() {
                        Some(f) => visitor.visit_f64(f),
                        None => Err(self.fail("not a number")),
                    }
                }
            }
            Value::String(s) => visitor.visit_borrowed_str(s),
            Value::Array(a) => visitor.visit_seq(self.seq(a)),
            Value::Object(m) => visitor.visit_map(self.map(m, &[])),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.value {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.value {
            Value::Bool(b) => visitor.visit_bool(*b),
            _ => Err(self.fail("must be true or false")),
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.value {
            Value::String(s) => visitor.visit_borrowed_str(s),
            _ => Err(self.fail("must be a string")),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.value {
            Value::Array(a) => visitor.visit_seq(self.seq(a)),
            _ => Err(self.fail("must be a list")),
        }
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.value {
            Value::Object(m) => visitor.visit_map(self.map(m, &[])),
            _ => Err(self.fail("must be a table/object")),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        match self.value {
            Value::Object(m) => visitor.visit_map(self.map(m, fields)),
            _ => Err(self.fail("must be a table/object")),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        match self.value {
            // Unit variants, named by a string.
            Value::String(s) => visitor.visit_enum(s.as_str().into_deserializer()),
            _ => Err(self.fail(one_of(variants))),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_unit()
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.value {
            Value::Null => visitor.visit_unit(),
            _ => Err(self.fail("must be null")),
        }
    }

    serde::forward_to_deserialize_any! {
        i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char bytes byte_buf
        unit_struct tuple tuple_struct
    }
}

/// The elements of a list, read at `path[i]`.
struct Seq<'de, 'p> {
    items: std::iter::Enumerate<std::slice::Iter<'de, Value>>,
    path: &'p str,
}

impl<'de> SeqAccess<'de> for Seq<'de, '_> {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        let Some((i, v)) = self.items.next() else {
            return Ok(None);
        };
        let path = format!("{}[{i}]", self.path);
        seed.deserialize(ValueDe::new(v, &path))
            .map(Some)
            .map_err(|e| e.located(&path, || show(v)))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

/// The entries of a table, each value read at `path.key`.
struct Map<'de, 'p> {
    entries: serde_json::map::Iter<'de>,
    pending: Option<(&'de String, &'de Value)>,
    path: &'p str,
    /// The fields of the struct being read (empty for a map): one of them
    /// holding `null` counts as absent, an unknown key is refused even then.
    fields: &'static [&'static str],
}

impl<'de> MapAccess<'de> for Map<'de, '_> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        let fields = self.fields;
        let Some((k, v)) = self
            .entries
            .find(|(k, v)| !(v.is_null() && fields.contains(&k.as_str())))
        else {
            return Ok(None);
        };
        self.pending = Some((k, v));
        seed.deserialize(BorrowedStrDeserializer::<DeError>::new(k))
            .map(Some)
            .map_err(|e| e.located_key(self.path, k))
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        let Some((k, v)) = self.pending.take() else {
            return Err(
                DeError::invalid("a value was read before its key").located(self.path, String::new)
            );
        };
        let path = join(self.path, k);
        seed.deserialize(ValueDe::new(v, &path))
            .map_err(|e| e.located(&path, || show(v)))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde_json::json;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Outer {
        inner: Inner,
        flag: Option<bool>,
        names: Option<Vec<String>>,
        table: Option<BTreeMap<String, Inner>>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        name: String,
        mode: Option<crate::rules::RoundingMode>,
    }

    fn err(v: Value) -> RuleError {
        read::<Outer>(&v, "top").unwrap_err()
    }

    #[test]
    fn hooks_become_structured_errors_at_dotted_keys() {
        assert_eq!(
            err(json!({"inner": {"name": "a", "nmae": 1}})),
            RuleError::UnknownKey {
                key: "top.inner.nmae".into(),
                allowed: "name, mode".into()
            }
        );
        assert_eq!(
            err(json!({"inner": {}})),
            RuleError::missing("top.inner.name")
        );
        assert_eq!(err(json!({})), RuleError::missing("top.inner"));
        assert_eq!(
            err(json!({"inner": {"name": null}})),
            RuleError::missing("top.inner.name")
        );
        assert_eq!(
            err(json!({"inner": {"name": 5}})),
            RuleError::invalid("top.inner.name", "5", "must be a string")
        );
        assert_eq!(
            err(json!({"inner": {"name": "a", "mode": "nearest"}})),
            RuleError::invalid(
                "top.inner.mode",
                "\"nearest\"",
                "must be half_up, half_even, down or up"
            )
        );
        assert_eq!(
            err(json!({"inner": {"name": "a"}, "flag": "yes"})),
            RuleError::invalid("top.flag", "\"yes\"", "must be true or false")
        );
        assert_eq!(
            err(json!({"inner": {"name": "a"}, "names": ["x", 2]})),
            RuleError::invalid("top.names[1]", "2", "must be a string")
        );
        assert_eq!(
            err(json!({"inner": {"name": "a"}, "table": {"k": {"name": "b", "x": 1}}})),
            RuleError::UnknownKey {
                key: "top.table.k.x".into(),
                allowed: "name, mode".into()
            }
        );
        assert_eq!(
            err(json!({"inner": "a"})),
            RuleError::invalid("top.inner", "\"a\"", "must be a table/object")
        );
        assert_eq!(
            read::<Outer>(&json!([1]), "").unwrap_err(),
            RuleError::invalid("(document)", "[1]", "must be a table/object")
        );
        let ok: Outer = read(
            &json!({"inner": {"name": "a", "mode": "down"}, "flag": null}),
            "",
        )
        .unwrap();
        assert_eq!(ok.inner.mode, Some(crate::rules::RoundingMode::Down));
        assert_eq!(ok.flag, None);
    }
}
