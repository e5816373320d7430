//! Table-driven tests of the expression language. Expected texts come from DynamoDB Local
//! 3.3.1 unless a comment says otherwise.

use std::collections::HashMap;

use super::super::catalog::{KeyAttribute, KeySchema, ScalarType};
use super::super::value::{AttributeValue, Item};
use super::*;

/// A value from its DynamoDB JSON.
fn av(json: &str) -> AttributeValue {
    serde_json::from_str(json).unwrap_or_else(|e| panic!("{json}: {e}"))
}

/// An item from its DynamoDB JSON.
fn item(json: &str) -> Item {
    if json.is_empty() {
        return Item::new();
    }
    let map: HashMap<String, AttributeValue> =
        serde_json::from_str(json).unwrap_or_else(|e| panic!("{json}: {e}"));
    map.into_iter().collect()
}

fn names(json: &str) -> Option<HashMap<String, String>> {
    (!json.is_empty()).then(|| serde_json::from_str(json).unwrap())
}

fn values(json: &str) -> Option<HashMap<String, AttributeValue>> {
    (!json.is_empty()).then(|| serde_json::from_str(json).unwrap())
}

fn to_json(item: &Item) -> String {
    serde_json::to_string(item).unwrap()
}

/// Parses `src` as a filter with the given placeholders; "OK" or the error text.
fn check_filter(src: &str, n: &str, v: &str) -> String {
    let (n, v) = (names(n), values(v));
    let mut attrs = ExpressionAttributes::new(n.as_ref(), v.as_ref());
    match parse_condition(src, ExpressionKind::Filter, &mut attrs).and_then(|_| attrs.finish()) {
        Ok(()) => "OK".to_owned(),
        Err(e) => e.message,
    }
}

/// Parses `src` as an update with the given values; "OK" or the error text.
fn check_update_parse(src: &str, v: &str) -> String {
    let v = values(v);
    let mut attrs = ExpressionAttributes::new(None, v.as_ref());
    match parse_update(src, &mut attrs).and_then(|_| attrs.finish()) {
        Ok(()) => "OK".to_owned(),
        Err(e) => e.message,
    }
}

#[test]
fn condition_errors() {
    let v =
        r#"{":s":{"S":"x"},":n":{"N":"5"},":m":{"N":"1"},":bool":{"BOOL":true},":t":{"S":"XX"}}"#;
    let cases: &[(&str, &str)] = &[
        (
            "a = :s AND b = :n AND c = :m AND d = :bool AND attribute_type(e, :t)",
            "Invalid FilterExpression: Invalid attribute type name found; type: XX, valid types: {N,BS,L,B,NULL,M,S,SS,NS,BOOL}",
        ),
        (
            "a = :s",
            "Value provided in ExpressionAttributeValues unused in expressions: keys: {:m, :n, :t, :bool}",
        ),
        (
            "a = = b",
            r#"Invalid FilterExpression: Syntax error; token: "=", near: "= = b""#,
        ),
        (
            "a = b AND",
            r#"Invalid FilterExpression: Syntax error; token: "<EOF>", near: "AND""#,
        ),
        (
            "NOT a",
            r#"Invalid FilterExpression: Syntax error; token: "<EOF>", near: "a""#,
        ),
        (
            "a[01] = b",
            r#"Invalid FilterExpression: Syntax error; token: "1", near: "01]""#,
        ),
        (
            "name = :s",
            "Invalid FilterExpression: Attribute name is a reserved keyword; reserved keyword: name",
        ),
        (
            "a.Status = :s",
            "Invalid FilterExpression: Attribute name is a reserved keyword; reserved keyword: Status",
        ),
        (
            "a = :v",
            "Invalid FilterExpression: An expression attribute value used in expression is not defined; attribute value: :v",
        ),
        (
            "#n = :s",
            "Invalid FilterExpression: An expression attribute name used in the document path is not defined; attribute name: #n",
        ),
        (
            "a BETWEEN :n AND :m",
            "Invalid FilterExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {N:5}, upper bound operand: AttributeValue: {N:1}",
        ),
        (
            "a BETWEEN :n AND :s",
            "Invalid FilterExpression: The BETWEEN operator requires same data type for lower and upper bounds; lower bound operand: AttributeValue: {N:5}, upper bound operand: AttributeValue: {S:x}",
        ),
        (
            "begins_with(a, :n)",
            "Invalid FilterExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N",
        ),
        (
            "a < :bool",
            "Invalid FilterExpression: Incorrect operand type for operator or function; operator or function: <, operand type: BOOL",
        ),
        (
            "size(:n) = :m",
            "Invalid FilterExpression: Incorrect operand type for operator or function; operator or function: size, operand type: N",
        ),
        (
            "((a = :s))",
            "Invalid FilterExpression: The expression has redundant parentheses;",
        ),
        (
            "((a)) = :s",
            "Invalid FilterExpression: The expression has redundant parentheses;",
        ),
        (
            "",
            "Invalid FilterExpression: The expression can not be empty;",
        ),
        (
            "foo(a)",
            "Invalid FilterExpression: Invalid function name; function: foo",
        ),
        (
            "size(a)",
            "Invalid FilterExpression: The function is not allowed to be used this way in an expression; function: size",
        ),
        (
            "a = attribute_exists(b)",
            "Invalid FilterExpression: The function is not allowed to be used this way in an expression; function: attribute_exists",
        ),
        (
            "if_not_exists(a, :s) = :s",
            "Invalid FilterExpression: The function is not allowed in a condition expression; function: if_not_exists",
        ),
        (
            "attribute_exists(:s)",
            "Invalid FilterExpression: Operator or function requires a document path; operator or function: attribute_exists",
        ),
        (
            "contains(a)",
            "Invalid FilterExpression: Incorrect number of operands for operator or function; operator or function: contains, number of operands: 1",
        ),
        (
            "a = a",
            "Invalid FilterExpression: The first operand must be distinct from the remaining operands for this operator or function; operator: =, first operand: [a]",
        ),
        (
            "a[2147483648] = b",
            "Invalid FilterExpression: List index is not within the allowable range; index: [2147483648]",
        ),
        (
            "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x.y.z.a1.a2.a3.a4.a5.a6.a7 = b",
            "Invalid FilterExpression: The document path has too many nesting levels; nesting levels: 33",
        ),
    ];
    for (src, want) in cases {
        assert_eq!(check_filter(src, "", v), *want, "{src}");
    }
    let long = format!("{} = :s", "a".repeat(4100));
    assert_eq!(
        check_filter(&long, "", r#"{":s":{"S":"x"}}"#),
        "Invalid FilterExpression: Expression size has exceeded the maximum allowed size; expression size: 4105"
    );
    let many = vec!["a = b"; 151].join(" AND ");
    assert_eq!(
        check_filter(&many, "", ""),
        "Invalid FilterExpression: The expression contains too many operators; operator count: 301"
    );
    let list = vec!["b"; 101].join(", ");
    assert_eq!(
        check_filter(&format!("a IN ({list})"), "", ""),
        "Invalid FilterExpression: The IN operator is provided with too many operands; number of operands: 101"
    );
}

#[test]
fn placeholder_map_errors() {
    let cases: &[(&str, &str, &str)] = &[
        ("a = b", "{}", "ExpressionAttributeNames must not be empty"),
        (
            "a = b",
            r#"{"n":"s"}"#,
            r#"ExpressionAttributeNames contains invalid key: Syntax error; key: "n""#,
        ),
        (
            "#a = b",
            r##"{"#a":""}"##,
            "ExpressionAttributeNames contains invalid value: Empty attribute name for key #a",
        ),
        (
            "a = b",
            r##"{"#x":"y","#y":"z"}"##,
            "Value provided in ExpressionAttributeNames unused in expressions: keys: {#x, #y}",
        ),
    ];
    for (src, n, want) in cases {
        assert_eq!(check_filter(src, n, ""), *want, "{src} {n}");
    }
    assert_eq!(
        check_filter("a = b", "", "{}"),
        "ExpressionAttributeValues must not be empty"
    );
    assert_eq!(
        check_filter("a = b", "", r#"{"v":{"S":"x"}}"#),
        r#"ExpressionAttributeValues contains invalid key: Syntax error; key: "v""#
    );
}

#[test]
fn update_errors() {
    let v = r#"{":s":{"S":"x"},":n":{"N":"5"},":l":{"L":[]},":ss":{"SS":["a"]}}"#;
    let cases: &[(&str, &str)] = &[
        ("SET a = :s, b = :n, c = :l ADD d :ss", "OK"),
        (
            "SET a = :s SET b = :n",
            r#"Invalid UpdateExpression: The "SET" section can only be used once in an update expression;"#,
        ),
        (
            "SET a = :s, a.b = :n",
            "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a, b]",
        ),
        (
            "SET a = :s, a = :n",
            "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a]",
        ),
        (
            "SET a.b = :s, a[1] = :n",
            "Invalid UpdateExpression: Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [a, b], path two: [a, [1]]",
        ),
        (
            "REMOVE a, a, b",
            "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [b]",
        ),
        (
            "SET a = :s + :n",
            "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: +, operand type: S",
        ),
        (
            "SET a = list_append(:l, :s)",
            "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: list_append, operand type: S",
        ),
        (
            "SET a = size(b)",
            "Invalid UpdateExpression: The function is not allowed in an update expression; function: size",
        ),
        (
            "SET a = if_not_exists(:s, :n)",
            "Invalid UpdateExpression: Operator or function requires a document path; operator or function: if_not_exists",
        ),
        (
            "ADD a :s",
            "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: STRING, typeSet: ALLOWED_FOR_ADD_OPERAND",
        ),
        (
            "DELETE a :n",
            "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: DELETE, operand type: NUMBER, typeSet: ALLOWED_FOR_DELETE_OPERAND",
        ),
        (
            "SET a = b + c + d",
            r#"Invalid UpdateExpression: Syntax error; token: "+", near: "c + d""#,
        ),
        (
            "SET a = ((b))",
            "Invalid UpdateExpression: The expression has redundant parentheses;",
        ),
        (
            "",
            "Invalid UpdateExpression: The expression can not be empty;",
        ),
    ];
    for (src, want) in cases {
        assert_eq!(check_update_parse(src, v), *want, "{src}");
    }
    let long = format!("SET a = {}", "b".repeat(4089));
    assert_eq!(
        check_update_parse(&long, ""),
        "Invalid UpdateExpression: Expression size has exceeded the maximum allowed size;"
    );
}

/// Evaluates `cond` on `item` with the given values.
fn eval(item_json: &str, cond: &str, v: &str) -> bool {
    let v = values(v);
    let mut attrs = ExpressionAttributes::new(None, v.as_ref());
    let cond = parse_condition(cond, ExpressionKind::Condition, &mut attrs).unwrap();
    cond.evaluate(&item(item_json))
}

#[test]
fn evaluates_conditions() {
    let it = r#"{"s":{"S":"abc"},"n":{"N":"5"},"b":{"B":"AQID"},"l":{"L":[{"N":"1"},{"S":"x"}]},
        "m":{"M":{"k":{"L":[{"S":"deep"}]}}},"ss":{"SS":["a","b"]},"ns":{"NS":["1","2"]},
        "e":{"S":"é😀"},"t":{"BOOL":true}}"#;
    let v = r#"{":s":{"S":"ab"},":n":{"N":"5.0"},":x":{"S":"x"},":a":{"S":"a"},":one":{"N":"1"},
        ":b1":{"B":"AQ=="},":ba":{"SS":["b","a"]},":deep":{"S":"deep"},":three":{"N":"3"},
        ":t":{"BOOL":true},":l":{"L":[{"N":"1.0"},{"S":"x"}]},":S":{"S":"S"},":z":{"S":"z"}}"#;
    let cases: &[(&str, bool)] = &[
        // Numbers compare numerically, strings by bytes, binaries unsigned.
        ("n = :n", true),
        ("n > :one AND s > :s AND s < :z", true),
        ("b > :b1", true),
        // Different types are unequal and unordered, never an error.
        ("n = :s", false),
        ("n <> :s", true),
        ("s < :one", false),
        ("t = :t", true),
        // A missing attribute: comparisons false, <> true.
        ("nope = :one", false),
        ("nope <> :one", true),
        ("NOT nope = :one", true),
        ("nope BETWEEN :one AND :three", false),
        ("nope IN (:one)", false),
        // Sets compare as sets, lists element by element (numbers numerically).
        ("ss = :ba", true),
        ("l = :l", true),
        ("n BETWEEN :one AND :n", true),
        ("n IN (:s, :n)", true),
        ("begins_with(s, :s)", true),
        ("begins_with(b, :b1)", true),
        ("begins_with(n, :s)", false),
        (
            "contains(s, :s) AND contains(ss, :a) AND contains(l, :x) AND contains(ns, :one)",
            true,
        ),
        ("contains(b, :b1)", true),
        ("contains(ss, :one)", false),
        ("contains(m.k, :deep)", true),
        (
            "size(s) = :three AND size(l) < :three AND size(ss) > :one",
            true,
        ),
        // size counts UTF-16 units of strings.
        ("size(e) = :three", true),
        ("size(n) = :one", false),
        ("attribute_type(s, :S)", true),
        (
            "attribute_exists(m.k[0]) AND attribute_not_exists(m.k[1])",
            true,
        ),
        ("s = :s OR n = :n AND NOT nope = :one", true),
        ("(s = :s OR n = :n) AND nope = :one", false),
    ];
    for (src, want) in cases {
        assert_eq!(eval(it, src, v), *want, "{src}");
    }
    // An absent item is an empty one.
    assert!(eval("", "attribute_not_exists(a)", ""));
}

/// Applies `update` to `item_json`; the new item as JSON, or the error text.
fn check_update(item_json: &str, update: &str, v: &str) -> String {
    let v = values(v);
    let mut attrs = ExpressionAttributes::new(None, v.as_ref());
    let update = parse_update(update, &mut attrs).unwrap();
    let mut it = item(item_json);
    match update.apply(&mut it) {
        Ok(_) => to_json(&it),
        Err(e) => e.message,
    }
}

#[test]
fn applies_updates() {
    let list = r#"{"l":{"L":[{"S":"a"},{"S":"b"},{"S":"c"},{"S":"d"}]}}"#;
    let v = r#"{":x":{"S":"x"},":y":{"S":"y"}}"#;
    let cases: &[(&str, &str, &str)] = &[
        // REMOVE of several indexes of one list uses the old indexes.
        (
            list,
            "REMOVE l[0], l[2]",
            r#"{"l":{"L":[{"S":"b"},{"S":"d"}]}}"#,
        ),
        (
            list,
            "REMOVE l[3], l[1], l[9]",
            r#"{"l":{"L":[{"S":"a"},{"S":"c"}]}}"#,
        ),
        (
            list,
            "SET l[2] = :x REMOVE l[0]",
            r#"{"l":{"L":[{"S":"b"},{"S":"x"},{"S":"d"}]}}"#,
        ),
        // SET past the end appends, in index order.
        (
            list,
            "SET l[9] = :x, l[7] = :y",
            r#"{"l":{"L":[{"S":"a"},{"S":"b"},{"S":"c"},{"S":"d"},{"S":"y"},{"S":"x"}]}}"#,
        ),
        // An index the list did not have is not removed, even when an append fills it.
        (
            list,
            "SET l[5] = :x REMOVE l[4]",
            r#"{"l":{"L":[{"S":"a"},{"S":"b"},{"S":"c"},{"S":"d"},{"S":"x"}]}}"#,
        ),
        (
            list,
            "SET l[0] = :x, l[5] = :y REMOVE l[4]",
            r#"{"l":{"L":[{"S":"x"},{"S":"b"},{"S":"c"},{"S":"d"},{"S":"y"}]}}"#,
        ),
        (
            list,
            "SET m.k = :x",
            "The document path provided in the update expression is invalid for update",
        ),
        (
            list,
            "SET l.k = :x",
            "The document path provided in the update expression is invalid for update",
        ),
        (
            list,
            "REMOVE nope.k",
            "The document path provided in the update expression is invalid for update",
        ),
        (list, "REMOVE nope, l[10]", list),
        (
            list,
            "SET x = nope",
            "The provided expression refers to an attribute that does not exist in the item",
        ),
        (
            list,
            "SET x = l[1], l[1] = :x",
            r#"{"l":{"L":[{"S":"a"},{"S":"x"},{"S":"c"},{"S":"d"}]},"x":{"S":"b"}}"#,
        ),
    ];
    for (it, update, want) in cases {
        assert_eq!(check_update(it, update, v), *want, "{update}");
    }

    let it = r#"{"n":{"N":"5"},"s":{"S":"x"},"ss":{"SS":["a","b"]},"ns":{"NS":["1","2"]},
        "l":{"L":[{"N":"1"}]}}"#;
    let v = r#"{":one":{"N":"1"},":half":{"N":"0.5"},":ss":{"SS":["b","c"]},":ab":{"SS":["a","b"]},
        ":ns":{"NS":["2"]},":l":{"L":[{"N":"2"}]},":s":{"S":"y"},":big":{"N":"9E+125"}}"#;
    let cases: &[(&str, &str)] = &[
        ("ADD n :half", r#""n":{"N":"5.5"}"#),
        ("ADD fresh :one", r#""fresh":{"N":"1"}"#),
        ("ADD ss :ss", r#""ss":{"SS":["a","b","c"]}"#),
        ("ADD newset :ss", r#""newset":{"SS":["b","c"]}"#),
        ("DELETE ss :ss", r#""ss":{"SS":["a"]}"#),
        ("DELETE ns :ns", r#""ns":{"NS":["1"]}"#),
        ("SET n = n - :half", r#""n":{"N":"4.5"}"#),
        (
            "SET l = list_append(l, :l)",
            r#""l":{"L":[{"N":"1"},{"N":"2"}]}"#,
        ),
        (
            "SET l = list_append(:l, l)",
            r#""l":{"L":[{"N":"2"},{"N":"1"}]}"#,
        ),
        (
            "SET x = if_not_exists(x, :one), n = if_not_exists(n, :one)",
            r#""x":{"N":"1"}"#,
        ),
        ("SET s = if_not_exists(s, :s)", r#""s":{"S":"x"}"#),
    ];
    for (update, want) in cases {
        let got = check_update(it, update, v);
        assert!(got.contains(want), "{update}: {got}");
    }
    // Removing the last elements of a set removes the attribute.
    assert!(!check_update(it, "DELETE ss :ab", v).contains("\"ss\""));
    let errors: &[(&str, &str)] = &[
        (
            "SET s = s + :one",
            "An operand in the update expression has an incorrect data type",
        ),
        (
            "ADD s :one",
            "An operand in the update expression has an incorrect data type",
        ),
        (
            "ADD ss :ns",
            "An operand in the update expression has an incorrect data type",
        ),
        (
            "DELETE n :ns",
            "An operand in the update expression has an incorrect data type",
        ),
        (
            "SET l = list_append(l, s)",
            "An operand in the update expression has an incorrect data type",
        ),
        (
            "SET n = nope + :one",
            "The provided expression refers to an attribute that does not exist in the item",
        ),
        (
            "SET n = if_not_exists(n, nope)",
            "The provided expression refers to an attribute that does not exist in the item",
        ),
        (
            "SET n = :big + :big",
            "Number overflow. Attempting to store a number with magnitude larger than supported range",
        ),
    ];
    for (update, want) in errors {
        assert_eq!(check_update(it, update, v), *want, "{update}");
    }
}

#[test]
fn update_reports_written_paths_and_key_attributes() {
    let v = values(r#"{":x":{"S":"x"}}"#);
    let mut attrs = ExpressionAttributes::new(None, v.as_ref());
    let update = parse_update("SET m.q = :x, l[5] = :x REMOVE gone", &mut attrs).unwrap();
    let old =
        item(r#"{"m":{"M":{"z":{"S":"w"}}},"l":{"L":[]},"gone":{"S":"g"},"extra":{"S":"o"}}"#);
    let mut new = old.clone();
    let paths = update.apply(&mut new).unwrap();
    assert_eq!(paths.paths().len(), 3);
    // DynamoDB Local's UPDATED_OLD / UPDATED_NEW: whole top-level attributes whose written
    // path resolves.
    assert_eq!(to_json(&paths.project(&old)), r#"{"gone":{"S":"g"}}"#);
    assert_eq!(
        to_json(&paths.project(&new)),
        r#"{"m":{"M":{"q":{"S":"x"},"z":{"S":"w"}}}}"#
    );

    let schema = KeySchema {
        partition: KeyAttribute {
            name: "pk".into(),
            attribute_type: ScalarType::S,
        },
        sort: Some(KeyAttribute {
            name: "sk".into(),
            attribute_type: ScalarType::N,
        }),
    };
    let mut attrs = ExpressionAttributes::none();
    let update = parse_update("REMOVE sk, pk.x, extra", &mut attrs).unwrap();
    assert_eq!(
        update.check_keys(&schema).unwrap_err().message,
        "One or more parameter values were invalid: Cannot update attribute pk. This attribute is part of the key"
    );
    let update = parse_update("REMOVE extra", &mut attrs).unwrap();
    assert!(update.check_keys(&schema).is_ok());
}

#[test]
fn projects_items() {
    let it = item(
        r#"{"l":{"L":[{"S":"a"},{"M":{"x":{"S":"1"},"y":{"S":"2"}}},{"S":"c"},{"L":[{"S":"d0"},{"S":"d1"}]}]},"s":{"S":"str"},"m":{"M":{"k":{"S":"v"}}}}"#,
    );
    let cases: &[(&str, &str)] = &[
        (
            "l[3][1], l[1].y, s.x",
            r#"{"l":{"L":[{"M":{"y":{"S":"2"}}},{"L":[{"S":"d1"}]}]}}"#,
        ),
        ("s, m", r#"{"m":{"M":{"k":{"S":"v"}}},"s":{"S":"str"}}"#),
        ("m.nope, l[9], nope", "{}"),
        (
            "m.k, l[0]",
            r#"{"l":{"L":[{"S":"a"}]},"m":{"M":{"k":{"S":"v"}}}}"#,
        ),
    ];
    for (src, want) in cases {
        let mut attrs = ExpressionAttributes::none();
        let projection = parse_projection(src, &mut attrs).unwrap();
        assert_eq!(to_json(&projection.apply(&it)), *want, "{src}");
    }
    let mut attrs = ExpressionAttributes::none();
    let projection = parse_projection("m.k, s, m.j", &mut attrs).unwrap();
    assert_eq!(projection.top_level_names().collect::<Vec<_>>(), ["m", "s"]);
}

#[test]
fn key_conditions() {
    let v = values(r#"{":p":{"S":"a"},":s":{"N":"1"},":t":{"N":"2"},":x":{"S":"x"}}"#);
    let schema = schema("ttt");
    type Expected = Result<(AttributeValue, Option<SortCondition>), &'static str>;
    let cases: &[(&str, Expected)] = &[
        (
            "pk = :p AND sk > :s",
            Ok((
                av(r#"{"S":"a"}"#),
                Some(SortCondition::Gt(av(r#"{"N":"1"}"#))),
            )),
        ),
        (
            ":s < sk AND :p = pk",
            Ok((
                av(r#"{"S":"a"}"#),
                Some(SortCondition::Gt(av(r#"{"N":"1"}"#))),
            )),
        ),
        (
            "pk = :p AND sk BETWEEN :s AND :t",
            Ok((
                av(r#"{"S":"a"}"#),
                Some(SortCondition::Between(
                    av(r#"{"N":"1"}"#),
                    av(r#"{"N":"2"}"#),
                )),
            )),
        ),
        ("pk = :p", Ok((av(r#"{"S":"a"}"#), None))),
        (
            "sk = :s",
            Err("Query condition missed key schema element: pk"),
        ),
        (
            "pk = :p AND x = :s",
            Err("Query condition missed key schema element: sk"),
        ),
        ("pk < :p", Err("Query key condition not supported")),
        (
            "pk = :p OR sk = :s",
            Err("Invalid operator used in KeyConditionExpression: OR"),
        ),
        (
            "pk = :p AND sk = :s AND sk = :t",
            Err("KeyConditionExpressions must only contain one condition per key"),
        ),
        (
            "pk = :p AND sk = :x",
            Err(
                "One or more parameter values were invalid: Condition parameter type does not match schema type",
            ),
        ),
        (
            "pk.a = :p",
            Err(
                "Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: Key: pk",
            ),
        ),
        (
            "pk = :p AND size(sk) = :s",
            Err("KeyConditionExpressions cannot contain nested operations"),
        ),
    ];
    for (src, want) in cases {
        let mut attrs = ExpressionAttributes::new(None, v.as_ref());
        let got = parse_key_condition(src, &mut attrs, &schema)
            .map(|kc| (kc.partition, kc.sort))
            .map_err(|e| e.message);
        assert_eq!(got, want.clone().map_err(str::to_owned), "{src}");
    }
}

/// A corpus recorded from DynamoDB Local: a first line with the placeholder maps, then one
/// case per line.
#[derive(serde::Deserialize)]
struct Maps {
    names: HashMap<String, String>,
    values: HashMap<String, AttributeValue>,
}

/// One recorded request: an expression, its placeholders (keys of the corpus maps, or a map
/// of its own) and DynamoDB Local's answer ("OK" or the error text).
#[derive(serde::Deserialize)]
struct Recorded {
    e: String,
    n: Option<Placeholders<String>>,
    v: Option<Placeholders<AttributeValue>>,
    want: String,
}

#[derive(serde::Deserialize)]
#[serde(untagged)]
enum Placeholders<T> {
    Keys(Vec<String>),
    Map(HashMap<String, T>),
}

impl<T: Clone> Placeholders<T> {
    fn resolve(self, all: &HashMap<String, T>) -> HashMap<String, T> {
        match self {
            Placeholders::Keys(keys) => keys
                .into_iter()
                .map(|k| {
                    let v = all[&k].clone();
                    (k, v)
                })
                .collect(),
            Placeholders::Map(map) => map,
        }
    }
}

/// Whether two error texts agree. The service lists "any type" (`attribute_type(a, b)`) as a
/// Java set of enum constants whose order changes from one JVM to the next: compare those
/// sets as sets.
fn same_message(got: &str, want: &str) -> bool {
    const MARK: &str = "operand type: {";
    match (got.split_once(MARK), want.split_once(MARK)) {
        (Some((g, g_set)), Some((w, w_set))) if g == w => {
            fn sorted(s: &str) -> Vec<&str> {
                let mut v: Vec<&str> = s.trim_end_matches('}').split(',').collect();
                v.sort_unstable();
                v
            }
            sorted(g_set) == sorted(w_set)
        }
        _ => got == want,
    }
}

/// Runs every case of a recorded corpus through `run`, failing with all mismatches.
fn replay(
    corpus: &str,
    run: impl Fn(&str, &mut ExpressionAttributes<'_>) -> super::super::error::Result<()>,
) {
    let mut lines = corpus.lines().filter(|l| !l.trim().is_empty());
    let maps: Maps = serde_json::from_str(lines.next().expect("the maps line")).unwrap();
    let mut failures = Vec::new();
    let mut total = 0;
    for line in lines {
        total += 1;
        let case: Recorded = serde_json::from_str(line).unwrap_or_else(|e| panic!("{line}: {e}"));
        let n = case.n.map(|p| p.resolve(&maps.names));
        let v = case.v.map(|p| p.resolve(&maps.values));
        let mut attrs = ExpressionAttributes::new(n.as_ref(), v.as_ref());
        let got = match run(&case.e, &mut attrs).and_then(|()| attrs.finish()) {
            Ok(()) => "OK".to_owned(),
            Err(e) => e.message,
        };
        if !same_message(&got, &case.want) {
            failures.push(format!(
                "{:?}\n   got:  {got}\n   want: {}",
                case.e, case.want
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {total} cases differ:\n{}",
        failures.len(),
        failures
            .iter()
            .take(40)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn filter_corpus_matches_dynamodb_local() {
    replay(
        include_str!("testdata/filter_random.jsonl"),
        |src, attrs| parse_condition(src, ExpressionKind::Filter, attrs).map(|_| ()),
    );
}

#[test]
fn update_corpus_matches_dynamodb_local() {
    replay(
        include_str!("testdata/update_random.jsonl"),
        |src, attrs| parse_update(src, attrs).map(|_| ()),
    );
}

/// A hand-written case recorded from DynamoDB Local, of any kind of expression.
#[derive(serde::Deserialize)]
struct Case {
    k: String,
    e: String,
    table: Option<String>,
    n: Option<HashMap<String, String>>,
    v: Option<HashMap<String, AttributeValue>>,
    want: String,
}

fn schema(table: &str) -> KeySchema {
    let key = |name: &str, attribute_type| KeyAttribute {
        name: name.into(),
        attribute_type,
    };
    match table {
        "ttt" => KeySchema {
            partition: key("pk", ScalarType::S),
            sort: Some(key("sk", ScalarType::N)),
        },
        "hhh" => KeySchema {
            partition: key("pk", ScalarType::S),
            sort: None,
        },
        "tnb" => KeySchema {
            partition: key("h", ScalarType::N),
            sort: Some(key("r", ScalarType::B)),
        },
        other => panic!("unknown table {other}"),
    }
}

#[test]
fn recorded_cases_match_dynamodb_local() {
    replay_cases(include_str!("testdata/cases.jsonl"));
}

#[test]
fn key_condition_corpus_matches_dynamodb_local() {
    replay_cases(include_str!("testdata/key_random.jsonl"));
}

fn replay_cases(corpus: &str) {
    let mut failures = Vec::new();
    for line in corpus.lines().filter(|l| !l.trim().is_empty()) {
        let case: Case = serde_json::from_str(line).unwrap_or_else(|e| panic!("{line}: {e}"));
        let mut attrs = ExpressionAttributes::new(case.n.as_ref(), case.v.as_ref());
        let parsed = match case.k.as_str() {
            "filter" => parse_condition(&case.e, ExpressionKind::Filter, &mut attrs).map(|_| ()),
            "condition" => {
                parse_condition(&case.e, ExpressionKind::Condition, &mut attrs).map(|_| ())
            }
            "update" => parse_update(&case.e, &mut attrs).map(|_| ()),
            "projection" => parse_projection(&case.e, &mut attrs).map(|_| ()),
            "key" => {
                let table = case.table.as_deref().expect("a table");
                parse_key_condition(&case.e, &mut attrs, &schema(table)).map(|_| ())
            }
            other => panic!("unknown kind {other}"),
        };
        let got = match parsed.and_then(|()| attrs.finish()) {
            Ok(()) => "OK".to_owned(),
            Err(e) => e.message,
        };
        // DynamoDB Local leaves out the element the service names (see key_condition.rs).
        let known_difference = case.want == "Query condition missed key schema element"
            && got.starts_with("Query condition missed key schema element: ");
        if !known_difference && !same_message(&got, &case.want) {
            failures.push(format!(
                "{} {:?}\n   got:  {got}\n   want: {}",
                case.k, case.e, case.want
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} cases differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Items and placeholders of an evaluation corpus (its first line).
#[derive(serde::Deserialize)]
struct EvalSetup {
    names: HashMap<String, String>,
    values: HashMap<String, AttributeValue>,
    items: Vec<HashMap<String, AttributeValue>>,
}

/// A filter and the keys of the items DynamoDB Local's Scan returned for it.
#[derive(serde::Deserialize)]
struct EvalCase {
    e: String,
    n: Option<Vec<String>>,
    v: Option<Vec<String>>,
    #[serde(rename = "match")]
    matches: Vec<String>,
}

#[test]
fn filter_evaluation_matches_dynamodb_local() {
    let corpus = include_str!("testdata/filter_eval.jsonl");
    let mut lines = corpus.lines();
    let setup: EvalSetup = serde_json::from_str(lines.next().unwrap()).unwrap();
    let items: Vec<(String, Item)> = setup
        .items
        .into_iter()
        .map(|i| {
            let Some(AttributeValue::S(pk)) = i.get("pk").cloned() else {
                panic!("item without pk")
            };
            (pk, i.into_iter().collect())
        })
        .collect();
    let mut failures = Vec::new();
    let mut total = 0;
    for line in lines {
        total += 1;
        let case: EvalCase = serde_json::from_str(line).unwrap();
        let n = case.n.map(|p| Placeholders::Keys(p).resolve(&setup.names));
        let v = case.v.map(|p| Placeholders::Keys(p).resolve(&setup.values));
        let mut attrs = ExpressionAttributes::new(n.as_ref(), v.as_ref());
        let cond = match parse_condition(&case.e, ExpressionKind::Filter, &mut attrs) {
            Ok(c) => c,
            Err(e) => {
                failures.push(format!("{:?}: {}", case.e, e.message));
                continue;
            }
        };
        let got: Vec<String> = items
            .iter()
            .filter(|(_, item)| cond.evaluate(item))
            .map(|(pk, _)| pk.clone())
            .collect();
        if got != case.matches {
            failures.push(format!(
                "{:?}\n   got:  {got:?}\n   want: {:?}",
                case.e, case.matches
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {total} filters differ:\n{}",
        failures.len(),
        failures
            .iter()
            .take(40)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// Items and values of the update corpus (its first line).
#[derive(serde::Deserialize)]
struct UpdateSetup {
    values: HashMap<String, AttributeValue>,
    items: Vec<HashMap<String, AttributeValue>>,
}

/// An update of one of the items, and what DynamoDB Local answered: the error, or the
/// `Attributes` for `ReturnValues` `ALL_NEW`, `UPDATED_OLD` and `UPDATED_NEW`.
#[derive(serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
struct UpdateCase {
    #[serde(rename = "e")]
    expression: String,
    #[serde(rename = "item")]
    item: usize,
    #[serde(rename = "v")]
    values: Option<Vec<String>>,
    #[serde(rename = "error")]
    error: Option<String>,
    all_new: Option<HashMap<String, AttributeValue>>,
    updated_old: Option<HashMap<String, AttributeValue>>,
    updated_new: Option<HashMap<String, AttributeValue>>,
}

fn same_item(a: &Item, b: &HashMap<String, AttributeValue>) -> bool {
    a.len() == b.len()
        && a.iter()
            .all(|(k, v)| b.get(k).is_some_and(|w| values_equal(v, w)))
}

#[test]
fn update_application_matches_dynamodb_local() {
    let corpus = include_str!("testdata/update_eval.jsonl");
    let mut lines = corpus.lines();
    let setup: UpdateSetup = serde_json::from_str(lines.next().unwrap()).unwrap();
    let mut failures = Vec::new();
    let mut total = 0;
    for line in lines {
        total += 1;
        let case: UpdateCase = serde_json::from_str(line).unwrap_or_else(|e| panic!("{line}: {e}"));
        let v = case
            .values
            .map(|p| Placeholders::Keys(p).resolve(&setup.values));
        let mut attrs = ExpressionAttributes::new(None, v.as_ref());
        let update = parse_update(&case.expression, &mut attrs).unwrap();
        attrs.finish().unwrap();
        let mut old: Item = setup.items[case.item].clone().into_iter().collect();
        old.insert("pk".into(), AttributeValue::S("u".into()));
        let mut new = old.clone();
        let outcome = update.apply(&mut new);
        let problem = match (&outcome, &case.error) {
            (Err(e), Some(want)) => {
                // number.rs words precision errors as the service does, not as Local.
                let same = e.message == *want
                    || (want == "DynamoDB only supports precision up to 38 digits"
                        && e.message.contains("38 significant digits"));
                (!same).then(|| format!("error {:?}, want {want:?}", e.message))
            }
            (Err(e), None) => Some(format!("error {:?}, want success", e.message)),
            (Ok(_), Some(want)) => Some(format!("success {}, want {want:?}", to_json(&new))),
            (Ok(paths), None) => {
                let all_new = case.all_new.as_ref().expect("ALL_NEW");
                let old_part = paths.project(&old);
                let new_part = paths.project(&new);
                if !same_item(&new, all_new) {
                    Some(format!("ALL_NEW {}", to_json(&new)))
                } else if !same_item(&old_part, case.updated_old.as_ref().expect("UPDATED_OLD")) {
                    Some(format!("UPDATED_OLD {}", to_json(&old_part)))
                } else if !same_item(&new_part, case.updated_new.as_ref().expect("UPDATED_NEW")) {
                    Some(format!("UPDATED_NEW {}", to_json(&new_part)))
                } else {
                    None
                }
            }
        };
        if let Some(problem) = problem {
            failures.push(format!(
                "{:?} on item {}: {problem}\n    line: {line}",
                case.expression, case.item
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {total} updates differ:\n{}",
        failures.len(),
        failures
            .iter()
            .take(30)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// A projection and, for each item, what DynamoDB Local's GetItem returned; or its error.
#[derive(serde::Deserialize)]
struct ProjectionCase {
    e: String,
    items: Option<HashMap<String, HashMap<String, AttributeValue>>>,
    error: Option<String>,
}

#[test]
fn projection_matches_dynamodb_local() {
    let corpus = include_str!("testdata/projection.jsonl");
    let mut lines = corpus.lines();
    #[derive(serde::Deserialize)]
    struct Items {
        items: Vec<HashMap<String, AttributeValue>>,
    }
    let setup: Items = serde_json::from_str(lines.next().unwrap()).unwrap();
    let items: Vec<(String, Item)> = setup
        .items
        .into_iter()
        .map(|i| {
            let Some(AttributeValue::S(pk)) = i.get("pk").cloned() else {
                panic!("item without pk")
            };
            (pk, i.into_iter().collect())
        })
        .collect();
    let mut failures = Vec::new();
    let mut total = 0;
    for line in lines {
        total += 1;
        let case: ProjectionCase = serde_json::from_str(line).unwrap();
        let mut attrs = ExpressionAttributes::none();
        match (
            parse_projection(&case.e, &mut attrs),
            &case.error,
            &case.items,
        ) {
            (Err(e), Some(want), _) if e.message == *want => {}
            (Ok(projection), None, Some(want)) => {
                for (pk, item) in &items {
                    let got = projection.apply(item);
                    // Sets come back in the store's order and numbers normalised: compare
                    // as DynamoDB compares values (lists and maps shape for shape).
                    let want = &want[pk];
                    if !same_item(&got, want) {
                        let want: Item = want.clone().into_iter().collect();
                        failures.push(format!(
                            "{:?} on {pk}: got {}, want {}",
                            case.e,
                            to_json(&got),
                            to_json(&want)
                        ));
                    }
                }
            }
            (got, _, _) => failures.push(format!(
                "{:?}: got {:?}, want {:?}",
                case.e,
                got.map(|_| "a projection").map_err(|e| e.message),
                case.error
            )),
        }
    }
    assert!(
        failures.is_empty(),
        "{} problems in {total} projections:\n{}",
        failures.len(),
        failures
            .iter()
            .take(30)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn deep_nesting_neither_overflows_nor_changes_the_answer() {
    // Expressions as deep as 4 KB allows, in a thread with a runtime worker's 2 MiB stack.
    // Expected texts from DynamoDB Local.
    let run = || {
        let filter = |src: String| check_filter(&src, "", "");
        assert_eq!(filter(format!("{}a = b", "NOT ".repeat(299))), "OK");
        assert_eq!(
            filter(format!("{}a = b{}", "NOT (".repeat(299), ")".repeat(299))),
            "OK"
        );
        assert_eq!(
            filter(format!("{}a = b", "NOT ".repeat(1000))),
            "Invalid FilterExpression: The expression contains too many operators; operator count: 301"
        );
        assert_eq!(
            filter(format!("{}a = b{}", "(".repeat(2000), ")".repeat(2000))),
            "Invalid FilterExpression: The expression has redundant parentheses;"
        );
        assert_eq!(
            filter(format!("{}a = b", "(".repeat(2000))),
            r#"Invalid FilterExpression: Syntax error; token: "<EOF>", near: "b""#
        );
        assert_eq!(
            filter(format!("{}a{} = b", "size(".repeat(680), ")".repeat(680))),
            "Invalid FilterExpression: Incorrect operand type for operator or function; operator or function: size, operand type: N"
        );
        assert_eq!(
            check_update_parse(
                &format!("SET a = {}b{}", "(".repeat(2000), ")".repeat(2000)),
                ""
            ),
            "Invalid UpdateExpression: The expression has redundant parentheses;"
        );
        let chain = format!(
            "SET a = {}c{}",
            "if_not_exists(b, ".repeat(220),
            ")".repeat(220)
        );
        assert_eq!(
            check_update("", &chain, ""),
            "The provided expression refers to an attribute that does not exist in the item"
        );
        // A valid deep condition evaluates and prints.
        let mut attrs = ExpressionAttributes::none();
        let deep = format!("{}a = b{}", "NOT (".repeat(299), ")".repeat(299));
        let cond = parse_condition(&deep, ExpressionKind::Filter, &mut attrs).unwrap();
        assert!(cond.evaluate(&item("")));
        assert_eq!(cond.to_expression().expression.matches("NOT").count(), 299);
    };
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(run)
        .unwrap()
        .join()
        .unwrap();
}
