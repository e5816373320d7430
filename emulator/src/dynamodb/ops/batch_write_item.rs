//! BatchWriteItem: up to 25 puts and deletes across one or more tables.
//!
//! ```text
//! {"RequestItems":{"Music":[{"PutRequest":{"Item":{"pk":{"S":"a"}}}},
//!                       {"DeleteRequest":{"Key":{"pk":{"S":"b"}}}}]}}
//! → {"UnprocessedItems":{}}
//! ```
//!
//! Every request is validated (as PutItem and DeleteItem validate theirs) before anything is
//! written, then the whole batch is applied in ONE write closure: atomic here, which the
//! service does not promise but allows. Under `--throttle`, the requests a table's write
//! capacity cannot take now are left out and returned in `UnprocessedItems`, as the service
//! returns them; only a batch of which nothing can be written is refused whole.
//!
//! More than 25 requests for one table break the constraint on `RequestItems`' values, as
//! the service words it (recorded by dynalite: "1 validation error detected: Value '{..}' at
//! 'requestItems' failed to satisfy constraint: Map value must satisfy constraint: [Member
//! must have length less than or equal to 25, Member must have length greater than or equal
//! to 1]"; the service quotes the whole map, we abbreviate it). Checked against DynamoDB
//! Local: "Too many items requested for the BatchWriteItem call" for more than 25 across
//! tables (DynamoDB Local also answers it for one table), "Provided
//! list of item keys contains duplicates" for two requests on one key, and capacity: each
//! request costs the write units of the larger of the old and the new item, at least one.
//! A request with both or neither of `PutRequest` and `DeleteRequest` gets the service's own
//! odd text (recorded by dynalite, confirmed by DynamoDB Local).

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use super::super::DynamoDb;
use super::super::capacity::{self, Tally};
use super::super::catalog::TableMeta;
use super::super::error::{DynamoError, Result};
use super::super::index;
use super::super::index::collections;
use super::super::item::{self, Violations};
use super::super::table_writer::{PlannedWrite, TableWriter};
use super::super::throttle::Access;
use super::super::types::item::{
    BatchWriteItemInput, BatchWriteItemOutput, DeleteRequest, ItemCollectionMetrics, PutRequest,
    WriteRequest,
};
use super::super::value::Item;

/// Most requests one call may carry, across all its tables.
pub const MAX_REQUESTS: usize = 25;

/// One checked write, ready for the closure.
enum Write {
    /// The stored key, the item, the stored item, and the item's size.
    Put(Vec<u8>, Item, Vec<u8>, usize),
    /// The stored key and the key.
    Delete(Vec<u8>, Item),
}

impl Write {
    /// The least it may cost: what it costs when there is no old item.
    fn estimated_units(&self) -> f64 {
        match self {
            Write::Put(.., size) => capacity::write_units(None, Some(*size)),
            Write::Delete(..) => capacity::write_units(None, None),
        }
    }

    /// The request again, for `UnprocessedItems`.
    fn into_request(self) -> WriteRequest {
        match self {
            Write::Put(_, item, _, _) => WriteRequest {
                put_request: Some(PutRequest { item: Some(item) }),
                delete_request: None,
            },
            Write::Delete(_, key) => WriteRequest {
                put_request: None,
                delete_request: Some(DeleteRequest { key: Some(key) }),
            },
        }
    }
}

pub async fn batch_write_item(
    db: &DynamoDb,
    region: &str,
    (input, deferred): (BatchWriteItemInput, Option<DynamoError>),
) -> Result<BatchWriteItemOutput> {
    let mut v = Violations::new();
    let rcc = item::return_consumed_capacity(input.return_consumed_capacity.as_deref(), &mut v);
    let collection_metrics = item::check_return_item_collection_metrics(
        input.return_item_collection_metrics.as_deref(),
        &mut v,
    );
    match &input.request_items {
        None => v.null("requestItems"),
        Some(items) if items.is_empty() => v.push(
            "{}",
            "requestItems",
            "Member must have length greater than or equal to 1",
        ),
        Some(items) => {
            for (name, requests) in items {
                item::check_request_items_table_name(name, &mut v);
                if requests.is_empty() || requests.len() > MAX_REQUESTS {
                    // The service quotes the whole map as Java prints it; we abbreviate.
                    let shown = if requests.is_empty() { "" } else { ".." };
                    v.push(
                        format_args!("{{{name}=[{shown}]}}"),
                        "requestItems",
                        "Map value must satisfy constraint: [Member must have length less than \
                         or equal to 25, Member must have length greater than or equal to 1]",
                    );
                }
                for (i, request) in requests.iter().enumerate() {
                    let at = format!("requestItems.{name}.member.{}.member", i + 1);
                    if request
                        .put_request
                        .as_ref()
                        .is_some_and(|p| p.item.is_none())
                    {
                        v.null(&format!("{at}.putRequest.item"));
                    }
                    if request
                        .delete_request
                        .as_ref()
                        .is_some_and(|d| d.key.is_none())
                    {
                        v.null(&format!("{at}.deleteRequest.key"));
                    }
                }
            }
        }
    }
    v.into_result()?;
    let mut request_items = input.request_items.unwrap_or_default();
    let total: usize = request_items.values().map(Vec::len).sum();
    if total > MAX_REQUESTS {
        return Err(DynamoError::validation(
            "Too many items requested for the BatchWriteItem call",
        ));
    }
    for request in request_items.values().flatten() {
        if request.put_request.is_some() == request.delete_request.is_some() {
            return Err(DynamoError::validation(
                "Supplied AttributeValue has more than one datatypes set, must contain exactly \
                 one of the supported datatypes",
            ));
        }
    }
    // Item sizes are checked before tables are looked up, as the service does.
    let mut sizes = Vec::with_capacity(total);
    for request in request_items.values().flatten() {
        if let Some(item) = request.put_request.as_ref().and_then(|p| p.item.as_ref()) {
            sizes.push(item::check_item_size(item)?);
        }
    }

    let mut sizes = sizes.into_iter();
    let mut batch: Vec<(Arc<TableMeta>, Vec<Write>)> = Vec::with_capacity(request_items.len());
    let mut metas = Vec::with_capacity(request_items.len());
    for name in request_items.keys() {
        metas.push(item::live_table(
            db,
            region,
            item::resolve_table_name(name),
        )?);
    }
    // Attribute-value errors are reported after the request's checks and the table lookup.
    if let Some(e) = deferred {
        return Err(e);
    }
    for (requests, meta) in request_items.values_mut().zip(metas) {
        let mut writes = Vec::with_capacity(requests.len());
        let mut seen = HashSet::with_capacity(requests.len());
        for request in requests {
            let write = match (&mut request.put_request, &mut request.delete_request) {
                (Some(put), None) => {
                    let item = put.item.take().expect("checked above");
                    let size = sizes.next().expect("one size per put");
                    let key = item::key_of_batch_item(&meta.key_schema, &item)?.stored_key()?;
                    index::entries::check_item(&meta, &item, index::entries::Origin::Item)?;
                    let stored = item::encode_stored(&item, size);
                    Write::Put(key, item, stored, size)
                }
                (None, Some(delete)) => {
                    let key = delete.key.take().expect("checked above");
                    let stored_key = item::validate_key(&meta.key_schema, &key)?.stored_key()?;
                    Write::Delete(stored_key, key)
                }
                _ => unreachable!("exactly one request kind, checked above"),
            };
            let key = match &write {
                Write::Put(key, ..) | Write::Delete(key, _) => key,
            };
            if !seen.insert(key.clone()) {
                return Err(DynamoError::validation(
                    "Provided list of item keys contains duplicates",
                ));
            }
            writes.push(write);
        }
        batch.push((meta, writes));
    }
    // What capacity cannot take now goes back unprocessed; only a batch of which nothing
    // may be written is refused whole.
    let mut unprocessed = BTreeMap::new();
    let mut refusal = None;
    for (name, (meta, writes)) in request_items.keys().zip(&mut batch) {
        let estimates = writes.iter().map(Write::estimated_units);
        let admitted = db
            .throttle
            .admit_batch(meta, Access::Write, estimates, "BatchWriteItem")
            .unwrap_or_else(|e| {
                refusal.get_or_insert(e);
                0
            });
        if admitted < writes.len() {
            let held_back = writes.split_off(admitted);
            unprocessed.insert(
                name.clone(),
                held_back.into_iter().map(Write::into_request).collect(),
            );
        }
    }
    if let Some(e) = refusal
        && batch.iter().all(|(_, writes)| writes.is_empty())
    {
        return Err(e);
    }
    drop(request_items);
    let metas: Vec<Arc<TableMeta>> = batch.iter().map(|(meta, _)| Arc::clone(meta)).collect();

    let (tally, collections) = db
        .store
        .write(
            move |txn| -> Result<(Tally, BTreeMap<String, Vec<ItemCollectionMetrics>>)> {
                // Every table, and every item collection a write grows, is checked before
                // anything is written.
                let mut tables = Vec::with_capacity(batch.len());
                for (meta, writes) in &batch {
                    let table = TableWriter::open(txn, meta)?;
                    let planned: Vec<PlannedWrite<'_>> = writes
                        .iter()
                        .map(|write| match write {
                            Write::Put(key, item, stored, _) => {
                                PlannedWrite::Put { key, item, stored }
                            }
                            Write::Delete(key, _) => PlannedWrite::Delete { key },
                        })
                        .collect();
                    if table.first_over_collection_limit(&planned)?.is_some() {
                        return Err(collections::limit_exceeded());
                    }
                    tables.push(table);
                }
                let mut tally = Tally::new();
                let mut metrics = BTreeMap::new();
                for ((meta, writes), mut table) in batch.iter().zip(tables) {
                    for write in writes {
                        let (old, new) = match write {
                            Write::Put(key, item, stored, size) => {
                                let old = table.put(key, item, stored, false)?;
                                (old.map(|r| r.size), Some(*size))
                            }
                            Write::Delete(key, _) => {
                                let old = table.delete(key, false)?;
                                (old.map(|r| r.size), None)
                            }
                        };
                        tally.charge(&meta.name, capacity::write_units(old, new));
                    }
                    let side = table.side_effects();
                    tally.charge_all(&meta.name, &side.index_charge);
                    if !side.collections.is_empty() {
                        metrics.insert(meta.name.clone(), side.collections);
                    }
                }
                Ok((tally, metrics))
            },
        )
        .await??;

    db.throttle.charge_tally(&metas, Access::Write, &tally);
    Ok(BatchWriteItemOutput {
        unprocessed_items: unprocessed,
        consumed_capacity: tally.into_list(rcc),
        item_collection_metrics: collection_metrics.then_some(collections),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dynamodb::catalog::ScalarType;
    use crate::dynamodb::error::ErrorCode;
    use crate::dynamodb::item::testing::{REGION, create_table, item, request, service};

    async fn batch(db: &DynamoDb, json: &str) -> Result<String> {
        batch_write_item(db, REGION, request(json))
            .await
            .map(|out| serde_json::to_string(&out).unwrap())
    }

    /// The stored item under `key` as JSON, or "" when there is none.
    fn get(db: &DynamoDb, table: &str, key: &str) -> String {
        let meta = db.catalog.get(REGION, table).unwrap();
        let key = item(key);
        let stored_key = item::validate_key(&meta.key_schema, &key)
            .unwrap()
            .stored_key()
            .unwrap();
        let txn = db.store.read().unwrap();
        match item::get_stored(&txn, &meta, &stored_key).unwrap() {
            Some(guard) => String::from_utf8(
                item::StoredItem::parse(guard.value())
                    .unwrap()
                    .json
                    .to_vec(),
            )
            .unwrap(),
            None => String::new(),
        }
    }

    async fn setup() -> DynamoDb {
        let db = service();
        create_table(&db, "tbl", ScalarType::S, None).await;
        create_table(&db, "utb", ScalarType::S, Some(ScalarType::N)).await;
        db
    }

    #[tokio::test]
    async fn applies_puts_and_deletes_across_tables() {
        let db = setup().await;
        let big = "x".repeat(1500);
        let out = batch(
            &db,
            &format!(
                r#"{{"RequestItems":{{
                "tbl":[{{"PutRequest":{{"Item":{{"pk":{{"S":"a"}},"b":{{"S":"{big}"}}}}}}}},
                     {{"PutRequest":{{"Item":{{"pk":{{"S":"b"}}}}}}}}],
                "utb":[{{"PutRequest":{{"Item":{{"pk":{{"S":"a"}},"sk":{{"N":"1"}}}}}}}}]}},
              "ReturnConsumedCapacity":"TOTAL"}}"#
            ),
        )
        .await
        .unwrap();
        assert_eq!(
            out,
            r#"{"UnprocessedItems":{},"ConsumedCapacity":[{"TableName":"tbl","CapacityUnits":3.0},{"TableName":"utb","CapacityUnits":1.0}]}"#
        );
        assert_eq!(
            get(&db, "tbl", r#"{"pk":{"S":"b"}}"#),
            r#"{"pk":{"S":"b"}}"#
        );
        let out = batch(
            &db,
            r#"{"RequestItems":{"tbl":[{"DeleteRequest":{"Key":{"pk":{"S":"a"}}}},
                                     {"DeleteRequest":{"Key":{"pk":{"S":"zz"}}}}]},
                "ReturnConsumedCapacity":"INDEXES"}"#,
        )
        .await
        .unwrap();
        assert_eq!(
            out,
            r#"{"UnprocessedItems":{},"ConsumedCapacity":[{"TableName":"tbl","CapacityUnits":3.0,"Table":{"CapacityUnits":3.0}}]}"#
        );
        assert_eq!(get(&db, "tbl", r#"{"pk":{"S":"a"}}"#), "");
        assert_eq!(
            get(&db, "tbl", r#"{"pk":{"S":"b"}}"#),
            r#"{"pk":{"S":"b"}}"#
        );
        // TableSizeBytes follows the writes: only item b ("pk" + "b") is left.
        let meta = db.catalog.get(REGION, "tbl").unwrap();
        let txn = db.store.read().unwrap();
        assert_eq!(
            crate::dynamodb::catalog::table_size(&txn, meta.id).unwrap(),
            3
        );
    }

    #[tokio::test]
    async fn one_bad_request_writes_nothing() {
        let db = setup().await;
        let e = batch(
            &db,
            r#"{"RequestItems":{
                "tbl":[{"PutRequest":{"Item":{"pk":{"S":"a"}}}}],
                "utb":[{"PutRequest":{"Item":{"pk":{"S":"a"}}}}]}}"#,
        )
        .await
        .unwrap_err();
        assert_eq!(
            e.message,
            "The provided key element does not match the schema"
        );
        assert_eq!(get(&db, "tbl", r#"{"pk":{"S":"a"}}"#), "");
    }

    #[tokio::test]
    async fn requests_are_validated() {
        let db = setup().await;
        let e = batch(&db, r#"{"RequestItems":{}}"#).await.unwrap_err();
        assert_eq!(
            e.message,
            "1 validation error detected: Value '{}' at 'requestItems' failed to satisfy \
             constraint: Member must have length greater than or equal to 1"
        );
        let e = batch(
            &db,
            r#"{"RequestItems":{"tbl":[{"PutRequest":{"Item":{"pk":{"S":"a"}}}},{"DeleteRequest":{"Key":{"pk":{"S":"a"}}}}]}}"#,
        )
        .await
        .unwrap_err();
        assert_eq!(e.message, "Provided list of item keys contains duplicates");
        let e = batch(&db, r#"{"RequestItems":{"nope":[{}]}}"#)
            .await
            .unwrap_err();
        assert_eq!(
            e.message,
            "Supplied AttributeValue has more than one datatypes set, must contain exactly one \
             of the supported datatypes"
        );
        let e = batch(
            &db,
            r#"{"RequestItems":{"nope":[{"PutRequest":{"Item":{"pk":{"S":"a"}}}}]}}"#,
        )
        .await
        .unwrap_err();
        assert_eq!(e.code, ErrorCode::ResourceNotFoundException);
        // A bad value is reported after the table lookup, as the service does.
        let bad_number = |table: &str| {
            format!(
                r#"{{"RequestItems":{{"{table}":[{{"PutRequest":{{"Item":{{"pk":{{"S":"a"}},"n":{{"N":"x"}}}}}}}}]}}}}"#
            )
        };
        let e = batch(&db, &bad_number("nope")).await.unwrap_err();
        assert_eq!(e.code, ErrorCode::ResourceNotFoundException);
        let e = batch(&db, &bad_number("tbl")).await.unwrap_err();
        assert_eq!(
            e.message,
            "The parameter cannot be converted to a numeric value: x"
        );
        let e = batch(&db, r#"{"RequestItems":{"tbl":[{"PutRequest":{}}]}}"#)
            .await
            .unwrap_err();
        assert_eq!(
            e.message,
            "1 validation error detected: Value null at \
             'requestItems.tbl.member.1.member.putRequest.item' failed to satisfy constraint: \
             Member must not be null"
        );
        let puts: Vec<String> = (0..13)
            .map(|i| format!(r#"{{"PutRequest":{{"Item":{{"pk":{{"S":"{i}"}}}}}}}}"#))
            .collect();
        let puts = puts.join(",");
        let many: Vec<String> = (0..26)
            .map(|i| format!(r#"{{"PutRequest":{{"Item":{{"pk":{{"S":"{i}"}}}}}}}}"#))
            .collect();
        let e = batch(
            &db,
            &format!(r#"{{"RequestItems":{{"tbl":[{}]}}}}"#, many.join(",")),
        )
        .await
        .unwrap_err();
        assert_eq!(
            e.message,
            "1 validation error detected: Value '{tbl=[..]}' at 'requestItems' failed to \
             satisfy constraint: Map value must satisfy constraint: [Member must have length \
             less than or equal to 25, Member must have length greater than or equal to 1]"
        );
        let e = batch(
            &db,
            &format!(r#"{{"RequestItems":{{"tbl":[{puts}],"utb":[{puts}]}}}}"#),
        )
        .await
        .unwrap_err();
        assert_eq!(
            e.message,
            "Too many items requested for the BatchWriteItem call"
        );
    }
}
