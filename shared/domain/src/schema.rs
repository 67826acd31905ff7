//! JSON Schemas (2020-12) of the domain's own scalar types, for the OpenAPI document. Only with
//! the feature `openapi`, which the document's generator enables and the Lambdas do not.

use crate::email::Email;
use crate::flows::patch::Patch;
use crate::ids::{CompanyId, EventId, GroupId, OrgItemId, SessionId, UserId};
use crate::phone::Phone;
use crate::text::{Colour, Name};
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use std::borrow::Cow;

macro_rules! string_schema {
    ($($t:ident => $schema:tt;)*) => {$(
        impl JsonSchema for $t {
            fn schema_name() -> Cow<'static, str> {
                stringify!($t).into()
            }
            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                json_schema!($schema)
            }
        }
    )*};
}

string_schema! {
    UserId => { "type": "string", "description": "A user's id (ULID).", "pattern": "^[0-9A-HJKMNP-TV-Z]{26}$" };
    CompanyId => { "type": "string", "description": "A company's id (ULID).", "pattern": "^[0-9A-HJKMNP-TV-Z]{26}$" };
    OrgItemId => { "type": "string", "description": "A department's, position's, role's or quiz's id (ULID).", "pattern": "^[0-9A-HJKMNP-TV-Z]{26}$" };
    GroupId => { "type": "string", "description": "An access group's id (ULID).", "pattern": "^[0-9A-HJKMNP-TV-Z]{26}$" };
    EventId => { "type": "string", "description": "An audit event's id (ULID).", "pattern": "^[0-9A-HJKMNP-TV-Z]{26}$" };
    SessionId => { "type": "string", "description": "A session's id (not its token)." };
    Email => { "type": "string", "format": "email", "maxLength": 254 };
    Phone => { "type": "string", "description": "A phone number in E.164 form." };
    Name => { "type": "string", "minLength": 1, "maxLength": 150 };
    Colour => { "type": "string", "description": "A colour as #RRGGBB.", "pattern": "^#[0-9A-Fa-f]{6}$" };
}

/// A partial update's field: absent keeps the value, `null` clears it, a value sets it.
impl<T: JsonSchema> JsonSchema for Patch<T> {
    fn schema_name() -> Cow<'static, str> {
        Option::<T>::schema_name()
    }
    fn inline_schema() -> bool {
        true
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        Option::<T>::json_schema(generator)
    }
}
