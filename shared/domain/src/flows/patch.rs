//! A field of a partial update: absent (keep), `null` (clear) or a value (set).

use serde::{Deserialize, Deserializer};

#[derive(Clone, Debug, Default, PartialEq)]
pub enum Patch<T> {
    #[default]
    Keep,
    Clear,
    Set(T),
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Patch<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(match Option::<T>::deserialize(d)? {
            None => Patch::Clear,
            Some(v) => Patch::Set(v),
        })
    }
}

impl<T: Clone> Patch<T> {
    /// The value after applying the patch to `current`.
    pub fn apply(&self, current: Option<T>) -> Option<T> {
        match self {
            Patch::Keep => current,
            Patch::Clear => None,
            Patch::Set(v) => Some(v.clone()),
        }
    }
    pub fn is_keep(&self) -> bool {
        matches!(self, Patch::Keep)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct T {
        #[serde(default)]
        a: Patch<String>,
    }

    #[test]
    fn absent_null_and_value_mean_keep_clear_and_set() {
        let t = |j: &str| serde_json::from_str::<T>(j).unwrap().a;
        assert_eq!(t("{}"), Patch::Keep);
        assert_eq!(t(r#"{"a":null}"#), Patch::Clear);
        assert_eq!(t(r#"{"a":"x"}"#), Patch::Set("x".into()));
        assert_eq!(Patch::Set(1).apply(Some(2)), Some(1));
        assert_eq!(Patch::<i32>::Keep.apply(Some(2)), Some(2));
        assert_eq!(Patch::<i32>::Clear.apply(Some(2)), None);
    }
}
