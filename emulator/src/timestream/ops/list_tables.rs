//! ListTables.
//!
//! ```text
//! {"DatabaseName": "ml-monitoring", "MaxResults": 20} → {"Tables": [...], "NextToken": "..."}
//! ```
//!
//! `DatabaseName` is optional in the model: without it the region's tables of every
//! database are listed (in `database/table` order). The token is the last `database/table`
//! answered.

use super::list_databases::{check_max_results, paginate};
use crate::timestream::Timestream;
use crate::timestream::error::{Result, TimestreamError};
use crate::timestream::types::{ListTablesRequest, ListTablesResponse};

pub fn list_tables(
    ts: &Timestream,
    region: &str,
    input: ListTablesRequest,
) -> Result<ListTablesResponse> {
    let limit = check_max_results(input.max_results)?;
    let snapshot = ts.snapshot()?;
    let database = input.database_name.as_deref();
    if let Some(database) = database
        && snapshot.database(region, database)?.is_none()
    {
        return Err(TimestreamError::database_not_found(database));
    }
    let all: Vec<(String, _)> = snapshot
        .tables(region, database)?
        .into_iter()
        .map(|t| (format!("{}/{}", t.database, t.name), t))
        .collect();
    let (page, next_token) = paginate(
        all,
        |(key, _)| key.as_str(),
        input.next_token.as_deref(),
        limit,
    );
    Ok(ListTablesResponse {
        tables: page
            .into_iter()
            .map(|(_, t)| t.to_wire(ts.table_arn(region, &t.database, &t.name)))
            .collect(),
        next_token,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::timestream::ops::create_database::create_database;
    use crate::timestream::ops::create_table::create_table;
    use crate::timestream::ops::tests::{REGION, input, service};

    #[tokio::test]
    async fn lists_a_database_s_tables_or_all() {
        let ts = service();
        for db in ["db1", "db10"] {
            create_database(&ts, REGION, input(json!({"DatabaseName": db})))
                .await
                .expect("db");
            for table in ["b_t", "a_t"] {
                create_table(
                    &ts,
                    REGION,
                    input(json!({"DatabaseName": db, "TableName": table})),
                )
                .await
                .expect("table");
            }
        }
        let out = list_tables(&ts, REGION, input(json!({"DatabaseName": "db1"}))).expect("list");
        let names: Vec<_> = out.tables.iter().map(|t| t.table_name.as_str()).collect();
        assert_eq!(names, ["a_t", "b_t"], "only db1's, not db10's");
        let out = list_tables(&ts, REGION, input(json!({"MaxResults": 3}))).expect("all");
        assert_eq!(out.tables.len(), 3);
        let rest = list_tables(
            &ts,
            REGION,
            input(json!({"MaxResults": 3, "NextToken": out.next_token.expect("more")})),
        )
        .expect("rest");
        assert_eq!(rest.tables.len(), 1);
        assert_eq!(rest.tables[0].database_name, "db10");
        let e =
            list_tables(&ts, REGION, input(json!({"DatabaseName": "ghost"}))).expect_err("ghost");
        assert_eq!(e.message, "The database ghost does not exist.");
    }
}
