//! ListDatabases.
//!
//! ```text
//! {"MaxResults": 20, "NextToken": "..."} → {"Databases": [...], "NextToken": "..."}
//! ```
//!
//! Databases come in name order. `MaxResults` is 1 to 20 (the model's `PaginationLimit`);
//! without it every database comes in one page. The token is the last name answered.

use super::create_database::database_wire;
use crate::timestream::Timestream;
use crate::timestream::error::Result;
use crate::timestream::types::{ListDatabasesRequest, ListDatabasesResponse};
use crate::timestream::validate::Violations;

pub fn list_databases(
    ts: &Timestream,
    region: &str,
    input: ListDatabasesRequest,
) -> Result<ListDatabasesResponse> {
    let limit = check_max_results(input.max_results)?;
    let snapshot = ts.snapshot()?;
    let all = snapshot.databases(region)?;
    let (page, next_token) = paginate(all, |d| d.name.as_str(), input.next_token.as_deref(), limit);
    let mut databases = Vec::with_capacity(page.len());
    for record in &page {
        let count = snapshot.table_count(region, &record.name)?;
        databases.push(database_wire(ts, region, record, count));
    }
    Ok(ListDatabasesResponse {
        databases,
        next_token,
    })
}

/// `MaxResults` of the list operations: 1 to 20.
pub(crate) fn check_max_results(max_results: Option<i64>) -> Result<Option<usize>> {
    let mut v = Violations::new();
    match max_results {
        Some(n) if n < 1 => v.push(
            n,
            "maxResults",
            "Member must have value greater than or equal to 1",
        ),
        Some(n) if n > 20 => v.push(
            n,
            "maxResults",
            "Member must have value less than or equal to 20",
        ),
        _ => {}
    }
    v.into_result()?;
    Ok(max_results.map(|n| n as usize))
}

/// The page of `items` (in name order) after `token`, and the token of the next page.
pub(crate) fn paginate<T>(
    items: Vec<T>,
    name: impl Fn(&T) -> &str,
    token: Option<&str>,
    limit: Option<usize>,
) -> (Vec<T>, Option<String>) {
    let mut page: Vec<T> = items
        .into_iter()
        .filter(|item| token.is_none_or(|after| name(item) > after))
        .collect();
    let limit = limit.unwrap_or(usize::MAX);
    if page.len() <= limit {
        return (page, None);
    }
    page.truncate(limit);
    let next = page.last().map(|last| name(last).to_owned());
    (page, next)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::timestream::ops::create_database::create_database;
    use crate::timestream::ops::tests::{REGION, input, service};

    #[tokio::test]
    async fn pages_in_name_order() {
        let ts = service();
        for name in ["ccc", "aaa", "bbb"] {
            create_database(&ts, REGION, input(json!({"DatabaseName": name})))
                .await
                .expect("created");
        }
        let first = list_databases(&ts, REGION, input(json!({"MaxResults": 2}))).expect("page");
        let names: Vec<_> = first
            .databases
            .iter()
            .map(|d| d.database_name.as_str())
            .collect();
        assert_eq!(names, ["aaa", "bbb"]);
        let token = first.next_token.expect("more");
        let second = list_databases(
            &ts,
            REGION,
            input(json!({"MaxResults": 2, "NextToken": token})),
        )
        .expect("page");
        assert_eq!(second.databases.len(), 1);
        assert_eq!(second.databases[0].database_name, "ccc");
        assert!(second.next_token.is_none());
        let e = list_databases(&ts, REGION, input(json!({"MaxResults": 21}))).expect_err("21");
        assert_eq!(
            e.message,
            "1 validation error detected: Value '21' at 'maxResults' failed to satisfy \
             constraint: Member must have value less than or equal to 20"
        );
    }
}
