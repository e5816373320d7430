//! `AttributeUpdates` (UpdateItem) → an [`UpdateExpression`].
//!
//! | `Action` | `Value` | becomes |
//! |---|---|---|
//! | `PUT` (the default) | any | `SET a = :v` |
//! | `DELETE` | none | `REMOVE a` |
//! | `DELETE` | a set | `DELETE a :v` |
//! | `ADD` | a number or a set | `ADD a :v` |
//! | `ADD` | a list | `SET a = list_append(if_not_exists(a, []), :v)` |
//!
//! Each entry is checked in request order, as DynamoDB Local checks it: the action
//! ("Member must satisfy enum value set: [ADD, DELETE, PUT]"), a value unless deleting
//! ("Only DELETE action is allowed when no attribute value is specified"), the value's type
//! ("ADD action is not supported for the type STRING", "DELETE action with value is not
//! supported for the type NUMBER"), then the attribute, which may not be a key attribute.
//! A value that does not fit the stored attribute ("Type mismatch for attribute to update")
//! is found when the update is applied ([`apply_updates`]).
//!
//! DynamoDB Local leaves an entry without `Action` undone; the service documents `PUT` as
//! the default, and the emulator follows the documentation.

use super::super::catalog::KeySchema;
use super::super::error::{DynamoError, Result};
use super::super::expr::{
    OPERAND_TYPE_ERROR, Path, SetValue, UpdateAction, UpdateExpression, UpdateOperand, UpdatedPaths,
};
use super::super::types::legacy::AttributeUpdates;
use super::super::value::{AttributeType, AttributeValue, Item};
use super::condition::invalid;

/// The update `AttributeUpdates` stands for, checked against the table's key schema.
pub fn attribute_updates(
    updates: &AttributeUpdates,
    schema: &KeySchema,
) -> Result<UpdateExpression> {
    let actions = updates
        .iter()
        .map(|(name, update)| {
            let action = action(name, update.action.as_deref(), update.value.as_ref())?;
            if schema.is_key_attribute(name) {
                return Err(invalid(&format!(
                    "Cannot update attribute {name}. This attribute is part of the key"
                )));
            }
            Ok(action)
        })
        .collect::<Result<Vec<UpdateAction>>>()?;
    Ok(UpdateExpression::new(actions))
}

/// Applies an update made by [`attribute_updates`], with the legacy API's text for a value
/// that does not fit the stored attribute.
pub fn apply_updates(update: &UpdateExpression, item: &mut Item) -> Result<UpdatedPaths> {
    update.apply(item).map_err(|e| {
        if e.message == OPERAND_TYPE_ERROR {
            DynamoError::validation("Type mismatch for attribute to update")
        } else {
            e
        }
    })
}

fn action(
    name: &str,
    action: Option<&str>,
    value: Option<&AttributeValue>,
) -> Result<UpdateAction> {
    let path = Path::attribute(name);
    let action = action.unwrap_or("PUT");
    if !matches!(action, "PUT" | "ADD" | "DELETE") {
        return Err(DynamoError::validation(
            "Member must satisfy enum value set: [ADD, DELETE, PUT]",
        ));
    }
    let Some(value) = value else {
        if action == "DELETE" {
            return Ok(UpdateAction::Remove(path));
        }
        return Err(invalid(
            "Only DELETE action is allowed when no attribute value is specified",
        ));
    };
    let kind = value.attribute_type();
    let sets = [AttributeType::Ss, AttributeType::Ns, AttributeType::Bs];
    Ok(match action {
        "PUT" => UpdateAction::Set(path, SetValue::Operand(UpdateOperand::Value(value.clone()))),
        "ADD" if kind == AttributeType::L => {
            let current = UpdateOperand::IfNotExists(
                path.clone(),
                Box::new(UpdateOperand::Value(AttributeValue::L(Vec::new()))),
            );
            UpdateAction::Set(
                path,
                SetValue::ListAppend(current, UpdateOperand::Value(value.clone())),
            )
        }
        "ADD" if kind == AttributeType::N || sets.contains(&kind) => {
            UpdateAction::Add(path, value.clone())
        }
        "ADD" => {
            return Err(invalid(&format!(
                "ADD action is not supported for the type {}",
                kind.long_name()
            )));
        }
        _ if sets.contains(&kind) => UpdateAction::Delete(path, value.clone()),
        _ => {
            return Err(invalid(&format!(
                "DELETE action with value is not supported for the type {}",
                kind.long_name()
            )));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dynamodb::catalog::{KeyAttribute, ScalarType};

    fn schema() -> KeySchema {
        KeySchema {
            partition: KeyAttribute {
                name: "pk".into(),
                attribute_type: ScalarType::S,
            },
            sort: None,
        }
    }

    fn update(json: &str) -> Result<UpdateExpression> {
        attribute_updates(&serde_json::from_str(json).unwrap(), &schema())
    }

    fn stored() -> Item {
        serde_json::from_str(
            r#"{"pk":{"S":"u"},"n":{"N":"1"},"s":{"S":"abc"},"ss":{"SS":["a","b"]},"l":{"L":[{"S":"x"}]}}"#,
        )
        .unwrap()
    }

    fn applied(json: &str) -> Result<Item> {
        let mut item = stored();
        apply_updates(&update(json)?, &mut item)?;
        Ok(item)
    }

    fn json(item: &Item) -> String {
        serde_json::to_string(item).unwrap()
    }

    #[test]
    fn actions_apply_as_the_service_applies_them() {
        let item = applied(
            r#"{"n":{"Action":"ADD","Value":{"N":"5"}},"ss":{"Action":"DELETE","Value":{"SS":["a"]}},
                "l":{"Action":"ADD","Value":{"L":[{"S":"y"}]}},"s":{"Action":"DELETE"},
                "new":{"Action":"ADD","Value":{"L":[{"N":"1"}]}},"p":{"Value":{"BOOL":true}}}"#,
        )
        .unwrap();
        assert_eq!(
            json(&item),
            r#"{"l":{"L":[{"S":"x"},{"S":"y"}]},"n":{"N":"6"},"new":{"L":[{"N":"1"}]},"p":{"BOOL":true},"pk":{"S":"u"},"ss":{"SS":["b"]}}"#
        );
        // Deleting every element removes the set; deleting from a missing one does nothing.
        let item =
            applied(r#"{"ss":{"Action":"DELETE","Value":{"SS":["a","b"]}},"zz":{"Action":"DELETE","Value":{"NS":["1"]}}}"#)
                .unwrap();
        assert!(!item.contains_key("ss") && !item.contains_key("zz"));
    }

    #[test]
    fn entries_are_checked_in_request_order() {
        let invalid = "One or more parameter values were invalid: ";
        let cases = [
            (
                r#"{"b":{"Action":"FOO","Value":{"N":"9"}},"a":{"Action":"PUT"}}"#,
                "Member must satisfy enum value set: [ADD, DELETE, PUT]".to_owned(),
            ),
            (
                r#"{"b":{"Action":"PUT"},"a":{"Action":"FOO","Value":{"N":"9"}}}"#,
                format!(
                    "{invalid}Only DELETE action is allowed when no attribute value is specified"
                ),
            ),
            (
                r#"{"n":{"Action":"ADD","Value":{"S":"y"}}}"#,
                format!("{invalid}ADD action is not supported for the type STRING"),
            ),
            (
                r#"{"n":{"Action":"ADD","Value":{"M":{}}}}"#,
                format!("{invalid}ADD action is not supported for the type MAP"),
            ),
            (
                r#"{"n":{"Action":"DELETE","Value":{"N":"1"}}}"#,
                format!("{invalid}DELETE action with value is not supported for the type NUMBER"),
            ),
            (
                r#"{"b":{"Action":"ADD","Value":{"S":"x"}},"pk":{"Action":"PUT","Value":{"S":"x"}}}"#,
                format!("{invalid}ADD action is not supported for the type STRING"),
            ),
            (
                r#"{"pk":{"Action":"DELETE"},"b":{"Action":"ADD","Value":{"S":"x"}}}"#,
                format!("{invalid}Cannot update attribute pk. This attribute is part of the key"),
            ),
        ];
        for (json, message) in cases {
            assert_eq!(update(json).unwrap_err().message, message, "{json}");
        }
    }

    #[test]
    fn values_must_fit_the_stored_attributes() {
        for json in [
            r#"{"s":{"Action":"ADD","Value":{"N":"1"}}}"#,
            r#"{"n":{"Action":"ADD","Value":{"SS":["x"]}}}"#,
            r#"{"ss":{"Action":"DELETE","Value":{"NS":["1"]}}}"#,
            r#"{"s":{"Action":"DELETE","Value":{"SS":["a"]}}}"#,
            r#"{"n":{"Action":"ADD","Value":{"L":[]}}}"#,
        ] {
            assert_eq!(
                applied(json).unwrap_err().message,
                "Type mismatch for attribute to update",
                "{json}"
            );
        }
        // Other failures keep their text.
        assert_eq!(
            applied(r#"{"n":{"Action":"ADD","Value":{"N":"9.9E+125"}}}"#)
                .unwrap_err()
                .message,
            "Attempting to store more than 38 significant digits in a Number"
        );
    }
}
