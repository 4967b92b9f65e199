//! [`Object`]: a request body that must be a JSON object.
//!
//! serde's derived `Deserialize` for a struct also accepts a JSON array of its fields in
//! order, so `[null, null]` was a valid invite-link request and `["alice", "pw"]` a login;
//! schemathesis found it. Every document of this API says its bodies are objects, so
//! anything else is a 400 `invalid_request` like any other malformed body. Inside the object
//! nothing changes: the struct's own `Deserialize` reads the fields, unknown ones included.

use std::fmt;
use std::marker::PhantomData;

use serde::de::value::MapAccessDeserializer;
use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

/// A `T` read from a JSON object only; `web::Json<Object<T>>` is how handlers take a body.
#[derive(Debug)]
pub struct Object<T>(pub T);

impl<T> std::ops::Deref for Object<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Object<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer
            .deserialize_map(ObjectVisitor(PhantomData))
            .map(Object)
    }
}

struct ObjectVisitor<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjectVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        T::deserialize(MapAccessDeserializer::new(map))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test, with its location
mod tests {
    use super::*;
    use crate::dto::{CreateLinkRequest, CredentialsRequest};

    #[test]
    fn an_array_of_the_fields_is_not_an_object() {
        let error = serde_json::from_str::<Object<CreateLinkRequest>>("[null, null]").unwrap_err();
        assert!(
            error.to_string().contains("expected a JSON object"),
            "{error}"
        );
        assert!(
            serde_json::from_str::<Object<CredentialsRequest>>(r#"["alice", "password"]"#).is_err()
        );
    }

    #[test]
    fn an_object_reads_as_before_unknown_fields_included() {
        let link: Object<CreateLinkRequest> =
            serde_json::from_str(r#"{"max_uses": 3, "extra": [1]}"#).unwrap();
        assert_eq!((link.max_uses, link.expires_in), (Some(3), None));
        let error =
            serde_json::from_str::<Object<CreateLinkRequest>>(r#"{"max_uses": -1}"#).unwrap_err();
        assert!(error.to_string().contains("line 1"), "{error}");
        assert!(serde_json::from_str::<Object<CredentialsRequest>>(
            r#"{"username": "a", "username": "b", "password": "p"}"#
        )
        .is_err());
    }
}
