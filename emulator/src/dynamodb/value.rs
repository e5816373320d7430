//! DynamoDB's data model: the ten attribute types and items.
//!
//! `AttributeValue` is the one domain type that is also a wire shape: its JSON form
//! (`{"S": "x"}`, `{"N": "1.5"}`, …) is written by hand in `attribute_json.rs` so that
//! numbers keep full precision and binary values round-trip through base64.

use std::collections::BTreeMap;

pub use super::number::Number;

/// An item: attribute name to value. A `BTreeMap` keeps output deterministic.
pub type Item = BTreeMap<String, AttributeValue>;

#[derive(Debug, Clone, PartialEq)]
pub enum AttributeValue {
    S(String),
    N(Number),
    B(Vec<u8>),
    Bool(bool),
    Null,
    L(Vec<AttributeValue>),
    M(Item),
    /// Sets keep insertion order as sent; duplicates are rejected on input.
    Ss(Vec<String>),
    Ns(Vec<Number>),
    Bs(Vec<Vec<u8>>),
}

/// The type descriptors DynamoDB uses in `attribute_type` and in error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AttributeType {
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
}

impl AttributeType {
    pub fn descriptor(self) -> &'static str {
        match self {
            AttributeType::S => "S",
            AttributeType::N => "N",
            AttributeType::B => "B",
            AttributeType::Bool => "BOOL",
            AttributeType::Null => "NULL",
            AttributeType::L => "L",
            AttributeType::M => "M",
            AttributeType::Ss => "SS",
            AttributeType::Ns => "NS",
            AttributeType::Bs => "BS",
        }
    }

    /// The long names of the service's `ADD`/`DELETE` type errors ("ADD action is not
    /// supported for the type STRING").
    pub fn long_name(self) -> &'static str {
        match self {
            AttributeType::S => "STRING",
            AttributeType::N => "NUMBER",
            AttributeType::B => "BINARY",
            AttributeType::Bool => "BOOLEAN",
            AttributeType::Null => "NULL",
            AttributeType::L => "LIST",
            AttributeType::M => "MAP",
            AttributeType::Ss => "STRING_SET",
            AttributeType::Ns => "NUMBER_SET",
            AttributeType::Bs => "BINARY_SET",
        }
    }

    pub fn from_descriptor(s: &str) -> Option<Self> {
        Some(match s {
            "S" => AttributeType::S,
            "N" => AttributeType::N,
            "B" => AttributeType::B,
            "BOOL" => AttributeType::Bool,
            "NULL" => AttributeType::Null,
            "L" => AttributeType::L,
            "M" => AttributeType::M,
            "SS" => AttributeType::Ss,
            "NS" => AttributeType::Ns,
            "BS" => AttributeType::Bs,
            _ => return None,
        })
    }
}

impl AttributeValue {
    pub fn attribute_type(&self) -> AttributeType {
        match self {
            AttributeValue::S(_) => AttributeType::S,
            AttributeValue::N(_) => AttributeType::N,
            AttributeValue::B(_) => AttributeType::B,
            AttributeValue::Bool(_) => AttributeType::Bool,
            AttributeValue::Null => AttributeType::Null,
            AttributeValue::L(_) => AttributeType::L,
            AttributeValue::M(_) => AttributeType::M,
            AttributeValue::Ss(_) => AttributeType::Ss,
            AttributeValue::Ns(_) => AttributeType::Ns,
            AttributeValue::Bs(_) => AttributeType::Bs,
        }
    }
}
