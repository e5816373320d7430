//! Query: runs Timestream SQL and answers its rows page by page.
//!
//! ```text
//! {"QueryString": "SELECT ... FROM \"db\".\"table\" ...", "MaxRows": 100, "ClientToken": "..."}
//!   → {"QueryId": "...", "Rows": [{"Data": [{"ScalarValue": "..."}, {"NullValue": true}]}],
//!      "ColumnInfo": [{"Name": "...", "Type": {"ScalarType": "DOUBLE"}}],
//!      "QueryStatus": {...}, "NextToken": "..."}
//! ```
//!
//! Paging, tokens and client-token reuse are `query::pages`'.

use crate::timestream::Timestream;
use crate::timestream::error::Result;
use crate::timestream::query::pages::{ClientTokenCheck, Results};
use crate::timestream::types::query::{
    ColumnInfo, Datum, QueryRequest, QueryResponse, Row, TimeSeriesDataPoint, Type,
};
use crate::timestream::validate::{self, Violations};

/// The longest query string the service takes.
const MAX_QUERY_STRING: usize = 262_144;

pub async fn query(ts: &Timestream, region: &str, input: QueryRequest) -> Result<QueryResponse> {
    let mut v = Violations::new();
    let query_string = validate::required(&input.query_string, "queryString", &mut v);
    if let Some(q) = query_string {
        validate::check_sensitive_length(q, "queryString", 1, MAX_QUERY_STRING, &mut v);
    }
    if let Some(token) = &input.client_token {
        validate::check_sensitive_length(token, "clientToken", 32, 128, &mut v);
    }
    if let Some(token) = &input.next_token {
        validate::check_length(token, "nextToken", 1, 2048, &mut v);
    }
    if let Some(rows) = input.max_rows {
        validate::check_range(rows, "maxRows", 1, 1000, &mut v);
    }
    v.into_result()?;
    let query_string = query_string.unwrap_or_default().to_owned();
    let max_rows = input.max_rows.and_then(|m| usize::try_from(m).ok());
    let results = &ts.query.pages;
    if let Some(token) = &input.next_token {
        return results.next_page(token, &query_string, max_rows);
    }
    if let Some(token) = &input.client_token
        && let ClientTokenCheck::Replay(run) = results.check_client_token(token, &query_string)?
    {
        return Results::replay(&run, max_rows);
    }
    let outcome = ts
        .query
        .run(region, query_string.clone(), ts.snapshot()?)
        .await?;
    let column_info = outcome.result.columns.iter().map(column_info).collect();
    let rows = outcome
        .result
        .rows
        .into_iter()
        .map(|data| Row {
            data: data.into_iter().map(datum).collect(),
        })
        .collect();
    results.finish(
        query_string,
        column_info,
        rows,
        outcome.bytes_scanned,
        input.client_token,
        max_rows,
    )
}

pub(crate) fn column_info(column: &timestream_sql::Column) -> ColumnInfo {
    ColumnInfo {
        name: column.name.clone(),
        r#type: column_type(&column.ty),
    }
}

pub(crate) fn column_type(ty: &timestream_sql::ColumnType) -> Type {
    use timestream_sql::ColumnType;
    match ty {
        ColumnType::Scalar(s) => Type {
            scalar_type: Some(s.as_str()),
            ..Type::default()
        },
        ColumnType::Array(element) => Type {
            array_column_info: Some(Box::new(column_info(element))),
            ..Type::default()
        },
        ColumnType::Row(fields) => Type {
            row_column_info: Some(fields.iter().map(column_info).collect()),
            ..Type::default()
        },
        ColumnType::TimeSeries(measure) => Type {
            time_series_measure_value_column_info: Some(Box::new(column_info(measure))),
            ..Type::default()
        },
    }
}

fn datum(value: timestream_sql::Datum) -> Datum {
    use timestream_sql::Datum as D;
    match value {
        D::Scalar(s) => Datum {
            scalar_value: Some(s),
            ..Datum::default()
        },
        D::Null => Datum {
            null_value: Some(true),
            ..Datum::default()
        },
        D::Array(items) => Datum {
            array_value: Some(items.into_iter().map(datum).collect()),
            ..Datum::default()
        },
        D::Row(items) => Datum {
            row_value: Some(Row {
                data: items.into_iter().map(datum).collect(),
            }),
            ..Datum::default()
        },
        D::TimeSeries(points) => Datum {
            time_series_value: Some(
                points
                    .into_iter()
                    .map(|p| TimeSeriesDataPoint {
                        time: p.time,
                        value: datum(p.value),
                    })
                    .collect(),
            ),
            ..Datum::default()
        },
    }
}
