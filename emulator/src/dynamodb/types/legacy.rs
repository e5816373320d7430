//! Wire shapes of the legacy (pre-expression) parameters: `Condition` (in `KeyConditions`,
//! `QueryFilter`, `ScanFilter`), `ExpectedAttributeValue` (in `Expected`) and
//! `AttributeValueUpdate` (in `AttributeUpdates`), plus the ordered map that carries them.
//!
//! Enumerations (`ComparisonOperator`, `Action`) stay strings: their texts are checked where
//! the service checks them, after the table lookup. The maps keep the request's order,
//! because the service validates their entries in that order and reports the first problem.

use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, Visitor};

use crate::dynamodb::value::AttributeValue;

/// A map member of the request, entries in the order sent.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderedMap<T>(pub Vec<(String, T)>);

impl<T> OrderedMap<T> {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &T)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for OrderedMap<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = OrderedMap<T>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<OrderedMap<T>, A::Error> {
                let mut entries = Vec::new();
                while let Some((key, value)) = map.next_entry::<String, T>()? {
                    // A repeated key keeps its first place and its last value, as a map
                    // that keeps insertion order reads the request.
                    match entries.iter_mut().find(|(k, _)| *k == key) {
                        Some(entry) => entry.1 = value,
                        None => entries.push((key, value)),
                    }
                }
                Ok(OrderedMap(entries))
            }
        }
        deserializer.deserialize_map(V(PhantomData))
    }
}

/// `Condition`: one entry of `KeyConditions`, `QueryFilter` or `ScanFilter`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Condition {
    pub attribute_value_list: Option<Vec<AttributeValue>>,
    pub comparison_operator: Option<String>,
}

/// `ExpectedAttributeValue`: one entry of `Expected`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ExpectedAttributeValue {
    pub value: Option<AttributeValue>,
    pub exists: Option<bool>,
    pub comparison_operator: Option<String>,
    pub attribute_value_list: Option<Vec<AttributeValue>>,
}

/// `AttributeValueUpdate`: one entry of `AttributeUpdates`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AttributeValueUpdate {
    pub value: Option<AttributeValue>,
    pub action: Option<String>,
}

/// `KeyConditions`, `QueryFilter`, `ScanFilter`.
pub type Conditions = OrderedMap<Condition>;
/// `Expected`.
pub type ExpectedAttributes = OrderedMap<ExpectedAttributeValue>;
/// `AttributeUpdates`.
pub type AttributeUpdates = OrderedMap<AttributeValueUpdate>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_keep_the_request_order() {
        let conditions: Conditions = serde_json::from_str(
            r#"{"b":{"ComparisonOperator":"NULL"},
                "a":{"ComparisonOperator":"EQ","AttributeValueList":[{"S":"x"}]}}"#,
        )
        .unwrap();
        let names: Vec<&str> = conditions.iter().map(|(k, _)| k).collect();
        assert_eq!(names, ["b", "a"]);
        let repeated: Conditions = serde_json::from_str(
            r#"{"a":{"ComparisonOperator":"NULL"},"b":{},"a":{"ComparisonOperator":"EQ"}}"#,
        )
        .unwrap();
        assert_eq!(repeated.0.len(), 2);
        assert_eq!(repeated.0[0].1.comparison_operator.as_deref(), Some("EQ"));
        assert_eq!(
            conditions.0[1].1.attribute_value_list,
            Some(vec![AttributeValue::S("x".into())])
        );
        let updates: AttributeUpdates =
            serde_json::from_str(r#"{"n":{"Action":"ADD","Value":{"N":"1"}}}"#).unwrap();
        assert_eq!(updates.0[0].1.action.as_deref(), Some("ADD"));
        let expected: ExpectedAttributes =
            serde_json::from_str(r#"{"n":{"Exists":false}}"#).unwrap();
        assert_eq!(expected.0[0].1.exists, Some(false));
    }
}
