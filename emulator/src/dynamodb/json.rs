//! The JSON edge of DynamoDB: request bodies decoded into an operation's input type with the
//! service's errors, outputs encoded.
//!
//! Error mapping (the service's JSON 1.0 codec, as recorded by dynalite against it;
//! DynamoDB Local answers malformed JSON and most type errors with `InternalFailure`, or
//! coerces the value, so it cannot serve as the reference here):
//! - Malformed JSON, an empty or truncated body: `SerializationException` with no message
//!   text (the service sends `{"__type": "...#SerializationException"}` alone; we send an
//!   empty message).
//! - A JSON type where another is due (`"TableName": 5`): `SerializationException` with the
//!   codec's text ("NUMBER_VALUE cannot be converted to String"), see
//!   [`attribute_json::type_mismatch_message`].
//! - Attribute-value problems: the texts of `attribute_json`, as `ValidationException` or
//!   `SerializationException`.
//! - A missing member of a non-`Option` field: the service's constraint text for a top-level
//!   member, "1 validation error detected: Value null at 'tableName' failed to satisfy
//!   constraint: Member must not be null". Input types should rather make members `Option`
//!   and check them in the operation, which can report several at once as the service does.
//! - Nesting beyond serde_json's recursion limit: the service's nesting error.
//!
//! Unknown members are ignored, as by the service (DynamoDB Local accepts `"Bogus": 1`).

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::attribute_json::{
    self, Expected, Found, NESTING_TOO_DEEP, SERIALIZATION_MARKER, VALIDATION_MARKER,
};
use super::error::DynamoError;

/// Decodes a request body. The first attribute-value validation error fails the decoding,
/// unless a serialization error occurs anywhere in the body, which wins as in the service.
pub fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T, DynamoError> {
    let (value, deferred) = decode_deferred(body)?;
    match deferred {
        Some(e) => Err(e),
        None => Ok(value),
    }
}

/// Decodes a request body, holding back the first attribute-value validation error.
///
/// The service reports those only after the request's own checks (required members,
/// constraints, even the table's existence; checked with DynamoDB Local: a PutItem naming a
/// missing table answers `ResourceNotFoundException` before an invalid number in `Item`).
/// An operation that wants that order runs its checks on the decoded input first, then
/// returns the held-back error. Until then the input holds placeholders where the invalid
/// values were and must not be used for anything else.
pub fn decode_deferred<T: DeserializeOwned>(
    body: &[u8],
) -> Result<(T, Option<DynamoError>), DynamoError> {
    let (result, first) =
        attribute_json::with_deferred_validation(|| serde_json::from_slice::<T>(body));
    match result {
        Ok(value) => Ok((value, first.map(DynamoError::validation))),
        Err(e) => Err(map_error(&e, first)),
    }
}

/// Encodes an output body.
pub fn encode<T: Serialize + ?Sized>(value: &T) -> Vec<u8> {
    // Our output types are plain data with string keys: serializing them cannot fail.
    serde_json::to_vec(value).expect("output types always serialize to JSON")
}

fn map_error(e: &serde_json::Error, first_deferred: Option<String>) -> DynamoError {
    let text = e.to_string();
    let message = attribute_json::strip_position(&text);
    if message.starts_with("recursion limit exceeded") {
        // Only attribute values nest this deep; the service stops at 32 levels. An earlier
        // validation error in document order comes first.
        return DynamoError::validation(first_deferred.unwrap_or_else(|| NESTING_TOO_DEEP.into()));
    }
    match e.classify() {
        serde_json::error::Category::Io => DynamoError::internal("Internal server error"),
        serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
            DynamoError::serialization("")
        }
        serde_json::error::Category::Data => {
            if let Some(m) = message.strip_prefix(VALIDATION_MARKER) {
                DynamoError::validation(m)
            } else if let Some(m) = message.strip_prefix(SERIALIZATION_MARKER) {
                DynamoError::serialization(m)
            } else {
                from_serde_message(message)
            }
        }
    }
}

/// Translates serde's own data errors (from derived input types) into the service's.
fn from_serde_message(message: &str) -> DynamoError {
    if let Some(rest) = message.strip_prefix("invalid type: ")
        && let Some((found, expected)) = rest.split_once(", expected ")
        && let (Some(found), Some(expected)) = (parse_found(found), parse_expected(expected))
    {
        return DynamoError::serialization(attribute_json::type_mismatch_message(found, expected));
    }
    // A derived structure also accepts a JSON array (serde's sequence form); the service
    // does not.
    if let Some(rest) = message.strip_prefix("invalid length ")
        && let Some((_, expected)) = rest.split_once(", expected struct ")
    {
        let name = expected.split(' ').next().unwrap_or(expected);
        return DynamoError::serialization(attribute_json::type_mismatch_message(
            Found::List,
            Expected::Structure(name),
        ));
    }
    if let Some(rest) = message.strip_prefix("missing field `")
        && let Some(field) = rest.strip_suffix('`')
    {
        return DynamoError::validation(format!(
            "1 validation error detected: Value null at '{}' failed to satisfy constraint: \
             Member must not be null",
            lower_first(field)
        ));
    }
    if let Some(rest) = message.strip_prefix("unknown variant `")
        && let Some((value, expected)) = rest.split_once('`')
    {
        // serde knows neither the member's path nor the model's order; the value set is in
        // declaration order.
        let variants: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
        return DynamoError::validation(format!(
            "1 validation error detected: Value '{value}' failed to satisfy constraint: Member \
             must satisfy enum value set: [{}]",
            variants.join(", ")
        ));
    }
    DynamoError::serialization(message)
}

fn parse_found(found: &str) -> Option<Found> {
    Some(match found {
        "boolean `true`" => Found::True,
        "boolean `false`" => Found::False,
        "sequence" => Found::List,
        "map" => Found::Object,
        f if f.starts_with("integer `") => Found::Integer,
        f if f.starts_with("floating point `") => Found::Decimal,
        f if f.starts_with("string \"") => Found::String,
        _ => return None,
    })
}

fn parse_expected(expected: &str) -> Option<Expected<'_>> {
    Some(match expected {
        "a string" | "a borrowed string" | "a character" => Expected::String,
        "a boolean" => Expected::Boolean,
        "i8" | "i16" | "i32" | "u8" | "u16" | "u32" => Expected::Integer,
        "i64" | "u64" | "i128" | "u128" => Expected::Long,
        "f32" | "f64" => Expected::Double,
        "a sequence" => Expected::List,
        "a map" => Expected::Map,
        e => Expected::Structure(e.strip_prefix("struct ")?),
    })
}

fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dynamodb::error::ErrorCode;
    use crate::dynamodb::value::{AttributeValue, Item};
    use serde::Deserialize;
    use std::collections::HashMap;

    #[derive(Debug, Deserialize, Default, PartialEq)]
    #[serde(rename_all = "PascalCase")]
    struct PutItemInput {
        table_name: Option<String>,
        #[serde(default, deserialize_with = "attribute_json::deserialize_item_map")]
        item: Option<Item>,
        #[serde(
            default,
            deserialize_with = "attribute_json::deserialize_expression_attribute_values"
        )]
        expression_attribute_values: Option<HashMap<String, AttributeValue>>,
        limit: Option<i32>,
        consistent_read: Option<bool>,
        key_schema: Option<Vec<KeySchemaElement>>,
        tags: Option<HashMap<String, String>>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "PascalCase")]
    struct KeySchemaElement {
        attribute_name: String,
        key_type: KeyType,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[allow(clippy::upper_case_acronyms)]
    enum KeyType {
        HASH,
        RANGE,
    }

    fn err(body: &str) -> (ErrorCode, String) {
        let e = decode::<PutItemInput>(body.as_bytes()).unwrap_err();
        (e.code, e.message)
    }

    fn serialization(m: &str) -> (ErrorCode, String) {
        (ErrorCode::SerializationException, m.to_owned())
    }

    fn validation(m: &str) -> (ErrorCode, String) {
        (ErrorCode::ValidationException, m.to_owned())
    }

    #[test]
    fn decodes_and_ignores_unknown_members() {
        let input: PutItemInput =
            decode(br#"{"TableName":"t","Item":{"pk":{"S":"x"}},"Bogus":[1,{"a":2}],"Limit":5}"#)
                .unwrap();
        assert_eq!(input.table_name.as_deref(), Some("t"));
        assert_eq!(input.item.unwrap()["pk"], AttributeValue::S("x".into()));
        assert_eq!(input.limit, Some(5));
        let empty: PutItemInput = decode(b"{}").unwrap();
        assert_eq!(empty, PutItemInput::default());
    }

    #[test]
    fn malformed_json_is_a_bare_serialization_exception() {
        for body in [
            "",
            "{",
            r#"{"TableName":"#,
            "x",
            r#"{"TableName":"t",}"#,
            "{'a':1}",
            r#"{"TableName":"t"} x"#,
            r#"{"TableName":"t""#,
        ] {
            assert_eq!(err(body), serialization(""), "{body:?}");
        }
    }

    #[test]
    fn type_errors_use_the_codec_texts() {
        for (body, message) in [
            (
                r#"{"TableName":5}"#,
                "NUMBER_VALUE cannot be converted to String",
            ),
            (
                r#"{"TableName":5.5}"#,
                "DECIMAL_VALUE cannot be converted to String",
            ),
            (
                r#"{"TableName":true}"#,
                "TRUE_VALUE cannot be converted to String",
            ),
            (
                r#"{"TableName":false}"#,
                "FALSE_VALUE cannot be converted to String",
            ),
            (
                r#"{"TableName":[]}"#,
                "Unrecognized collection type class java.lang.String",
            ),
            (
                r#"{"TableName":{}}"#,
                "Start of structure or map found where not expected",
            ),
            (
                r#"{"Limit":"23"}"#,
                "STRING_VALUE cannot be converted to Integer",
            ),
            (
                r#"{"Limit":true}"#,
                "TRUE_VALUE cannot be converted to Integer",
            ),
            (
                r#"{"Limit":[]}"#,
                "Unrecognized collection type class java.lang.Integer",
            ),
            (
                r#"{"ConsistentRead":"23"}"#,
                "Unexpected token received from parser",
            ),
            (
                r#"{"ConsistentRead":23}"#,
                "NUMBER_VALUE cannot be converted to Boolean",
            ),
            (
                r#"{"ConsistentRead":34.56}"#,
                "DECIMAL_VALUE cannot be converted to Boolean",
            ),
            (r#"{"KeySchema":"23"}"#, "Unexpected field type"),
            (
                r#"{"KeySchema":{}}"#,
                "Start of structure or map found where not expected",
            ),
            (r#"{"KeySchema":[true]}"#, "Unexpected field type"),
            (
                r#"{"KeySchema":[[]]}"#,
                "Unrecognized collection type class com.amazonaws.dynamodb.v20120810.KeySchemaElement",
            ),
            (r#"{"Tags":5}"#, "Unexpected field type"),
            (
                r#"{"Tags":[]}"#,
                "Unrecognized collection type java.util.Map",
            ),
            (
                "[]",
                "Unrecognized collection type class com.amazonaws.dynamodb.v20120810.PutItemInput",
            ),
            (
                r#"{"Item":{"a":{"S":5}}}"#,
                "NUMBER_VALUE cannot be converted to String",
            ),
            (
                r#"{"Item":{"a":{"B":"abc"}}}"#,
                "Base64 encoded length is expected a multiple of 4 bytes but found: 3",
            ),
        ] {
            assert_eq!(err(body), serialization(message), "{body}");
        }
    }

    #[test]
    fn validation_errors() {
        assert_eq!(
            err(r#"{"Item":{"a":{}}}"#),
            validation(attribute_json::EMPTY_VALUE)
        );
        assert_eq!(
            err(r#"{"ExpressionAttributeValues":{":v":{"N":"x"}}}"#),
            validation(
                "ExpressionAttributeValues contains invalid value: The parameter cannot be \
                 converted to a numeric value: x for key :v"
            )
        );
        assert_eq!(
            err(r#"{"KeySchema":[{"KeyType":"HASH"}]}"#),
            validation(
                "1 validation error detected: Value null at 'attributeName' failed to satisfy \
                 constraint: Member must not be null"
            )
        );
        assert_eq!(
            err(r#"{"KeySchema":[{"AttributeName":"a","KeyType":"X"}]}"#),
            validation(
                "1 validation error detected: Value 'X' failed to satisfy constraint: Member \
                 must satisfy enum value set: [HASH, RANGE]"
            )
        );
    }

    #[test]
    fn a_type_error_anywhere_beats_an_earlier_validation_error() {
        assert_eq!(
            err(r#"{"Item":{"a":{"N":"x"}},"TableName":5}"#),
            serialization("NUMBER_VALUE cannot be converted to String")
        );
        assert_eq!(
            err(r#"{"Item":{"a":{}},"Item2":5,"ConsistentRead":"yes"}"#),
            serialization("Unexpected token received from parser")
        );
    }

    #[test]
    fn deferred_errors_come_back_with_the_input() {
        let (input, deferred) =
            decode_deferred::<PutItemInput>(br#"{"Item":{"a":{"N":"x"},"b":{}},"TableName":"t"}"#)
                .unwrap();
        assert_eq!(input.table_name.as_deref(), Some("t"));
        assert_eq!(
            deferred,
            Some(DynamoError::validation(
                "The parameter cannot be converted to a numeric value: x"
            ))
        );
        let (_, none) = decode_deferred::<PutItemInput>(br#"{"TableName":"t"}"#).unwrap();
        assert_eq!(none, None);
    }

    #[test]
    fn deep_nesting_is_the_services_error() {
        let nest = |levels: usize| {
            let mut v = r#"{"S":"x"}"#.to_owned();
            for _ in 0..levels {
                v = format!(r#"{{"L":[{v}]}}"#);
            }
            format!(r#"{{"Item":{{"a":{v}}}}}"#)
        };
        assert!(decode::<PutItemInput>(nest(31).as_bytes()).is_ok());
        assert_eq!(err(&nest(32)), validation(NESTING_TOO_DEEP));
        // Past serde_json's recursion limit.
        assert_eq!(err(&nest(500)), validation(NESTING_TOO_DEEP));
        let body = format!(
            r#"{{"Item":{{"b":{{"N":"x"}},"a":{}}}}}"#,
            &nest(500)[r#"{"Item":{"a":"#.len()..nest(500).len() - 2]
        );
        assert_eq!(
            err(&body),
            validation("The parameter cannot be converted to a numeric value: x")
        );
    }

    #[test]
    fn encode_writes_compact_json() {
        let item: Item = [("a".to_owned(), AttributeValue::Bool(true))]
            .into_iter()
            .collect();
        assert_eq!(encode(&item), br#"{"a":{"BOOL":true}}"#.to_vec());
    }

    #[test]
    fn lower_first_handles_edges() {
        assert_eq!(lower_first("TableName"), "tableName");
        assert_eq!(lower_first(""), "");
    }
}
