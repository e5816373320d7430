//! DynamoDB JSON for [`AttributeValue`]: `{"S": "x"}`, `{"N": "1.5"}`, `{"B": "AQI="}`,
//! `{"BOOL": true}`, `{"NULL": true}`, `{"L": [...]}`, `{"M": {...}}`, `{"SS": [...]}`,
//! `{"NS": [...]}`, `{"BS": [...]}`, written by hand.
//!
//! # Output
//!
//! What the service returns: numbers in their normalised plain form (`Number`'s `Display`),
//! binaries in padded standard base64, sets in the order held. Output is canonical, so stored
//! items can be spliced into responses byte for byte.
//!
//! # Input
//!
//! Input is checked as the service checks it, with its texts. There are two classes:
//!
//! - **Serialization** errors (`SerializationException`): a JSON type where another is
//!   expected (`{"S": 5}` → "NUMBER_VALUE cannot be converted to String") and malformed
//!   base64. The service raises them while deserializing, before any validation, so they
//!   always win. Texts are those of the service's JSON codec as recorded by dynalite against
//!   the live service; DynamoDB Local coerces most mismatches silently (`{"S": 5}` is stored
//!   as `"5"`) or answers `InternalFailure`, so it cannot confirm them.
//! - **Validation** errors (`ValidationException`): an empty or multi-typed value, a bad
//!   number, empty sets, duplicates, `NULL: false`, nulls inside collections, nesting deeper
//!   than 32 levels. The service checks these after the request's own constraints (a
//!   missing `TableName`, even a missing table, is reported first; checked with DynamoDB
//!   Local), in document order.
//!
//! serde can only return serde errors, so each is raised as `de::Error::custom` of the
//! message behind [`VALIDATION_MARKER`] or [`SERIALIZATION_MARKER`]; `json::decode` turns
//! them back into `DynamoError`s. Inside `json::decode_deferred`, validation errors do not stop
//! decoding: the first one is recorded (thread-local) and a placeholder value is produced, so
//! that a later serialization error still wins and the operation can run its own constraint
//! checks before reporting it.
//!
//! Checked against DynamoDB Local 3.3.1 (PutItem, GetItem, UpdateItem
//! `ExpressionAttributeValues`):
//! - "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
//!   (also for `{"X": "1"}`, `{"s": "a"}` and `{"S": null}`: unknown members and null members
//!   are ignored).
//! - "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the
//!   supported datatypes", raised after the members themselves are checked (`{"S":"a",
//!   "N":"x"}` is a number error). A repeated member (`{"S":"a","S":"b"}`) is not an error.
//! - "One or more parameter values were invalid: An string set  may not be empty" (two
//!   spaces), "... An number set  may not be empty", "... Binary sets should not be empty".
//! - "Input collection contains duplicates" for NS, compared numerically (`1` and `1.0`),
//!   detected element by element (`["1","1","x"]` is a duplicate error, `["x","1","1"]` a
//!   number error).
//! - "One or more parameter values were invalid: Null attribute value types must have the
//!   value of true".
//! - "One or more parameter values were invalid: An string set may not have a null string as
//!   a member"; "The supplied Item contains a null AttributeValue" (null in L);
//!   "The supplied Item contains a null AttributeValue: b is null" (null in M).
//! - "Nesting Levels have exceeded supported limits: Attributes in the item have nested levels
//!   beyond supported limit": an L or M at level 32 (a top-level attribute is level 1) is
//!   rejected even when empty; scalars and sets at level 32 are fine.
//! - "ExpressionAttributeValues contains invalid value: <message> for key :v" (see
//!   [`deserialize_expression_attribute_values`]).
//!
//! Service texts that DynamoDB Local words differently (we follow the service, as recorded by
//! dynalite): SS duplicates "One or more parameter values were invalid: Input collection [a,
//! a] contains duplicates." (Local omits the final period); BS duplicates "One or more
//! parameter values were invalid: Input collection [Yg==, Yg==]of type BS contains
//! duplicates." (sic; Local: "Input collection of type BS contains duplicates."); numbers (see
//! `number.rs`).
//!
//! Not verified anywhere: the text for a null BS member (we use dynalite's "Binary sets may
//! not contain null or empty values"), and the base64 texts for a character outside the
//! alphabet ("Invalid Base64 character: '!'"); the length and last-character texts are
//! dynalite's recordings.

use std::cell::RefCell;
use std::collections::HashSet;
use std::fmt;
use std::marker::PhantomData;

use base64::Engine;
use base64::display::Base64Display;
use base64::engine::general_purpose::STANDARD;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::number::Number;
use super::value::{AttributeValue, Item};

/// Prefix of a `de::Error::custom` message that is a `ValidationException`.
pub const VALIDATION_MARKER: &str = "\u{1}ValidationException\u{1}";
/// Prefix of a `de::Error::custom` message that is a `SerializationException` with the
/// service's text.
pub const SERIALIZATION_MARKER: &str = "\u{1}SerializationException\u{1}";

/// Deepest level a value may occupy; a top-level attribute is level 1.
pub const MAX_NESTING_DEPTH: usize = 32;

pub const EMPTY_VALUE: &str =
    "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes";
pub const MULTIPLE_TYPES: &str = "Supplied AttributeValue has more than one datatypes set, \
                                  must contain exactly one of the supported datatypes";
pub const NESTING_TOO_DEEP: &str = "Nesting Levels have exceeded supported limits: Attributes \
                                    in the item have nested levels beyond supported limit";
const NULL_FALSE: &str = "One or more parameter values were invalid: Null attribute value \
                          types must have the value of true";
const EMPTY_SS: &str = "One or more parameter values were invalid: An string set  may not be empty";
const EMPTY_NS: &str = "One or more parameter values were invalid: An number set  may not be empty";
const EMPTY_BS: &str = "One or more parameter values were invalid: Binary sets should not be empty";
const NULL_IN_SS: &str = "One or more parameter values were invalid: An string set may not have a null string as a member";
const NULL_IN_BS: &str =
    "One or more parameter values were invalid: Binary sets may not contain null or empty values";
const NS_DUPLICATES: &str = "Input collection contains duplicates";
const NULL_VALUE: &str = "The supplied Item contains a null AttributeValue";
const NULL_NUMBER: &str = "The parameter cannot be converted to a numeric value";

// ---------------------------------------------------------------------------------------
// Error plumbing

thread_local! {
    /// `Some` while `with_deferred_validation` runs: holds the first validation message.
    static DEFERRED: RefCell<Option<Option<String>>> = const { RefCell::new(None) };
}

/// Runs `f` with validation errors deferred (see the module documentation); returns its
/// result and the first validation message raised meanwhile. Nests and restores on panic.
pub(crate) fn with_deferred_validation<R>(f: impl FnOnce() -> R) -> (R, Option<String>) {
    struct Restore(Option<Option<String>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let previous = self.0.take();
            DEFERRED.with(|d| *d.borrow_mut() = previous);
        }
    }
    let _restore = Restore(DEFERRED.with(|d| d.borrow_mut().replace(None)));
    let result = f();
    let first = DEFERRED.with(|d| d.borrow_mut().as_mut().and_then(Option::take));
    (result, first)
}

/// Whether a validation error has been deferred in the current scope.
fn deferred_error_recorded() -> bool {
    DEFERRED.with(|d| matches!(&*d.borrow(), Some(Some(_))))
}

fn rewrite_deferred_error(f: impl FnOnce(String) -> String) {
    DEFERRED.with(|d| {
        if let Some(Some(message)) = d.borrow_mut().as_mut() {
            *message = f(std::mem::take(message));
        }
    });
}

/// Raises a validation error: recorded when deferring (the caller carries on with a
/// placeholder), returned otherwise. The message is only built if it is needed.
fn invalid<E: de::Error>(message: impl FnOnce() -> String) -> Result<(), E> {
    DEFERRED.with(|d| match d.borrow_mut().as_mut() {
        Some(first) => {
            if first.is_none() {
                *first = Some(message());
            }
            Ok(())
        }
        None => Err(E::custom(format_args!("{VALIDATION_MARKER}{}", message()))),
    })
}

fn serialization_error<E: de::Error>(message: &str) -> E {
    E::custom(format_args!("{SERIALIZATION_MARKER}{message}"))
}

/// The JSON kinds the service's codec names in its type errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Found {
    True,
    False,
    Integer,
    Decimal,
    String,
    List,
    Object,
}

/// The Java-side shapes the service's codec converts into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expected<'a> {
    String,
    Boolean,
    Integer,
    Long,
    Double,
    Blob,
    /// A JSON array member (`SS`, `L`, `KeySchema`).
    List,
    /// A map of attribute values (`M`, `Item`).
    AttributeMap,
    /// Any other map member.
    Map,
    /// An `AttributeValue` (an `L` element, an `M` or `Item` value).
    AttributeValue,
    /// A structure member, by its model name.
    Structure(&'a str),
}

const START_OF_MAP: &str = "Start of structure or map found where not expected";

/// The service's `SerializationException` text when `found` is sent where `expected` is
/// due. Recorded by dynalite against the live service (2023+ texts), except `Double` and
/// `DECIMAL_VALUE` into integers, which follow the same pattern unverified.
pub fn type_mismatch_message(found: Found, expected: Expected<'_>) -> String {
    let token = match found {
        Found::True => "TRUE_VALUE",
        Found::False => "FALSE_VALUE",
        Found::Integer => "NUMBER_VALUE",
        Found::Decimal => "DECIMAL_VALUE",
        Found::String => "STRING_VALUE",
        Found::List | Found::Object => "",
    };
    if found == Found::Object && expected != Expected::AttributeMap && expected != Expected::Map {
        return START_OF_MAP.to_owned();
    }
    match expected {
        Expected::String | Expected::Integer | Expected::Long | Expected::Double => {
            let java = match expected {
                Expected::String => "String",
                Expected::Integer => "Integer",
                Expected::Long => "Long",
                _ => "Double",
            };
            if found == Found::List {
                format!("Unrecognized collection type class java.lang.{java}")
            } else {
                format!("{token} cannot be converted to {java}")
            }
        }
        Expected::Boolean => match found {
            Found::String => "Unexpected token received from parser".to_owned(),
            Found::List => "Unrecognized collection type class java.lang.Boolean".to_owned(),
            _ => format!("{token} cannot be converted to Boolean"),
        },
        Expected::Blob => match found {
            Found::List => "Unrecognized collection type class java.nio.ByteBuffer".to_owned(),
            _ => "only base-64-encoded strings are convertible to bytes".to_owned(),
        },
        Expected::List => "Unexpected field type".to_owned(),
        Expected::AttributeMap => match found {
            Found::List => "Unrecognized collection type java.util.Map<java.lang.String, \
                            com.amazonaws.dynamodb.v20120810.AttributeValue>"
                .to_owned(),
            _ => "Unexpected field type".to_owned(),
        },
        Expected::Map => match found {
            Found::List => "Unrecognized collection type java.util.Map".to_owned(),
            _ => "Unexpected field type".to_owned(),
        },
        Expected::AttributeValue => match found {
            Found::List => "Unrecognized collection type class \
                            com.amazonaws.dynamodb.v20120810.AttributeValue"
                .to_owned(),
            _ => "Unexpected value type in payload".to_owned(),
        },
        Expected::Structure(name) => match found {
            Found::List => {
                format!(
                    "Unrecognized collection type class com.amazonaws.dynamodb.v20120810.{name}"
                )
            }
            _ => "Unexpected field type".to_owned(),
        },
    }
}

fn mismatch<E: de::Error>(found: Found, expected: Expected<'_>) -> E {
    serialization_error(&type_mismatch_message(found, expected))
}

/// The visitor methods shared by every member: each JSON kind that is not the wanted one is
/// the service's type error for `$expected`; null is `Ok(None)` (the service treats a null
/// member as absent).
macro_rules! reject_other_kinds {
    ($expected:expr; $($kind:ident),*) => {
        $(reject_other_kinds!(@one $kind, $expected);)*
    };
    (@one null, $expected:expr) => {
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
    };
    (@one bool, $expected:expr) => {
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
            Err(mismatch(if v { Found::True } else { Found::False }, $expected))
        }
    };
    (@one number, $expected:expr) => {
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Err(mismatch(Found::Integer, $expected))
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Err(mismatch(Found::Integer, $expected))
        }
        fn visit_i128<E: de::Error>(self, _: i128) -> Result<Self::Value, E> {
            Err(mismatch(Found::Integer, $expected))
        }
        fn visit_u128<E: de::Error>(self, _: u128) -> Result<Self::Value, E> {
            Err(mismatch(Found::Integer, $expected))
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Err(mismatch(Found::Decimal, $expected))
        }
    };
    (@one str, $expected:expr) => {
        fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
            Err(mismatch(Found::String, $expected))
        }
    };
    (@one seq, $expected:expr) => {
        fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
            Err(mismatch(Found::List, $expected))
        }
    };
    (@one map, $expected:expr) => {
        fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
            Err(mismatch(Found::Object, $expected))
        }
    };
}

// ---------------------------------------------------------------------------------------
// Serialize

struct AsDisplay<'a, T>(&'a T);

impl<T: fmt::Display> Serialize for AsDisplay<'_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self.0)
    }
}

struct Base64<'a>(&'a [u8]);

impl Serialize for Base64<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&Base64Display::new(self.0, &STANDARD))
    }
}

struct NumberSeq<'a>(&'a [Number]);

impl Serialize for NumberSeq<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.0.len()))?;
        for n in self.0 {
            seq.serialize_element(&AsDisplay(n))?;
        }
        seq.end()
    }
}

struct BlobSeq<'a>(&'a [Vec<u8>]);

impl Serialize for BlobSeq<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.0.len()))?;
        for b in self.0 {
            seq.serialize_element(&Base64(b))?;
        }
        seq.end()
    }
}

impl Serialize for AttributeValue {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(1))?;
        match self {
            AttributeValue::S(s) => map.serialize_entry("S", s)?,
            AttributeValue::N(n) => map.serialize_entry("N", &AsDisplay(n))?,
            AttributeValue::B(b) => map.serialize_entry("B", &Base64(b))?,
            AttributeValue::Bool(b) => map.serialize_entry("BOOL", b)?,
            AttributeValue::Null => map.serialize_entry("NULL", &true)?,
            AttributeValue::L(list) => map.serialize_entry("L", list)?,
            AttributeValue::M(m) => map.serialize_entry("M", m)?,
            AttributeValue::Ss(set) => map.serialize_entry("SS", set)?,
            AttributeValue::Ns(set) => map.serialize_entry("NS", &NumberSeq(set))?,
            AttributeValue::Bs(set) => map.serialize_entry("BS", &BlobSeq(set))?,
        }
        map.end()
    }
}

// ---------------------------------------------------------------------------------------
// Deserialize: members

/// A string member (`S`, `N`, an `SS` or `NS` element).
struct StringMember;

impl<'de> DeserializeSeed<'de> for StringMember {
    type Value = Option<String>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for StringMember {
    type Value = Option<String>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Some(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Some(v))
    }

    reject_other_kinds!(Expected::String; null, bool, number, seq, map);
}

/// A number member (`N`, an `NS` element): `Some(Err(message))` for text that is not a
/// valid number (a validation error, raised by the caller in document order).
struct NumberMember;

impl<'de> DeserializeSeed<'de> for NumberMember {
    type Value = Option<Result<Number, String>>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for NumberMember {
    type Value = Option<Result<Number, String>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number as a string")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Some(Number::try_parse(v).map_err(|e| e.message(v))))
    }

    reject_other_kinds!(Expected::String; null, bool, number, seq, map);
}

/// A binary member (`B`, a `BS` element): base64 text.
struct BlobMember;

impl<'de> DeserializeSeed<'de> for BlobMember {
    type Value = Option<Vec<u8>>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for BlobMember {
    type Value = Option<Vec<u8>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("base64 text")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        decode_base64(v)
            .map(Some)
            .map_err(|message| serialization_error(&message))
    }

    reject_other_kinds!(Expected::Blob; null, bool, number, seq, map);
}

/// Standard padded base64, strictly (canonical padding and trailing bits), with the
/// service's texts.
pub fn decode_base64(text: &str) -> Result<Vec<u8>, String> {
    // The service counts Java characters (UTF-16 units).
    let len = if text.is_ascii() {
        text.len()
    } else {
        text.encode_utf16().count()
    };
    if len % 4 != 0 {
        return Err(format!(
            "Base64 encoded length is expected a multiple of 4 bytes but found: {len}"
        ));
    }
    STANDARD.decode(text).map_err(|e| match e {
        base64::DecodeError::InvalidByte(offset, byte) if byte != b'=' => {
            let c = text[offset..].chars().next().unwrap_or(char::from(byte));
            format!("Invalid Base64 character: '{c}'")
        }
        _ => "Invalid last non-pad Base64 character dectected".to_owned(),
    })
}

/// A boolean member (`BOOL`, `NULL`).
struct BoolMember;

impl<'de> DeserializeSeed<'de> for BoolMember {
    type Value = Option<bool>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for BoolMember {
    type Value = Option<bool>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a boolean")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Some(v))
    }

    reject_other_kinds!(Expected::Boolean; null, number, str, seq, map);
}

/// `SS`: strings, no null member, not empty, no duplicates.
struct StringSet;

impl<'de> DeserializeSeed<'de> for StringSet {
    type Value = Option<Vec<String>>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for StringSet {
    type Value = Option<Vec<String>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of strings")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut set = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(256));
        while let Some(element) = seq.next_element_seed(StringMember)? {
            match element {
                Some(s) => set.push(s),
                None => invalid(|| NULL_IN_SS.to_owned())?,
            }
        }
        if set.is_empty() {
            invalid(|| EMPTY_SS.to_owned())?;
        } else if has_duplicates(&set) {
            invalid(|| {
                format!(
                    "One or more parameter values were invalid: Input collection [{}] contains \
                     duplicates.",
                    set.join(", ")
                )
            })?;
        }
        Ok(Some(set))
    }

    reject_other_kinds!(Expected::List; null, bool, number, str, map);
}

/// `NS`: numbers, each valid, not empty, no numerically equal pair.
struct NumberSet;

impl<'de> DeserializeSeed<'de> for NumberSet {
    type Value = Option<Vec<Number>>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for NumberSet {
    type Value = Option<Vec<Number>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of numbers as strings")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut set: Vec<Number> = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(256));
        // Built once the set outgrows a linear scan.
        let mut index: Option<HashSet<Number>> = None;
        while let Some(element) = seq.next_element_seed(NumberMember)? {
            let n = match element {
                Some(Ok(n)) => n,
                Some(Err(message)) => {
                    invalid(|| message)?;
                    continue;
                }
                None => {
                    invalid(|| NULL_NUMBER.to_owned())?;
                    continue;
                }
            };
            let duplicate = match &mut index {
                Some(index) => !index.insert(n),
                None => {
                    let duplicate = set.contains(&n);
                    if set.len() >= 16 {
                        index = Some(set.iter().copied().chain([n]).collect());
                    }
                    duplicate
                }
            };
            if duplicate {
                invalid(|| NS_DUPLICATES.to_owned())?;
            }
            set.push(n);
        }
        if set.is_empty() {
            invalid(|| EMPTY_NS.to_owned())?;
        }
        Ok(Some(set))
    }

    reject_other_kinds!(Expected::List; null, bool, number, str, map);
}

/// `BS`: binaries, no null member, not empty, no duplicates.
struct BlobSet;

impl<'de> DeserializeSeed<'de> for BlobSet {
    type Value = Option<Vec<Vec<u8>>>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for BlobSet {
    type Value = Option<Vec<Vec<u8>>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of base64 texts")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut set = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(256));
        while let Some(element) = seq.next_element_seed(BlobMember)? {
            match element {
                Some(b) => set.push(b),
                None => invalid(|| NULL_IN_BS.to_owned())?,
            }
        }
        if set.is_empty() {
            invalid(|| EMPTY_BS.to_owned())?;
        } else if has_duplicates(&set) {
            invalid(|| {
                let shown: Vec<String> = set.iter().map(|b| STANDARD.encode(b)).collect();
                format!(
                    "One or more parameter values were invalid: Input collection [{}]of type BS \
                     contains duplicates.",
                    shown.join(", ")
                )
            })?;
        }
        Ok(Some(set))
    }

    reject_other_kinds!(Expected::List; null, bool, number, str, map);
}

fn has_duplicates<T: AsRef<[u8]>>(set: &[T]) -> bool {
    if set.len() <= 16 {
        set.iter()
            .enumerate()
            .any(|(i, a)| set[..i].iter().any(|b| a.as_ref() == b.as_ref()))
    } else {
        let mut seen = HashSet::with_capacity(set.len());
        !set.iter().all(|v| seen.insert(v.as_ref()))
    }
}

/// `L`: attribute values one level down; a null element is a validation error.
struct ListMember {
    depth: usize,
}

impl<'de> DeserializeSeed<'de> for ListMember {
    type Value = Option<Vec<AttributeValue>>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ListMember {
    type Value = Option<Vec<AttributeValue>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of attribute values")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut list = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(256));
        while let Some(element) = seq.next_element_seed(OptionalValue { depth: self.depth })? {
            match element {
                Some(v) => list.push(v),
                None => {
                    invalid(|| NULL_VALUE.to_owned())?;
                    list.push(AttributeValue::Null);
                }
            }
        }
        Ok(Some(list))
    }

    reject_other_kinds!(Expected::List; null, bool, number, str, map);
}

/// `M` and maps of attribute values (`Item`, `Key`): names to values at `depth`; a null
/// value is a validation error naming the attribute.
struct MapMember<M> {
    depth: usize,
    /// `Some(text)`: an `ExpressionAttributeValues`-style map whose value errors are wrapped
    /// as "`text` contains invalid value: <message> for key <key>".
    wrap: Option<&'static str>,
    map: PhantomData<M>,
}

impl<M> MapMember<M> {
    fn new(depth: usize) -> Self {
        MapMember {
            depth,
            wrap: None,
            map: PhantomData,
        }
    }
}

impl<'de, M: Default + Extend<(String, AttributeValue)>> DeserializeSeed<'de> for MapMember<M> {
    type Value = Option<M>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, M: Default + Extend<(String, AttributeValue)>> Visitor<'de> for MapMember<M> {
    type Value = Option<M>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a map of attribute values")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
        let mut map = M::default();
        while let Some(name) = access.next_key::<String>()? {
            let value = match self.wrap {
                None => access.next_value_seed(OptionalValue { depth: self.depth })?,
                Some(member) => {
                    let wrap = |message: &str| {
                        format!("{member} contains invalid value: {message} for key {name}")
                    };
                    let before = deferred_error_recorded();
                    let value = access
                        .next_value_seed(OptionalValue { depth: self.depth })
                        .map_err(|e| {
                            // Only validation errors are wrapped (immediate mode).
                            let text = e.to_string();
                            match text.strip_prefix(VALIDATION_MARKER) {
                                Some(message) => de::Error::custom(format_args!(
                                    "{VALIDATION_MARKER}{}",
                                    wrap(strip_position(message))
                                )),
                                None => e,
                            }
                        })?;
                    if !before && deferred_error_recorded() {
                        rewrite_deferred_error(|message| wrap(&message));
                    }
                    if value.is_none() {
                        invalid(|| wrap(NULL_VALUE))?;
                    }
                    Some(value.unwrap_or(AttributeValue::Null))
                }
            };
            let value = match value {
                Some(v) => v,
                None => {
                    invalid(|| format!("{NULL_VALUE}: {name} is null"))?;
                    AttributeValue::Null
                }
            };
            map.extend(std::iter::once((name, value)));
        }
        Ok(Some(map))
    }

    reject_other_kinds!(Expected::AttributeMap; null, bool, number, str, seq);
}

/// Strips serde_json's " at line L column C" from an error text.
pub(crate) fn strip_position(text: &str) -> &str {
    if let Some(at) = text.rfind(" at line ") {
        let rest = &text[at + " at line ".len()..];
        if let Some((line, column)) = rest.split_once(" column ")
            && !line.is_empty()
            && line.bytes().all(|b| b.is_ascii_digit())
            && !column.is_empty()
            && column.bytes().all(|b| b.is_ascii_digit())
        {
            return &text[..at];
        }
    }
    text
}

// ---------------------------------------------------------------------------------------
// Deserialize: the value itself

/// An attribute value at `depth` (a top-level attribute is 1), or `None` for JSON null.
struct OptionalValue {
    depth: usize,
}

impl<'de> DeserializeSeed<'de> for OptionalValue {
    type Value = Option<AttributeValue>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(ValueVisitor { depth: self.depth })
    }
}

/// The type members, as sent.
#[derive(Clone, Copy, PartialEq, Eq)]
enum TypeKey {
    S,
    N,
    B,
    Bool,
    Null,
    L,
    M,
    Ss,
    Ns,
    Bs,
    /// Anything else, ignored as the service ignores unknown members.
    Other,
}

impl<'de> Deserialize<'de> for TypeKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = TypeKey;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a member name")
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<TypeKey, E> {
                Ok(match v {
                    "S" => TypeKey::S,
                    "N" => TypeKey::N,
                    "B" => TypeKey::B,
                    "BOOL" => TypeKey::Bool,
                    "NULL" => TypeKey::Null,
                    "L" => TypeKey::L,
                    "M" => TypeKey::M,
                    "SS" => TypeKey::Ss,
                    "NS" => TypeKey::Ns,
                    "BS" => TypeKey::Bs,
                    _ => TypeKey::Other,
                })
            }
        }
        d.deserialize_identifier(KeyVisitor)
    }
}

struct ValueVisitor {
    depth: usize,
}

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Option<AttributeValue>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an attribute value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
        // Bit per type member present (non-null); a repeated member keeps the last value.
        let mut present: u16 = 0;
        let mut value = None;
        let mut set = |key: TypeKey, v: AttributeValue| {
            present |= 1 << key as u16;
            value = Some(v);
        };
        let child_depth = self.depth + 1;
        while let Some(key) = access.next_key::<TypeKey>()? {
            if matches!(key, TypeKey::L | TypeKey::M) && self.depth >= MAX_NESTING_DEPTH {
                invalid(|| NESTING_TOO_DEEP.to_owned())?;
            }
            match key {
                TypeKey::Other => {
                    access.next_value::<IgnoredAny>()?;
                }
                TypeKey::S => {
                    if let Some(s) = access.next_value_seed(StringMember)? {
                        set(key, AttributeValue::S(s));
                    }
                }
                TypeKey::N => match access.next_value_seed(NumberMember)? {
                    Some(Ok(n)) => set(key, AttributeValue::N(n)),
                    Some(Err(message)) => {
                        invalid(|| message)?;
                        set(key, AttributeValue::N(Number::ZERO));
                    }
                    None => {}
                },
                TypeKey::B => {
                    if let Some(b) = access.next_value_seed(BlobMember)? {
                        set(key, AttributeValue::B(b));
                    }
                }
                TypeKey::Bool => {
                    if let Some(b) = access.next_value_seed(BoolMember)? {
                        set(key, AttributeValue::Bool(b));
                    }
                }
                TypeKey::Null => {
                    if let Some(b) = access.next_value_seed(BoolMember)? {
                        if !b {
                            invalid(|| NULL_FALSE.to_owned())?;
                        }
                        set(key, AttributeValue::Null);
                    }
                }
                TypeKey::L => {
                    if let Some(l) = access.next_value_seed(ListMember { depth: child_depth })? {
                        set(key, AttributeValue::L(l));
                    }
                }
                TypeKey::M => {
                    if let Some(m) = access.next_value_seed(MapMember::<Item>::new(child_depth))? {
                        set(key, AttributeValue::M(m));
                    }
                }
                TypeKey::Ss => {
                    if let Some(s) = access.next_value_seed(StringSet)? {
                        set(key, AttributeValue::Ss(s));
                    }
                }
                TypeKey::Ns => {
                    if let Some(s) = access.next_value_seed(NumberSet)? {
                        set(key, AttributeValue::Ns(s));
                    }
                }
                TypeKey::Bs => {
                    if let Some(s) = access.next_value_seed(BlobSet)? {
                        set(key, AttributeValue::Bs(s));
                    }
                }
            }
        }
        match present.count_ones() {
            0 => {
                invalid(|| EMPTY_VALUE.to_owned())?;
                Ok(Some(AttributeValue::Null))
            }
            1 => Ok(value),
            _ => {
                invalid(|| MULTIPLE_TYPES.to_owned())?;
                Ok(value)
            }
        }
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    reject_other_kinds!(Expected::AttributeValue; bool, number, str, seq);
}

impl<'de> Deserialize<'de> for AttributeValue {
    /// A value on its own is a top-level attribute (level 1). A null value is the service's
    /// "The supplied Item contains a null AttributeValue"; maps of values should use
    /// [`deserialize_item_map`], which names the attribute.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match (OptionalValue { depth: 1 }).deserialize(d)? {
            Some(v) => Ok(v),
            None => {
                invalid(|| NULL_VALUE.to_owned())?;
                Ok(AttributeValue::Null)
            }
        }
    }
}

/// `#[serde(default, deserialize_with = "…")]` for an `Option` map of attribute values such
/// as `Item` or `Key`: a null value is "The supplied Item contains a null AttributeValue:
/// <name> is null", as the service says; a non-map is the service's type error.
pub fn deserialize_item_map<'de, D, M>(d: D) -> Result<Option<M>, D::Error>
where
    D: Deserializer<'de>,
    M: Default + Extend<(String, AttributeValue)>,
{
    MapMember::<M>::new(1).deserialize(d)
}

/// `#[serde(default, deserialize_with = "…")]` for `ExpressionAttributeValues`: a value's
/// validation error is wrapped as the service wraps it, "ExpressionAttributeValues contains
/// invalid value: <message> for key :v" (checked with DynamoDB Local).
pub fn deserialize_expression_attribute_values<'de, D, M>(d: D) -> Result<Option<M>, D::Error>
where
    D: Deserializer<'de>,
    M: Default + Extend<(String, AttributeValue)>,
{
    MapMember::<M> {
        depth: 1,
        wrap: Some("ExpressionAttributeValues"),
        map: PhantomData,
    }
    .deserialize(d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::{BTreeMap, HashMap};

    /// Decodes without deferral: the first error of either class, as a marked string.
    fn decode(json: &str) -> Result<AttributeValue, String> {
        serde_json::from_str(json).map_err(|e| strip_position(&e.to_string()).to_owned())
    }

    fn validation(message: &str) -> Result<AttributeValue, String> {
        Err(format!("{VALIDATION_MARKER}{message}"))
    }

    fn serialization(message: &str) -> Result<AttributeValue, String> {
        Err(format!("{SERIALIZATION_MARKER}{message}"))
    }

    fn n(s: &str) -> Number {
        Number::parse(s).unwrap()
    }

    fn encode(v: &AttributeValue) -> String {
        serde_json::to_string(v).unwrap()
    }

    #[test]
    fn output_is_what_the_service_returns() {
        let item: Item = [
            ("s".to_owned(), AttributeValue::S("x\"y".into())),
            ("n".to_owned(), AttributeValue::N(n("1.50"))),
            ("b".to_owned(), AttributeValue::B(vec![1, 2, 3, 4])),
            ("t".to_owned(), AttributeValue::Bool(true)),
            ("z".to_owned(), AttributeValue::Null),
            (
                "l".to_owned(),
                AttributeValue::L(vec![AttributeValue::N(n("1E+2")), AttributeValue::Null]),
            ),
            (
                "m".to_owned(),
                AttributeValue::M(
                    [("k".to_owned(), AttributeValue::Bool(false))]
                        .into_iter()
                        .collect(),
                ),
            ),
            (
                "ss".to_owned(),
                AttributeValue::Ss(vec!["b".into(), "a".into()]),
            ),
            (
                "ns".to_owned(),
                AttributeValue::Ns(vec![n("3"), n("-0.50")]),
            ),
            ("bs".to_owned(), AttributeValue::Bs(vec![vec![1], vec![]])),
        ]
        .into_iter()
        .collect();
        assert_eq!(
            serde_json::to_string(&item).unwrap(),
            r#"{"b":{"B":"AQIDBA=="},"bs":{"BS":["AQ==",""]},"l":{"L":[{"N":"100"},{"NULL":true}]},"#
                .to_owned()
                + r#""m":{"M":{"k":{"BOOL":false}}},"n":{"N":"1.5"},"ns":{"NS":["3","-0.5"]},"#
                + r#""s":{"S":"x\"y"},"ss":{"SS":["b","a"]},"t":{"BOOL":true},"z":{"NULL":true}}"#
        );
    }

    #[test]
    fn reads_every_type() {
        assert_eq!(decode(r#"{"S":"a"}"#), Ok(AttributeValue::S("a".into())));
        assert_eq!(decode(r#"{"S":""}"#), Ok(AttributeValue::S("".into())));
        assert_eq!(
            decode(r#"{"N":"0001.50"}"#),
            Ok(AttributeValue::N(n("1.5")))
        );
        assert_eq!(
            decode(r#"{"B":"AQID"}"#),
            Ok(AttributeValue::B(vec![1, 2, 3]))
        );
        assert_eq!(decode(r#"{"B":""}"#), Ok(AttributeValue::B(vec![])));
        assert_eq!(decode(r#"{"BOOL":false}"#), Ok(AttributeValue::Bool(false)));
        assert_eq!(decode(r#"{"NULL":true}"#), Ok(AttributeValue::Null));
        assert_eq!(
            decode(r#"{"L":[{"S":"a"},{"L":[]}]}"#),
            Ok(AttributeValue::L(vec![
                AttributeValue::S("a".into()),
                AttributeValue::L(vec![])
            ]))
        );
        assert_eq!(
            decode(r#"{"M":{"b":{"N":"1"},"a":{"M":{}}}}"#),
            Ok(AttributeValue::M(
                [
                    ("a".to_owned(), AttributeValue::M(Item::new())),
                    ("b".to_owned(), AttributeValue::N(n("1"))),
                ]
                .into_iter()
                .collect()
            ))
        );
        assert_eq!(
            decode(r#"{"SS":["b","a",""]}"#),
            Ok(AttributeValue::Ss(vec!["b".into(), "a".into(), "".into()]))
        );
        assert_eq!(
            decode(r#"{"NS":["2","1.5"]}"#),
            Ok(AttributeValue::Ns(vec![n("2"), n("1.5")]))
        );
        assert_eq!(
            decode(r#"{"BS":["AQ==",""]}"#),
            Ok(AttributeValue::Bs(vec![vec![1], vec![]]))
        );
        // Unknown and null members are ignored; a repeated member keeps the last value.
        assert_eq!(
            decode(r#"{"X":"1","S":"a"}"#),
            Ok(AttributeValue::S("a".into()))
        );
        assert_eq!(
            decode(r#"{"S":"a","X":{"deep":[1]}}"#),
            Ok(AttributeValue::S("a".into()))
        );
        assert_eq!(
            decode(r#"{"S":"a","N":null}"#),
            Ok(AttributeValue::S("a".into()))
        );
        assert_eq!(
            decode(r#"{"S":"a","S":"b"}"#),
            Ok(AttributeValue::S("b".into()))
        );
        // Escapes in strings (serde_json hands these over through a scratch buffer).
        assert_eq!(
            decode(r#"{"S":"\u00e9\n"}"#),
            Ok(AttributeValue::S("é\n".into()))
        );
        assert_eq!(decode(r#"{"N":"\u0031"}"#), Ok(AttributeValue::N(n("1"))));
    }

    #[test]
    fn validation_errors_checked_against_dynamodb_local() {
        for (json, message) in [
            ("{}", EMPTY_VALUE),
            (r#"{"X":"1"}"#, EMPTY_VALUE),
            (r#"{"s":"a"}"#, EMPTY_VALUE),
            (r#"{"S":null}"#, EMPTY_VALUE),
            (r#"{"NULL":null}"#, EMPTY_VALUE),
            (r#"{"S":"a","N":"1"}"#, MULTIPLE_TYPES),
            (r#"{"BOOL":true,"NULL":true}"#, MULTIPLE_TYPES),
            (r#"{"SS":[]}"#, EMPTY_SS),
            (r#"{"NS":[]}"#, EMPTY_NS),
            (r#"{"BS":[]}"#, EMPTY_BS),
            (r#"{"NS":["1","1.0"]}"#, NS_DUPLICATES),
            (r#"{"NS":["1","2","1"]}"#, NS_DUPLICATES),
            (r#"{"NULL":false}"#, NULL_FALSE),
            (r#"{"SS":["a",null]}"#, NULL_IN_SS),
            (r#"{"L":[null]}"#, NULL_VALUE),
            (r#"{"L":[{"S":"a"},null]}"#, NULL_VALUE),
            (r#"{"L":[{}]}"#, EMPTY_VALUE),
            (r#"{"M":{"x":{}}}"#, EMPTY_VALUE),
            // Members are checked before the count of types, in document order.
            (
                r#"{"N":"x","S":"a"}"#,
                "The parameter cannot be converted to a numeric value: x",
            ),
            (
                r#"{"S":"a","N":"x"}"#,
                "The parameter cannot be converted to a numeric value: x",
            ),
            (r#"{"SS":[],"N":"1"}"#, EMPTY_SS),
            (r#"{"NULL":false,"N":"1"}"#, NULL_FALSE),
            (r#"{"L":[{}],"N":"1"}"#, EMPTY_VALUE),
            (r#"{"NS":["1","1","x"]}"#, NS_DUPLICATES),
            (
                r#"{"NS":["x","1","1"]}"#,
                "The parameter cannot be converted to a numeric value: x",
            ),
            (r#"{"NS":["1",null]}"#, NULL_NUMBER),
            (r#"{"NS":["1",""]}"#, NULL_NUMBER),
            (r#"{"N":""}"#, NULL_NUMBER),
            (
                r#"{"N":"1E126"}"#,
                "Number overflow. Attempting to store a number with magnitude larger than supported range",
            ),
            (
                r#"{"N":"123456789012345678901234567890123456789"}"#,
                "Attempting to store more than 38 significant digits in a Number",
            ),
        ] {
            assert_eq!(decode(json), validation(message), "{json}");
        }
        assert_eq!(
            decode(r#"{"M":{"b":null}}"#),
            validation("The supplied Item contains a null AttributeValue: b is null")
        );
    }

    #[test]
    fn duplicate_texts_follow_the_service() {
        assert_eq!(
            decode(r#"{"SS":["a","b","a"]}"#),
            validation(
                "One or more parameter values were invalid: Input collection [a, b, a] contains duplicates."
            )
        );
        assert_eq!(
            decode(r#"{"BS":["Yg==","Yg=="]}"#),
            validation(
                "One or more parameter values were invalid: Input collection [Yg==, Yg==]of type BS contains duplicates."
            )
        );
        assert_eq!(decode(r#"{"BS":["AQ==",null]}"#), validation(NULL_IN_BS));
        // Large sets go through the hashed path.
        let many: Vec<String> = (0..40).map(|i| format!("\"{i}\"")).collect();
        let mut with_dup = many.clone();
        with_dup.push("\"17.0\"".into());
        assert!(decode(&format!(r#"{{"NS":[{}]}}"#, many.join(","))).is_ok());
        assert_eq!(
            decode(&format!(r#"{{"NS":[{}]}}"#, with_dup.join(","))),
            validation(NS_DUPLICATES)
        );
        let mut ss = many.clone();
        ss.push("\"39\"".into());
        assert!(
            decode(&format!(r#"{{"SS":[{}]}}"#, ss.join(",")))
                .unwrap_err()
                .contains("contains duplicates.")
        );
    }

    #[test]
    fn nesting_limit_is_the_services() {
        let nest = |levels: usize, inner: &str| {
            let mut v = inner.to_owned();
            for _ in 0..levels {
                v = format!(r#"{{"L":[{v}]}}"#);
            }
            v
        };
        // 31 lists around a scalar or a set: 32 levels, accepted.
        assert!(decode(&nest(31, r#"{"S":"x"}"#)).is_ok());
        assert!(decode(&nest(31, r#"{"SS":["a"]}"#)).is_ok());
        // A list or map at level 32 is rejected even when empty.
        assert_eq!(
            decode(&nest(31, r#"{"L":[]}"#)),
            validation(NESTING_TOO_DEEP)
        );
        assert_eq!(
            decode(&nest(31, r#"{"M":{}}"#)),
            validation(NESTING_TOO_DEEP)
        );
        assert_eq!(
            decode(&nest(32, r#"{"S":"x"}"#)),
            validation(NESTING_TOO_DEEP)
        );
        // The first problem in document order wins.
        assert_eq!(
            decode(&format!(
                r#"{{"L":[{{"N":"x"}},{}]}}"#,
                nest(33, r#"{"N":"1"}"#)
            )),
            validation("The parameter cannot be converted to a numeric value: x")
        );
        assert_eq!(
            decode(&nest(33, r#"{"N":"x"}"#)),
            validation(NESTING_TOO_DEEP)
        );
        let mut m = r#"{"S":"x"}"#.to_owned();
        for _ in 0..32 {
            m = format!(r#"{{"M":{{"k":{m}}}}}"#);
        }
        assert_eq!(decode(&m), validation(NESTING_TOO_DEEP));
    }

    #[test]
    fn type_errors_are_the_services() {
        for (json, message) in [
            (r#"{"S":5}"#, "NUMBER_VALUE cannot be converted to String"),
            (r#"{"S":-5}"#, "NUMBER_VALUE cannot be converted to String"),
            (r#"{"N":5}"#, "NUMBER_VALUE cannot be converted to String"),
            (
                r#"{"N":5.5}"#,
                "DECIMAL_VALUE cannot be converted to String",
            ),
            (r#"{"S":true}"#, "TRUE_VALUE cannot be converted to String"),
            (
                r#"{"S":false}"#,
                "FALSE_VALUE cannot be converted to String",
            ),
            (
                r#"{"S":[]}"#,
                "Unrecognized collection type class java.lang.String",
            ),
            (r#"{"S":{}}"#, START_OF_MAP),
            (
                r#"{"BOOL":"true"}"#,
                "Unexpected token received from parser",
            ),
            (
                r#"{"NULL":"true"}"#,
                "Unexpected token received from parser",
            ),
            (
                r#"{"BOOL":1}"#,
                "NUMBER_VALUE cannot be converted to Boolean",
            ),
            (
                r#"{"BOOL":1.5}"#,
                "DECIMAL_VALUE cannot be converted to Boolean",
            ),
            (
                r#"{"BOOL":[]}"#,
                "Unrecognized collection type class java.lang.Boolean",
            ),
            (r#"{"BOOL":{}}"#, START_OF_MAP),
            (
                r#"{"B":true}"#,
                "only base-64-encoded strings are convertible to bytes",
            ),
            (
                r#"{"B":23}"#,
                "only base-64-encoded strings are convertible to bytes",
            ),
            (
                r#"{"B":[]}"#,
                "Unrecognized collection type class java.nio.ByteBuffer",
            ),
            (r#"{"B":{}}"#, START_OF_MAP),
            (
                r#"{"B":"23456"}"#,
                "Base64 encoded length is expected a multiple of 4 bytes but found: 5",
            ),
            (
                r#"{"B":"=+/="}"#,
                "Invalid last non-pad Base64 character dectected",
            ),
            (
                r#"{"B":"+/+="}"#,
                "Invalid last non-pad Base64 character dectected",
            ),
            (
                r#"{"B":"AQ=A"}"#,
                "Invalid last non-pad Base64 character dectected",
            ),
            (r#"{"B":"!!!!"}"#, "Invalid Base64 character: '!'"),
            (r#"{"B":"AQ€="}"#, "Invalid Base64 character: '€'"),
            (r#"{"SS":"a"}"#, "Unexpected field type"),
            (r#"{"SS":{}}"#, START_OF_MAP),
            (
                r#"{"SS":[1]}"#,
                "NUMBER_VALUE cannot be converted to String",
            ),
            (
                r#"{"NS":[1]}"#,
                "NUMBER_VALUE cannot be converted to String",
            ),
            (
                r#"{"BS":[1]}"#,
                "only base-64-encoded strings are convertible to bytes",
            ),
            (r#"{"L":{}}"#, START_OF_MAP),
            (r#"{"L":true}"#, "Unexpected field type"),
            (r#"{"L":["a"]}"#, "Unexpected value type in payload"),
            (
                r#"{"L":[[]]}"#,
                "Unrecognized collection type class com.amazonaws.dynamodb.v20120810.AttributeValue",
            ),
            (r#"{"M":"x"}"#, "Unexpected field type"),
            (
                r#"{"M":[]}"#,
                "Unrecognized collection type java.util.Map<java.lang.String, com.amazonaws.dynamodb.v20120810.AttributeValue>",
            ),
            (r#"{"M":{"a":5}}"#, "Unexpected value type in payload"),
            (
                "[]",
                "Unrecognized collection type class com.amazonaws.dynamodb.v20120810.AttributeValue",
            ),
            (r#""a""#, "Unexpected value type in payload"),
            // Type errors win over validation errors met before them (not deferred here,
            // so only within a value: the member count comes last).
            (
                r#"{"S":"a","N":"1","B":5}"#,
                "only base-64-encoded strings are convertible to bytes",
            ),
        ] {
            assert_eq!(decode(json), serialization(message), "{json}");
        }
        // Unknown members are skipped whatever their shape, even invalid-looking ones.
        assert!(decode(r#"{"S":"a","BOOLEAN":5}"#).is_ok());
    }

    #[test]
    fn a_bare_null_value() {
        assert_eq!(decode("null"), validation(NULL_VALUE));
        #[derive(Deserialize, Debug)]
        struct Holder {
            v: Option<AttributeValue>,
        }
        let h: Holder = serde_json::from_str(r#"{"v":null}"#).unwrap();
        assert!(h.v.is_none());
    }

    #[derive(Deserialize, Debug, Default)]
    #[serde(rename_all = "PascalCase")]
    struct Request {
        #[serde(default, deserialize_with = "deserialize_item_map")]
        item: Option<Item>,
        #[serde(default, deserialize_with = "deserialize_expression_attribute_values")]
        expression_attribute_values: Option<HashMap<String, AttributeValue>>,
        #[allow(dead_code)]
        table_name: Option<String>,
    }

    fn request(json: &str) -> Result<Request, String> {
        serde_json::from_str(json).map_err(|e| strip_position(&e.to_string()).to_owned())
    }

    fn deferred(json: &str) -> (Result<Request, String>, Option<String>) {
        with_deferred_validation(|| request(json))
    }

    #[test]
    fn item_maps_name_null_attributes() {
        assert_eq!(
            request(r#"{"Item":{"pk":{"S":"x"},"a":null}}"#).unwrap_err(),
            format!(
                "{VALIDATION_MARKER}The supplied Item contains a null AttributeValue: a is null"
            )
        );
        let r =
            request(r#"{"Item":{"pk":{"S":"x"}},"ExpressionAttributeValues":{":v":{"N":"1"}}}"#)
                .unwrap();
        assert_eq!(r.item.unwrap().len(), 1);
        assert_eq!(
            r.expression_attribute_values.unwrap()[":v"],
            AttributeValue::N(n("1"))
        );
        assert!(request("{}").unwrap().item.is_none());
        assert!(request(r#"{"Item":null}"#).unwrap().item.is_none());
        assert_eq!(
            request(r#"{"Item":[]}"#).unwrap_err(),
            format!(
                "{SERIALIZATION_MARKER}Unrecognized collection type java.util.Map<java.lang.String, com.amazonaws.dynamodb.v20120810.AttributeValue>"
            )
        );
        assert_eq!(
            request(r#"{"Item":"x"}"#).unwrap_err(),
            format!("{SERIALIZATION_MARKER}Unexpected field type")
        );
        let btree: Option<BTreeMap<String, AttributeValue>> = deserialize_item_map(
            &mut serde_json::Deserializer::from_str(r#"{"a":{"S":"b"}}"#),
        )
        .unwrap();
        assert_eq!(btree.unwrap().len(), 1);
    }

    #[test]
    fn expression_attribute_values_wrap_validation_errors() {
        let wrapped = |inner: &str, key: &str| {
            format!(
                "{VALIDATION_MARKER}ExpressionAttributeValues contains invalid value: {inner} for key {key}"
            )
        };
        // Texts checked with DynamoDB Local (apart from the number wording, see number.rs).
        for (json, inner, key) in [
            (r#"{":v":{}}"#, EMPTY_VALUE, ":v"),
            (r#"{":v":null}"#, NULL_VALUE, ":v"),
            (
                r#"{":v":{"SS":["a","a"]}}"#,
                "One or more parameter values were invalid: Input collection [a, a] contains duplicates.",
                ":v",
            ),
            (
                r#"{":v":{"M":{"q":null}}}"#,
                "The supplied Item contains a null AttributeValue: q is null",
                ":v",
            ),
            (
                r#"{":v":{"S":"x"},":w":{"N":"q"}}"#,
                "The parameter cannot be converted to a numeric value: q",
                ":w",
            ),
            (
                r#"{":v":{"L":[{"N":"q"}]}}"#,
                "The parameter cannot be converted to a numeric value: q",
                ":v",
            ),
        ] {
            let body = format!(r#"{{"ExpressionAttributeValues":{json}}}"#);
            assert_eq!(request(&body).unwrap_err(), wrapped(inner, key), "{json}");
            let (result, first) = deferred(&body);
            assert!(result.is_ok());
            assert_eq!(
                first.map(|m| format!("{VALIDATION_MARKER}{m}")),
                Some(wrapped(inner, key)),
                "{json}"
            );
        }
        // Serialization errors are not wrapped.
        assert_eq!(
            request(r#"{"ExpressionAttributeValues":{":v":{"S":1}}}"#).unwrap_err(),
            format!("{SERIALIZATION_MARKER}NUMBER_VALUE cannot be converted to String")
        );
    }

    #[test]
    fn deferral_keeps_the_first_validation_error_and_lets_type_errors_win() {
        let (result, first) =
            deferred(r#"{"Item":{"a":{"N":"x"},"b":{}},"ExpressionAttributeValues":{":v":{}}}"#);
        assert!(result.is_ok());
        assert_eq!(
            first.as_deref(),
            Some("The parameter cannot be converted to a numeric value: x")
        );
        // A later type error wins over an earlier validation error.
        let (result, _) = deferred(r#"{"Item":{"a":{"N":"x"}},"TableName":5}"#);
        assert!(result.is_err());
        let (result, _) = deferred(r#"{"Item":{"a":{"N":"x"},"b":{"S":true}}}"#);
        assert_eq!(
            result.unwrap_err(),
            format!("{SERIALIZATION_MARKER}TRUE_VALUE cannot be converted to String")
        );
        // Nothing leaks out of the scope.
        assert!(!deferred_error_recorded());
        assert_eq!(
            request(r#"{"Item":{"a":{}}}"#).unwrap_err(),
            format!("{VALIDATION_MARKER}{EMPTY_VALUE}")
        );
        // Nested scopes restore the outer one.
        let ((inner, inner_first), outer_first) = with_deferred_validation(|| {
            let _ = request(r#"{"Item":{"a":{}}}"#);
            with_deferred_validation(|| request(r#"{"Item":{"a":{"NULL":false}}}"#))
        });
        assert!(inner.is_ok());
        assert_eq!(inner_first.as_deref(), Some(NULL_FALSE));
        assert_eq!(outer_first.as_deref(), Some(EMPTY_VALUE));
    }

    #[test]
    fn deferral_survives_a_panic() {
        let caught = std::panic::catch_unwind(|| {
            with_deferred_validation(|| panic!("boom"));
        });
        assert!(caught.is_err());
        assert_eq!(
            decode("{}"),
            validation(EMPTY_VALUE),
            "validation must be immediate again after the scope"
        );
    }

    #[test]
    fn strips_serde_positions_only() {
        assert_eq!(strip_position("bad at line 1 column 12"), "bad");
        assert_eq!(
            strip_position("bad at line x column 12"),
            "bad at line x column 12"
        );
        assert_eq!(strip_position("at line 3"), "at line 3");
    }

    fn any_value() -> impl Strategy<Value = AttributeValue> {
        let number = (any::<i64>(), -120i32..100)
            .prop_filter_map("in range", |(m, e)| Number::parse(&format!("{m}E{e}")).ok());
        let leaf = prop_oneof![
            any::<String>().prop_map(AttributeValue::S),
            number.clone().prop_map(AttributeValue::N),
            proptest::collection::vec(any::<u8>(), 0..10).prop_map(AttributeValue::B),
            any::<bool>().prop_map(AttributeValue::Bool),
            Just(AttributeValue::Null),
            proptest::collection::btree_set(any::<String>(), 1..4)
                .prop_map(|s| AttributeValue::Ss(s.into_iter().collect())),
            proptest::collection::btree_set(number, 1..4)
                .prop_map(|s| AttributeValue::Ns(s.into_iter().collect())),
            proptest::collection::btree_set(proptest::collection::vec(any::<u8>(), 0..4), 1..4)
                .prop_map(|s| AttributeValue::Bs(s.into_iter().collect())),
        ];
        leaf.prop_recursive(5, 48, 5, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..5).prop_map(AttributeValue::L),
                proptest::collection::btree_map(any::<String>(), inner, 0..5)
                    .prop_map(AttributeValue::M),
            ]
        })
    }

    proptest! {
        #[test]
        fn round_trips(v in any_value()) {
            let text = encode(&v);
            prop_assert_eq!(decode(&text), Ok(v.clone()));
            // Canonical: encoding what was decoded gives the same bytes.
            prop_assert_eq!(encode(&decode(&text).unwrap()), text);
        }

        #[test]
        fn number_spellings_decode_equal(m in any::<i32>(), zeros in 0usize..4) {
            let plain = format!(r#"{{"N":"{m}"}}"#);
            let padded = format!(r#"{{"N":"{m}{}E-{zeros}"}}"#, "0".repeat(zeros));
            prop_assert_eq!(decode(&plain), decode(&padded));
            prop_assert_eq!(encode(&decode(&padded).unwrap()), plain);
        }

        #[test]
        fn arbitrary_json_never_panics(json in "[\\[\\]{}\":,a-zA-Z0-9 .=+/-]{0,40}") {
            let _ = decode(&json);
            let _ = deferred(&json);
        }
    }
}
