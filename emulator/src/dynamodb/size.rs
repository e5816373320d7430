//! Item size as DynamoDB computes it, for the 400 KB item limit and consumed capacity.
//!
//! An item's size is the sum, over its attributes, of the name's UTF-8 length and the value's
//! size:
//! - `S`: UTF-8 length; `B`: byte length; `BOOL`, `NULL`: 1.
//! - `N`: 1 byte, plus 1 per pair of decimal digits (pairs aligned on the decimal point, as in
//!   a base-100 representation, leading and trailing zero pairs dropped), plus 1 if negative;
//!   zero is 1. The documentation's "1 byte per two significant digits, plus 1" is this rule
//!   approximately: `110` is 3 bytes (`01|10`) though it has two significant digits, `1.5` is
//!   3 (`01.50`), `-1` is 3.
//! - `L`: 3, plus 1 and the size of each element. `M`: 3, plus for each entry its name's
//!   length, 1, and the value's size.
//! - `SS`, `NS`, `BS`: the sum of the elements' sizes (no overhead).
//!
//! Every rule was measured against DynamoDB Local 3.3.1 through its item-size limit: for an
//! item `{pk: S "x", data: S, a: <value>}` the longest `data` that PutItem accepts is
//! `409600 - 7 - 1 - size(value)` ("Item size has exceeded the maximum allowed size" one
//! byte later), for numbers (`0`, `1`, `12`, `123`, `12345`, `100`, `110`, `101`, `0.001`,
//! `0.11`, `1.01`, `1.5`, `10.5`, `-1`, `-0.11`, `-1.5`, `1E125`, `1E-130`, 37 and 38
//! digits), strings, binaries, booleans, nulls, empty and nested lists and maps and sets.

use super::number::Number;
use super::value::{AttributeValue, Item};

/// The largest item the service stores, in bytes as computed by [`item_size`].
pub const MAX_ITEM_SIZE: usize = 400 * 1024;

/// The size of an item: names plus values.
pub fn item_size(item: &Item) -> usize {
    item.iter()
        .map(|(name, value)| name.len() + attribute_value_size(value))
        .sum()
}

/// The size of one value, without its attribute name.
pub fn attribute_value_size(value: &AttributeValue) -> usize {
    match value {
        AttributeValue::S(s) => s.len(),
        AttributeValue::N(n) => number_size(n),
        AttributeValue::B(b) => b.len(),
        AttributeValue::Bool(_) | AttributeValue::Null => 1,
        AttributeValue::L(list) => {
            3 + list
                .iter()
                .map(|v| 1 + attribute_value_size(v))
                .sum::<usize>()
        }
        AttributeValue::M(map) => {
            3 + map
                .iter()
                .map(|(name, v)| name.len() + 1 + attribute_value_size(v))
                .sum::<usize>()
        }
        AttributeValue::Ss(set) => set.iter().map(String::len).sum(),
        AttributeValue::Ns(set) => set.iter().map(number_size).sum(),
        AttributeValue::Bs(set) => set.iter().map(Vec::len).sum(),
    }
}

/// The size of a number: see the module documentation.
pub fn number_size(n: &Number) -> usize {
    if n.is_zero() {
        return 1;
    }
    // Digit positions (powers of ten) of the least and most significant digits; a base-100
    // digit covers positions 2k and 2k+1.
    let low = n.exponent();
    let high = low + n.significant_digits() as i32 - 1;
    let pairs = (high.div_euclid(2) - low.div_euclid(2) + 1) as usize;
    1 + pairs + usize::from(n.is_negative())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn n(s: &str) -> Number {
        Number::parse(s).unwrap()
    }

    fn size_of_json(json: &str) -> usize {
        attribute_value_size(&parse(json))
    }

    /// A tiny DynamoDB-JSON reader for the test table below, independent of attribute_json.
    fn parse(json: &str) -> AttributeValue {
        fn convert(v: &serde_json::Value) -> AttributeValue {
            let (tag, inner) = v.as_object().unwrap().iter().next().unwrap();
            let strings = || {
                inner
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|s| s.as_str().unwrap())
            };
            match tag.as_str() {
                "S" => AttributeValue::S(inner.as_str().unwrap().to_owned()),
                "N" => AttributeValue::N(n(inner.as_str().unwrap())),
                "B" => AttributeValue::B(decode64(inner.as_str().unwrap())),
                "BOOL" => AttributeValue::Bool(inner.as_bool().unwrap()),
                "NULL" => AttributeValue::Null,
                "L" => AttributeValue::L(inner.as_array().unwrap().iter().map(convert).collect()),
                "M" => AttributeValue::M(
                    inner
                        .as_object()
                        .unwrap()
                        .iter()
                        .map(|(k, v)| (k.clone(), convert(v)))
                        .collect(),
                ),
                "SS" => AttributeValue::Ss(strings().map(str::to_owned).collect()),
                "NS" => AttributeValue::Ns(strings().map(n).collect()),
                "BS" => AttributeValue::Bs(strings().map(decode64).collect()),
                other => panic!("{other}"),
            }
        }
        convert(&serde_json::from_str(json).unwrap())
    }

    fn decode64(s: &str) -> Vec<u8> {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.decode(s).unwrap()
    }

    #[test]
    fn sizes_measured_against_dynamodb_local() {
        for (json, size) in [
            (r#"{"N":"1"}"#, 2),
            (r#"{"N":"12"}"#, 2),
            (r#"{"N":"123"}"#, 3),
            (r#"{"N":"1234"}"#, 3),
            (r#"{"N":"12345"}"#, 4),
            (r#"{"N":"0"}"#, 1),
            (r#"{"N":"-1"}"#, 3),
            (r#"{"N":"-12"}"#, 3),
            (r#"{"N":"-123"}"#, 4),
            (r#"{"N":"100"}"#, 2),
            (r#"{"N":"1000000"}"#, 2),
            (r#"{"N":"0.1"}"#, 2),
            (r#"{"N":"0.01"}"#, 2),
            (r#"{"N":"0.001"}"#, 2),
            (r#"{"N":"1.5"}"#, 3),
            (r#"{"N":"10.5"}"#, 3),
            (r#"{"N":"1E125"}"#, 2),
            (r#"{"N":"1E-130"}"#, 2),
            (r#"{"N":"12345678901234567890123456789012345678"}"#, 20),
            (r#"{"N":"-12345678901234567890123456789012345678"}"#, 21),
            (r#"{"N":"1234567890123456789012345678901234567"}"#, 20),
            (r#"{"N":"10"}"#, 2),
            (r#"{"N":"11"}"#, 2),
            (r#"{"N":"110"}"#, 3),
            (r#"{"N":"101"}"#, 3),
            (r#"{"N":"1.01"}"#, 3),
            (r#"{"N":"0.11"}"#, 2),
            (r#"{"N":"-0.11"}"#, 3),
            (r#"{"N":"-1.5"}"#, 4),
            (r#"{"BOOL":true}"#, 1),
            (r#"{"NULL":true}"#, 1),
            (r#"{"B":"AQID"}"#, 3),
            (r#"{"S":"héllo"}"#, 6),
            (r#"{"L":[]}"#, 3),
            (r#"{"L":[{"S":"a"}]}"#, 5),
            (r#"{"L":[{"S":"a"},{"S":"bb"}]}"#, 8),
            (r#"{"M":{}}"#, 3),
            (r#"{"M":{"k":{"S":"a"}}}"#, 6),
            (r#"{"M":{"kk":{"S":"a"},"j":{"N":"1"}}}"#, 11),
            (r#"{"SS":["a"]}"#, 1),
            (r#"{"SS":["a","bb"]}"#, 3),
            (r#"{"NS":["1"]}"#, 2),
            (r#"{"NS":["1","22"]}"#, 4),
            (r#"{"BS":["AQ=="]}"#, 1),
            (r#"{"BS":["AQ==","AQID"]}"#, 4),
            (r#"{"L":[{"L":[]}]}"#, 7),
            (r#"{"L":[{"M":{}}]}"#, 7),
            (r#"{"M":{"x":{"L":[]}}}"#, 8),
            (r#"{"S":""}"#, 0),
            (r#"{"B":""}"#, 0),
            (r#"{"L":[{"NULL":true}]}"#, 5),
            (r#"{"L":[{"BOOL":false},{"NULL":true}]}"#, 7),
        ] {
            assert_eq!(size_of_json(json), size, "{json}");
        }
    }

    #[test]
    fn item_limit_boundary_matches_dynamodb_local() {
        // DynamoDB Local accepts {pk: "x", data: 409593 × "a"} and rejects one byte more.
        let item = |len: usize| -> Item {
            [
                ("pk".to_owned(), AttributeValue::S("x".to_owned())),
                ("data".to_owned(), AttributeValue::S("a".repeat(len))),
            ]
            .into_iter()
            .collect()
        };
        assert_eq!(item_size(&item(409_593)), MAX_ITEM_SIZE);
        assert!(item_size(&item(409_594)) > MAX_ITEM_SIZE);
        assert_eq!(item_size(&Item::new()), 0);
    }

    /// The base-100 digit count from the plain decimal text, independently of `Number`'s
    /// internals: pad the integer part on the left and the fraction on the right to whole
    /// pairs, then drop zero pairs at both ends.
    fn pairs_from_text(text: &str) -> usize {
        let text = text.trim_start_matches('-');
        let (int, frac) = text.split_once('.').unwrap_or((text, ""));
        let int = if int.len() % 2 == 1 {
            format!("0{int}")
        } else {
            int.to_owned()
        };
        let frac = if frac.len() % 2 == 1 {
            format!("{frac}0")
        } else {
            frac.to_owned()
        };
        let all = format!("{int}{frac}");
        let pairs: Vec<&str> = (0..all.len() / 2).map(|i| &all[2 * i..2 * i + 2]).collect();
        let first = pairs.iter().position(|p| *p != "00");
        let last = pairs.iter().rposition(|p| *p != "00");
        match (first, last) {
            (Some(f), Some(l)) => l - f + 1,
            _ => 0,
        }
    }

    fn any_number() -> impl Strategy<Value = Number> {
        (any::<bool>(), 1u128..10u128.pow(18), 0u32..3, -150i64..110).prop_filter_map(
            "in range",
            |(neg, m, extra, e)| {
                let text = format!(
                    "{}{}E{}",
                    if neg { "-" } else { "" },
                    m * 10u128.pow(extra),
                    e
                );
                Number::parse(&text).ok()
            },
        )
    }

    fn any_value() -> impl Strategy<Value = AttributeValue> {
        let leaf = prop_oneof![
            ".{0,8}".prop_map(AttributeValue::S),
            any_number().prop_map(AttributeValue::N),
            proptest::collection::vec(any::<u8>(), 0..8).prop_map(AttributeValue::B),
            any::<bool>().prop_map(AttributeValue::Bool),
            Just(AttributeValue::Null),
            proptest::collection::vec(".{0,4}", 1..4).prop_map(AttributeValue::Ss),
            proptest::collection::vec(any_number(), 1..4).prop_map(AttributeValue::Ns),
        ];
        leaf.prop_recursive(4, 32, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(AttributeValue::L),
                proptest::collection::btree_map(".{0,4}", inner, 0..4).prop_map(AttributeValue::M),
            ]
        })
    }

    proptest! {
        #[test]
        fn number_size_is_base_100_digits(v in any_number()) {
            let expected = if v.is_zero() {
                1
            } else {
                1 + pairs_from_text(&v.to_string()) + usize::from(v.is_negative())
            };
            prop_assert_eq!(number_size(&v), expected);
            // Never more than the documented approximation plus one byte of alignment.
            prop_assert!(number_size(&v) <= v.significant_digits() / 2 + 3);
        }

        #[test]
        fn containers_add_their_overhead(values in proptest::collection::vec(any_value(), 0..5)) {
            let inner: usize = values.iter().map(attribute_value_size).sum();
            prop_assert_eq!(
                attribute_value_size(&AttributeValue::L(values.clone())),
                3 + values.len() + inner
            );
            let map: Item = values
                .iter()
                .enumerate()
                .map(|(i, v)| (format!("k{i}"), v.clone()))
                .collect();
            let names: usize = map.keys().map(String::len).sum();
            prop_assert_eq!(
                attribute_value_size(&AttributeValue::M(map.clone())),
                3 + map.len() + names + inner
            );
            prop_assert_eq!(item_size(&map), names + inner);
        }
    }
}
