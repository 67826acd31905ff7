//! JSON bodies read strictly. serde's derive also reads a struct from a JSON array, by position
//! (`{"senders": [null, null]}` for an object of senders): no client means that, the OpenAPI
//! document does not allow it, and it lets two spellings of one request through. [`read`] reads
//! a parsed body as serde would, but refuses an array where a struct is expected, and says where
//! reading failed (`senders.reset`, `items[2].name`), as serde_path_to_error would: the deepest
//! place an error passed through. Kept here rather than by wrapping every visitor in
//! serde_path_to_error's, which instanced each body type's reader a second time (24 KB in org).

use serde::de::value::BorrowedStrDeserializer;
use serde::de::{self, DeserializeOwned, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Unexpected, Visitor};
use serde_json::{Map as Object, Number, Value};
use std::cell::OnceCell;

/// A body parsed once, before any type reads it: the JSON parser is linked once, not once per
/// body type (each function reads several). A key given twice in one object is refused, as
/// serde's derive refuses a field given twice; a map alone would keep the last. The error names
/// the key's path (`senders.reply_to`, `items[2].name`).
pub fn parse(body: &[u8]) -> Result<Value, serde_json::Error> {
    let de = &mut serde_json::Deserializer::from_slice(body);
    let value = Unique::Root.deserialize(&mut *de)?;
    de.end()?;
    Ok(value)
}

/// The prefix of a duplicate key's error; what follows it, up to the next backtick, is its path.
pub const DUPLICATE: &str = "duplicate field `";

/// Where a value sits in the body, as a chain back to the root: the path is only spelled out
/// for a duplicate or a failed read, so reading a body allocates nothing for it.
enum Unique<'a> {
    Root,
    Key(&'a Unique<'a>, &'a str),
    Index(&'a Unique<'a>, usize),
}

impl Unique<'_> {
    fn path(&self) -> String {
        match self {
            Unique::Root => String::new(),
            Unique::Key(Unique::Root, key) => (*key).to_owned(),
            Unique::Key(parent, key) => format!("{}.{key}", parent.path()),
            Unique::Index(parent, i) => format!("{}[{i}]", parent.path()),
        }
    }
}

impl<'de> DeserializeSeed<'de> for Unique<'_> {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Unique<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("JSON")
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(v) = seq.next_element_seed(Unique::Index(&self, items.len()))? {
            items.push(v);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Object::new();
        while let Some(key) = map.next_key::<String>()? {
            let child = Unique::Key(&self, &key);
            if object.contains_key(&key) {
                return Err(de::Error::custom(format_args!("{DUPLICATE}{}`", child.path())));
            }
            let value = map.next_value_seed(child)?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

/// Reads `T` from a parsed body; on failure, also where it failed (`""` for the body itself).
pub fn read<T: DeserializeOwned>(body: &Value) -> Result<T, (String, serde_json::Error)> {
    let failed = OnceCell::new();
    T::deserialize(Strict { value: body, at: &Unique::Root, failed: &failed }).map_err(|e| (failed.into_inner().unwrap_or_default(), e))
}

/// A value of the body, where it sits, and the place the first (deepest) failure was noted.
struct Strict<'de, 'p> {
    value: &'de Value,
    at: &'p Unique<'p>,
    failed: &'p OnceCell<String>,
}

impl Strict<'_, '_> {
    /// Notes this place if nothing deeper failed first (errors pass outwards through every level).
    fn noted<T>(&self, result: Result<T, serde_json::Error>) -> Result<T, serde_json::Error> {
        if result.is_err() {
            self.failed.get_or_init(|| self.at.path());
        }
        result
    }
}

fn unexpected(v: &Value) -> Unexpected<'_> {
    match v {
        Value::Null => Unexpected::Unit,
        Value::Bool(b) => Unexpected::Bool(*b),
        Value::Number(_) => Unexpected::Other("a number"),
        Value::String(s) => Unexpected::Str(s),
        Value::Array(_) => Unexpected::Seq,
        Value::Object(_) => Unexpected::Map,
    }
}

impl<'de> Deserializer<'de> for Strict<'de, '_> {
    type Error = serde_json::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        let (at, failed) = (self.at, self.failed);
        let read = match self.value {
            Value::Array(items) => visitor.visit_seq(Seq { iter: items.iter().enumerate(), at, failed }),
            Value::Object(map) => visitor.visit_map(Map { iter: map.iter(), value: None, at, failed }),
            scalar => scalar.deserialize_any(visitor),
        };
        self.noted(read)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self.value {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        match self.value {
            Value::Object(_) => self.deserialize_any(visitor),
            other => self.noted(Err(de::Error::invalid_type(unexpected(other), &"an object"))),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _name: &'static str, visitor: V) -> Result<V::Value, Self::Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        let read = self.value.deserialize_enum(name, variants, visitor);
        self.noted(read)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf unit
        unit_struct seq tuple tuple_struct map identifier ignored_any
    }
}

struct Seq<'de, 'p> {
    iter: std::iter::Enumerate<std::slice::Iter<'de, Value>>,
    at: &'p Unique<'p>,
    failed: &'p OnceCell<String>,
}

impl<'de> SeqAccess<'de> for Seq<'de, '_> {
    type Error = serde_json::Error;
    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, Self::Error> {
        let Some((i, value)) = self.iter.next() else { return Ok(None) };
        seed.deserialize(Strict { value, at: &Unique::Index(self.at, i), failed: self.failed }).map(Some)
    }
    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

struct Map<'de, 'p> {
    iter: serde_json::map::Iter<'de>,
    value: Option<(&'de str, &'de Value)>,
    at: &'p Unique<'p>,
    failed: &'p OnceCell<String>,
}

impl<'de> MapAccess<'de> for Map<'de, '_> {
    type Error = serde_json::Error;
    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Self::Error> {
        match self.iter.next() {
            Some((k, v)) => {
                self.value = Some((k, v));
                let key = seed.deserialize(BorrowedStrDeserializer::new(k.as_str()));
                if key.is_err() {
                    // A key refused (an unknown field) is placed at the key itself.
                    self.failed.get_or_init(|| Unique::Key(self.at, k).path());
                }
                key.map(Some)
            }
            None => Ok(None),
        }
    }
    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, Self::Error> {
        let (key, value) = self.value.take().ok_or_else(|| de::Error::custom("a value without its key"))?;
        seed.deserialize(Strict { value, at: &Unique::Key(self.at, key), failed: self.failed })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Inner {
        a: Option<String>,
        b: Option<String>,
    }
    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Outer {
        inner: Option<Inner>,
        #[serde(default)]
        list: Vec<Inner>,
        n: Option<u64>,
        #[serde(default)]
        tags: std::collections::BTreeMap<String, u64>,
    }

    fn strict(j: &str) -> Result<Outer, String> {
        let v: Value = serde_json::from_str(j).unwrap();
        read(&v).map_err(|(_, e)| e.to_string())
    }

    #[test]
    fn an_array_is_never_read_as_a_struct() {
        // What serde alone accepts:
        assert!(serde_json::from_str::<Outer>(r#"{"inner": [null, "x"]}"#).is_ok());
        assert!(strict(r#"{"inner": [null, "x"]}"#).unwrap_err().contains("expected an object"));
        assert!(strict(r#"[null, [], 1]"#).is_err());
        assert!(strict(r#"{"list": [[null, null]]}"#).is_err());
    }

    #[test]
    fn a_key_given_twice_is_refused_naming_its_path() {
        let err = |j: &str| parse(j.as_bytes()).unwrap_err().to_string();
        assert!(err(r#"{"a": 1, "a": 2}"#).starts_with("duplicate field `a`"), "{}", err(r#"{"a": 1, "a": 2}"#));
        assert!(err(r#"{"inner": {"b": null, "b": "x"}}"#).starts_with("duplicate field `inner.b`"));
        assert!(err(r#"{"list": [{}, {"a": 1, "a": 1}]}"#).starts_with("duplicate field `list[1].a`"));
        // The same key in two objects is no duplicate; what parses is what serde_json parses.
        let j = r#"{"list": [{"a": 1}, {"a": -2.5}], "inner": {"a": "x\u00e9"}, "n": null, "t": true}"#;
        assert_eq!(parse(j.as_bytes()).unwrap(), serde_json::from_str::<Value>(j).unwrap());
        assert!(parse(b"{} {}").is_err(), "trailing data");
        assert!(parse(b"{\"a\": ").is_err());
    }

    /// Where reading failed is where serde_path_to_error (which this replaces) says it failed, with
    /// serde's own words, but where something other than an object stands for a struct (an array
    /// serde would read by position is refused here, and any other value with plainer words).
    #[test]
    fn a_failure_is_placed_where_serde_path_to_error_places_it() {
        for body in [
            r#"{"n": "3"}"#,
            r#"{"n": -1}"#,
            r#"{"inner": {"a": 1}}"#,
            r#"{"inner": {"a": "x", "c": 1}}"#,
            r#"{"inner": [null]}"#,
            r#"{"list": [{"a": "x"}, {"b": 2}]}"#,
            r#"{"list": [{}, {}, []]}"#,
            r#"{"list": {"a": "x"}}"#,
            r#"{"other": 1}"#,
            r#"{"tags": {"x": "not a number"}}"#,
            r#"[]"#,
            r#"3"#,
        ] {
            let v: Value = serde_json::from_str(body).unwrap();
            let (ours, e) = read::<Outer>(&v).err().unwrap_or_else(|| panic!("{body} was read"));
            let theirs = serde_path_to_error::deserialize::<_, Outer>(&v).err().unwrap();
            let theirs_path = theirs.path().to_string();
            assert_eq!(ours, if theirs_path == "." { String::new() } else { theirs_path }, "{body}");
            let (ours, theirs) = (e.to_string(), theirs.into_inner().to_string());
            assert!(ours == theirs || ours.ends_with(", expected an object"), "{body}: {ours} / {theirs}");
        }
    }

    #[test]
    fn everything_else_reads_as_serde_reads_it() {
        let ok = strict(r#"{"inner": {"a": "x", "b": null}, "list": [{"a": null, "b": "y"}], "n": 3}"#).unwrap();
        assert_eq!(ok, serde_json::from_str(r#"{"inner": {"a": "x", "b": null}, "list": [{"a": null, "b": "y"}], "n": 3}"#).unwrap());
        assert_eq!(strict(r#"{"inner": null}"#).unwrap().inner, None);
        assert!(strict(r#"{"n": -1}"#).is_err());
        assert!(strict(r#"{"other": 1}"#).unwrap_err().contains("unknown field"));
    }
}
