//! ListTables.
//!
//! ```text
//! {"ExclusiveStartTableName": "b-table", "Limit": 2}
//! → {"TableNames": ["c-table", "d-table"], "LastEvaluatedTableName": "d-table"}
//! ```
//!
//! Names of the request region's tables in byte order (upper case before lower), CREATING
//! ones included, at most `Limit` (1 to 100, default 100) after `ExclusiveStartTableName`,
//! which need not name an existing table. `LastEvaluatedTableName` is present only when more
//! names follow the page. A read of the catalog cache.

use super::create_table::{Violations, check_table_name};
use crate::dynamodb::DynamoDb;
use crate::dynamodb::error::Result;
use crate::dynamodb::types::table::{ListTablesInput, ListTablesOutput};

/// Most names on one page, and the default `Limit`.
const MAX_LIMIT: i64 = 100;

pub async fn list_tables(
    db: &DynamoDb,
    region: &str,
    input: ListTablesInput,
) -> Result<ListTablesOutput> {
    let mut v = Violations::new();
    if let Some(limit) = input.limit {
        if limit < 1 {
            v.push(
                limit,
                "limit",
                "Member must have value greater than or equal to 1",
            );
        } else if limit > MAX_LIMIT {
            v.push(
                limit,
                "limit",
                "Member must have value less than or equal to 100",
            );
        }
    }
    if let Some(start) = &input.exclusive_start_table_name {
        check_table_name(start, "exclusiveStartTableName", &mut v);
    }
    v.into_result()?;

    let limit = usize::try_from(input.limit.unwrap_or(MAX_LIMIT)).unwrap_or(usize::MAX);
    let names = db.catalog.names(region);
    let first = input
        .exclusive_start_table_name
        .as_deref()
        .map_or(0, |start| names.partition_point(|n| n.as_str() <= start));
    let rest = &names[first..];
    let page = rest[..rest.len().min(limit)].to_vec();
    let last_evaluated_table_name = if rest.len() > limit {
        page.last().cloned()
    } else {
        None
    };
    Ok(ListTablesOutput {
        table_names: page,
        last_evaluated_table_name,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::dynamodb::error::ErrorCode;
    use crate::dynamodb::ops::create_table::create_table;
    use crate::dynamodb::ops::create_table::tests::db;
    use crate::dynamodb::types::table::CreateTableInput;

    async fn with_tables(names: &[&str]) -> DynamoDb {
        let db = db();
        for name in names {
            let input: CreateTableInput = serde_json::from_value(json!({
                "TableName": name,
                "BillingMode": "PAY_PER_REQUEST",
                "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            }))
            .expect("input");
            create_table(&db, "us-east-1", input)
                .await
                .expect("created");
        }
        db
    }

    fn page(limit: Option<i64>, start: Option<&str>) -> ListTablesInput {
        ListTablesInput {
            exclusive_start_table_name: start.map(str::to_owned),
            limit,
        }
    }

    #[tokio::test]
    async fn pages_in_byte_order_and_omits_the_cursor_on_the_last_page() {
        let db = with_tables(&["delta", "alpha", "Zulu", "charlie", "bravo"]).await;
        let all = list_tables(&db, "us-east-1", page(None, None))
            .await
            .expect("listed");
        assert_eq!(
            all.table_names,
            ["Zulu", "alpha", "bravo", "charlie", "delta"]
        );
        assert_eq!(all.last_evaluated_table_name, None);

        let first = list_tables(&db, "us-east-1", page(Some(2), None))
            .await
            .expect("listed");
        assert_eq!(first.table_names, ["Zulu", "alpha"]);
        assert_eq!(first.last_evaluated_table_name.as_deref(), Some("alpha"));
        let second = list_tables(&db, "us-east-1", page(Some(2), Some("alpha")))
            .await
            .expect("listed");
        assert_eq!(second.table_names, ["bravo", "charlie"]);
        assert_eq!(second.last_evaluated_table_name.as_deref(), Some("charlie"));
        let third = list_tables(&db, "us-east-1", page(Some(2), Some("charlie")))
            .await
            .expect("listed");
        assert_eq!(third.table_names, ["delta"]);
        assert_eq!(third.last_evaluated_table_name, None);

        let exact = list_tables(&db, "us-east-1", page(Some(2), Some("bravo")))
            .await
            .expect("listed");
        assert_eq!(exact.table_names, ["charlie", "delta"]);
        assert_eq!(
            exact.last_evaluated_table_name, None,
            "a page that ends on the last name has no cursor"
        );

        let from_unknown = list_tables(&db, "us-east-1", page(None, Some("b-gone")))
            .await
            .expect("a start name need not exist");
        assert_eq!(from_unknown.table_names, ["bravo", "charlie", "delta"]);
        let past_the_end = list_tables(&db, "us-east-1", page(None, Some("zzz")))
            .await
            .expect("listed");
        assert!(past_the_end.table_names.is_empty());
        assert_eq!(
            serde_json::to_value(&past_the_end).expect("json"),
            json!({"TableNames": []})
        );
    }

    #[tokio::test]
    async fn other_regions_are_not_listed() {
        let db = with_tables(&["alpha"]).await;
        let out = list_tables(&db, "eu-west-1", page(None, None))
            .await
            .expect("listed");
        assert!(out.table_names.is_empty());
    }

    #[tokio::test]
    async fn limit_and_start_name_constraints() {
        let db = db();
        let message = |e: crate::dynamodb::error::DynamoError| {
            assert_eq!(e.code, ErrorCode::ValidationException);
            e.message
        };
        assert_eq!(
            message(
                list_tables(&db, "us-east-1", page(Some(0), None))
                    .await
                    .expect_err("0")
            ),
            "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: \
             Member must have value greater than or equal to 1"
        );
        assert_eq!(
            message(
                list_tables(&db, "us-east-1", page(Some(101), None))
                    .await
                    .expect_err("101")
            ),
            "1 validation error detected: Value '101' at 'limit' failed to satisfy constraint: \
             Member must have value less than or equal to 100"
        );
        assert_eq!(
            message(
                list_tables(&db, "us-east-1", page(Some(0), Some("a")))
                    .await
                    .expect_err("both")
            ),
            "2 validation errors detected: Value '0' at 'limit' failed to satisfy constraint: \
             Member must have value greater than or equal to 1; Value 'a' at \
             'exclusiveStartTableName' failed to satisfy constraint: Member must have length \
             greater than or equal to 3"
        );
        let arn = "arn:aws:dynamodb:us-east-1:000000000000:table/alpha";
        assert!(
            message(
                list_tables(&db, "us-east-1", page(None, Some(arn)))
                    .await
                    .expect_err("arn")
            )
            .contains("Member must satisfy regular expression pattern")
        );
    }
}
