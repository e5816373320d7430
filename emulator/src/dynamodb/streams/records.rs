//! Stream records: written by `TableWriter` in the write transaction of the change they
//! describe, so that a record exists exactly when its change does, even after a crash.
//!
//! A record is stored in its stream's `dynamodb_stream_<id>` table under its sequence number
//! (u64, big-endian, so the table is in stream order); the value is the record's creation time
//! in milliseconds since the epoch (u64, little-endian: what retention compares) followed by
//! the record as GetRecords returns it (`types::stream::Record`).
//!
//! As on the service, a write that leaves the item as it was (a PutItem of the same item, an
//! UpdateItem that changes nothing) and a DeleteItem of no item write no record.

use redb::{ReadTransaction, ReadableTable};
use serde_json::value::RawValue;

use super::{StreamMeta, StreamViewType, TableStream};
use crate::dynamodb::catalog::{TableMeta, now_epoch_seconds};
use crate::dynamodb::error::{DynamoError, Result};
use crate::dynamodb::item::StoredItem;
use crate::dynamodb::page;
use crate::dynamodb::size;
use crate::dynamodb::types::stream::{Identity, Record, StreamRecord};
use crate::dynamodb::value::Item;
use crate::storage::tables::{META, dynamodb_stream_records};
use crate::storage::{StorageError, Table, Txn};

/// The `meta` key of the next stream sequence number, shared by every stream.
const SEQUENCE_KEY: &str = "dynamodb.stream_sequence";

/// Bytes before a stored record's JSON: its creation time.
pub const TIME_PREFIX: usize = 8;

/// Who made a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    /// A client's request.
    Client,
    /// The service itself: the Time to Live sweeper deleting an expired item.
    TimeToLive,
}

/// The `userIdentity` of records of changes made by Time to Live.
const TIME_TO_LIVE: Identity = Identity {
    principal_id: "dynamodb.amazonaws.com",
    kind: "Service",
};

/// A sequence number as the service writes it: at least 21 digits.
pub fn format_sequence(sequence: u64) -> String {
    format!("{sequence:021}")
}

/// The sequence number the next record of any stream will get.
pub fn next_sequence(txn: &Txn<'_>) -> std::result::Result<u64, StorageError> {
    let table = txn.open(META)?;
    let value = table.get(SEQUENCE_KEY)?;
    Ok(value
        .and_then(|v| v.value().try_into().ok().map(u64::from_le_bytes))
        .unwrap_or(1))
}

fn take_sequence(txn: &Txn<'_>) -> std::result::Result<u64, StorageError> {
    let sequence = next_sequence(txn)?;
    txn.open(META)?
        .insert(SEQUENCE_KEY, (sequence + 1).to_le_bytes().as_slice())?;
    Ok(sequence)
}

/// The sequence number of `stream`'s last record, if it has any.
pub fn last_sequence(
    txn: &Txn<'_>,
    stream: &StreamMeta,
) -> std::result::Result<Option<u64>, StorageError> {
    let table = txn.open(dynamodb_stream_records(&stream.records_table_name()))?;
    let last = table.read().last()?;
    Ok(last.and_then(|(key, _)| key.value().try_into().ok().map(u64::from_be_bytes)))
}

/// Records of a stream read from a snapshot by GetRecords.
#[derive(Debug, Default)]
pub struct Page {
    /// The records' JSON, in stream order.
    pub records: Vec<Vec<u8>>,
    /// The sequence number to read from next.
    pub next: u64,
}

/// Reads `stream`'s records from sequence number `from` on: at most `limit` records and,
/// past the first, at most `max_bytes` of them. `None` when `from` points at records older
/// than `horizon_ms` (epoch milliseconds) or already removed for their age: trimmed data.
pub fn read(
    txn: &ReadTransaction,
    stream: &StreamMeta,
    from: u64,
    limit: usize,
    max_bytes: usize,
    horizon_ms: u64,
) -> std::result::Result<Option<Page>, StorageError> {
    if from <= stream.trimmed_through {
        return Ok(None);
    }
    let mut page = Page {
        records: Vec::new(),
        next: from,
    };
    let table = match txn.open_table(dynamodb_stream_records(&stream.records_table_name())) {
        Ok(table) => table,
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Some(page)),
        Err(e) => return Err(e.into()),
    };
    let mut bytes = 0;
    for entry in table.range(from.to_be_bytes().as_slice()..)? {
        let (key, value) = entry?;
        let Some((created, json)) = value.value().split_first_chunk::<TIME_PREFIX>() else {
            continue;
        };
        if page.records.is_empty() && u64::from_le_bytes(*created) < horizon_ms {
            return Ok(None);
        }
        if page.records.len() == limit
            || (!page.records.is_empty() && bytes + json.len() > max_bytes)
        {
            break;
        }
        bytes += json.len();
        page.records.push(json.to_vec());
        page.next = u64::from_be_bytes(key.value().try_into().unwrap_or_default()) + 1;
    }
    Ok(Some(page))
}

/// Where TRIM_HORIZON starts in `stream`: its oldest record created at or after
/// `horizon_ms`, or else just after its last record (all of them are past retention), or
/// else the shard's start.
pub fn trim_horizon(
    txn: &ReadTransaction,
    stream: &StreamMeta,
    horizon_ms: u64,
) -> std::result::Result<u64, StorageError> {
    let empty = stream.starting_sequence.max(stream.trimmed_through + 1);
    let table = match txn.open_table(dynamodb_stream_records(&stream.records_table_name())) {
        Ok(table) => table,
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(empty),
        Err(e) => return Err(e.into()),
    };
    let mut after_last = empty;
    for entry in table.iter()? {
        let (key, value) = entry?;
        let sequence = u64::from_be_bytes(key.value().try_into().unwrap_or_default());
        let created = value.value().first_chunk::<TIME_PREFIX>().copied();
        if u64::from_le_bytes(created.unwrap_or_default()) >= horizon_ms {
            return Ok(sequence);
        }
        after_last = sequence + 1;
    }
    Ok(after_last)
}

/// The sequence number the next record of any stream will get, read from a snapshot.
pub fn next_sequence_in(txn: &ReadTransaction) -> std::result::Result<u64, StorageError> {
    let table = match txn.open_table(META) {
        Ok(table) => table,
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(1),
        Err(e) => return Err(e.into()),
    };
    let value = table.get(SEQUENCE_KEY)?;
    Ok(value
        .and_then(|v| v.value().try_into().ok().map(u64::from_le_bytes))
        .unwrap_or(1))
}

/// Appends the records of one table's changes to its enabled stream.
pub struct RecordWriter<'t> {
    txn: &'t Txn<'t>,
    records: Table<'t, &'static [u8], &'static [u8]>,
    view_type: StreamViewType,
    region: String,
    key_names: Vec<String>,
}

impl<'t> RecordWriter<'t> {
    pub fn open(
        txn: &'t Txn<'t>,
        meta: &TableMeta,
        stream: &TableStream,
    ) -> Result<RecordWriter<'t>> {
        let name = crate::storage::tables::dynamodb_stream_records_name(stream.id);
        let keys = &meta.key_schema;
        Ok(RecordWriter {
            txn,
            records: txn.open(dynamodb_stream_records(&name))?,
            view_type: stream.view_type,
            region: meta.region.clone(),
            key_names: std::iter::once(&keys.partition)
                .chain(&keys.sort)
                .map(|k| k.name.clone())
                .collect(),
        })
    }

    /// Records the change of one item from `old` to `new` (stored forms; `new` with the item
    /// it encodes), if it is one.
    pub fn append(
        &mut self,
        old: Option<&[u8]>,
        new: Option<(&Item, &[u8])>,
        actor: Actor,
    ) -> Result<()> {
        let event_name = match (old, new) {
            (None, None) => return Ok(()),
            (Some(old), Some((_, new))) if old == new => return Ok(()),
            (None, Some(_)) => "INSERT",
            (Some(_), Some(_)) => "MODIFY",
            (Some(_), None) => "REMOVE",
        };
        let keys = match (new, old) {
            (Some((item, _)), _) => self
                .key_names
                .iter()
                .filter_map(|name| item.get(name).map(|v| (name.clone(), v.clone())))
                .collect(),
            (None, Some(old)) => {
                page::decode_attributes(StoredItem::parse(old)?.json, &self.key_names)?
            }
            (None, None) => unreachable!("returned above"),
        };
        let new_image = new
            .filter(|_| self.view_type.has_new_image())
            .map(|(_, stored)| StoredItem::parse(stored))
            .transpose()?;
        let old_image = old
            .filter(|_| self.view_type.has_old_image())
            .map(StoredItem::parse)
            .transpose()?;
        let size_bytes = size::item_size(&keys)
            + new_image.map_or(0, |image| image.size)
            + old_image.map_or(0, |image| image.size);
        let now = now_epoch_seconds();
        let sequence = take_sequence(self.txn)?;
        let record = Record {
            event_id: uuid::Uuid::new_v4().simple().to_string(),
            event_name,
            event_version: "1.1",
            event_source: "aws:dynamodb",
            aws_region: &self.region,
            dynamodb: StreamRecord {
                approximate_creation_date_time: now as u64,
                keys: &keys,
                new_image: new_image.map(|image| raw(image.json)).transpose()?,
                old_image: old_image.map(|image| raw(image.json)).transpose()?,
                sequence_number: format_sequence(sequence),
                size_bytes: size_bytes as u64,
                stream_view_type: self.view_type.as_str(),
            },
            user_identity: (actor == Actor::TimeToLive).then_some(TIME_TO_LIVE),
        };
        let created_ms = (now * 1000.0) as u64;
        let mut value = Vec::with_capacity(TIME_PREFIX + 256);
        value.extend_from_slice(&created_ms.to_le_bytes());
        serde_json::to_writer(&mut value, &record).expect("a Record always serializes");
        self.records
            .insert(sequence.to_be_bytes().as_slice(), value.as_slice())?;
        Ok(())
    }
}

/// A stored item's JSON as a raw value to splice into a record.
fn raw(json: &[u8]) -> Result<&RawValue> {
    serde_json::from_slice(json).map_err(|e| {
        tracing::error!(error = %e, "a stored item is not JSON");
        DynamoError::internal("Internal server error")
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use redb::ReadableTable;
    use serde_json::{Value, json};

    use super::*;
    use crate::dynamodb::DynamoDb;
    use crate::dynamodb::item::testing::{REGION, request, service};
    use crate::dynamodb::ops::{
        create_table::create_table, delete_item::delete_item, put_item::put_item,
        update_item::update_item, update_table::update_table,
    };

    /// Creates table `tbl` (keys `pk` S, `sk` N) with a stream of `view_type`.
    pub(crate) async fn table_with_stream(db: &DynamoDb, view_type: &str) {
        let body = json!({
            "TableName": "tbl", "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "N"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"}],
            "StreamSpecification": {"StreamEnabled": true, "StreamViewType": view_type},
        });
        create_table(db, REGION, serde_json::from_value(body).unwrap())
            .await
            .unwrap();
    }

    /// Every record of the table's latest stream, with its stored creation time.
    pub(crate) fn records_of(db: &DynamoDb) -> Vec<(u64, Value)> {
        let meta = db.catalog.get(REGION, "tbl").unwrap();
        let stream = meta.stream.as_ref().unwrap();
        let txn = db.store.read().unwrap();
        let name = crate::storage::tables::dynamodb_stream_records_name(stream.id);
        let table = txn.open_table(dynamodb_stream_records(&name)).unwrap();
        table
            .iter()
            .unwrap()
            .map(|entry| {
                let (key, value) = entry.unwrap();
                let sequence = u64::from_be_bytes(key.value().try_into().unwrap());
                let (time, json) = value.value().split_at(TIME_PREFIX);
                assert!(u64::from_le_bytes(time.try_into().unwrap()) > 0);
                (sequence, serde_json::from_slice(json).unwrap())
            })
            .collect()
    }

    async fn put(db: &DynamoDb, item: &str) {
        let body = format!(r#"{{"TableName":"tbl","Item":{item}}}"#);
        put_item(db, REGION, request(&body)).await.unwrap();
    }

    async fn delete(db: &DynamoDb, pk: &str) {
        let body =
            format!(r#"{{"TableName":"tbl","Key":{{"pk":{{"S":"{pk}"}},"sk":{{"N":"1"}}}}}}"#);
        delete_item(db, REGION, request(&body)).await.unwrap();
    }

    #[tokio::test]
    async fn every_change_is_recorded_with_both_images() {
        let db = service();
        table_with_stream(&db, "NEW_AND_OLD_IMAGES").await;
        put(&db, r#"{"pk":{"S":"a"},"sk":{"N":"1"},"v":{"N":"1"}}"#).await;
        // The same item again changes nothing: no record.
        put(&db, r#"{"pk":{"S":"a"},"sk":{"N":"1"},"v":{"N":"1.0"}}"#).await;
        let update = r#"{"TableName":"tbl","Key":{"pk":{"S":"a"},"sk":{"N":"1"}},
            "UpdateExpression":"SET v = :v","ExpressionAttributeValues":{":v":{"N":"2"}}}"#;
        update_item(&db, REGION, request(update)).await.unwrap();
        delete(&db, "a").await;
        // Deleting no item changes nothing either.
        delete(&db, "a").await;

        let records = records_of(&db);
        let names: Vec<&str> = records
            .iter()
            .map(|(_, r)| r["eventName"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["INSERT", "MODIFY", "REMOVE"]);
        let sequences: Vec<u64> = records.iter().map(|(s, _)| *s).collect();
        assert!(sequences.windows(2).all(|w| w[0] < w[1]), "{sequences:?}");

        let (sequence, modify) = &records[1];
        assert_eq!(modify["eventVersion"], "1.1");
        assert_eq!(modify["eventSource"], "aws:dynamodb");
        assert_eq!(modify["awsRegion"], REGION);
        let event_id = modify["eventID"].as_str().unwrap();
        assert_eq!(event_id.len(), 32);
        assert!(event_id.chars().all(|c| c.is_ascii_hexdigit()));
        assert!(modify.get("userIdentity").is_none());
        let body = &modify["dynamodb"];
        assert_eq!(body["Keys"], json!({"pk": {"S": "a"}, "sk": {"N": "1"}}));
        assert_eq!(
            body["OldImage"],
            json!({"pk": {"S": "a"}, "sk": {"N": "1"}, "v": {"N": "1"}})
        );
        assert_eq!(body["NewImage"]["v"], json!({"N": "2"}));
        assert_eq!(body["SequenceNumber"], format_sequence(*sequence));
        assert_eq!(body["SequenceNumber"].as_str().unwrap().len(), 21);
        assert_eq!(body["StreamViewType"], "NEW_AND_OLD_IMAGES");
        // Keys (pk "a": 3, sk 1: 4) + the old and new items (the keys + v: 3, each).
        assert_eq!(body["SizeBytes"], 7 + 10 + 10);
        let now = crate::dynamodb::catalog::now_epoch_seconds();
        let created = body["ApproximateCreationDateTime"].as_u64().unwrap();
        assert!(created as f64 <= now && created as f64 > now - 60.0);

        let remove = &records[2].1["dynamodb"];
        assert!(remove.get("NewImage").is_none());
        assert_eq!(remove["OldImage"]["v"], json!({"N": "2"}));
        assert_eq!(remove["Keys"], json!({"pk": {"S": "a"}, "sk": {"N": "1"}}));
    }

    #[tokio::test]
    async fn view_types_choose_the_images() {
        for (view_type, new, old) in [
            ("KEYS_ONLY", false, false),
            ("NEW_IMAGE", true, false),
            ("OLD_IMAGE", false, true),
        ] {
            let db = service();
            table_with_stream(&db, view_type).await;
            put(&db, r#"{"pk":{"S":"a"},"sk":{"N":"1"}}"#).await;
            put(&db, r#"{"pk":{"S":"a"},"sk":{"N":"1"},"x":{"BOOL":true}}"#).await;
            let records = records_of(&db);
            let modify = &records[1].1["dynamodb"];
            assert_eq!(modify.get("NewImage").is_some(), new, "{view_type}");
            assert_eq!(modify.get("OldImage").is_some(), old, "{view_type}");
            assert_eq!(modify["StreamViewType"], view_type);
            // Keys 7, the new item 9 (the keys + x: 2), the old one 7.
            let expected = 7 + if new { 9 } else { 0 } + if old { 7 } else { 0 };
            assert_eq!(modify["SizeBytes"], expected, "{view_type}");
        }
    }

    #[tokio::test]
    async fn a_disabled_stream_records_nothing_more_and_a_new_one_starts_empty() {
        let db = service();
        table_with_stream(&db, "KEYS_ONLY").await;
        put(&db, r#"{"pk":{"S":"a"},"sk":{"N":"1"}}"#).await;
        let first = db
            .catalog
            .get(REGION, "tbl")
            .unwrap()
            .stream
            .clone()
            .unwrap();
        let disable = r#"{"TableName":"tbl","StreamSpecification":{"StreamEnabled":false}}"#;
        update_table(&db, REGION, serde_json::from_str(disable).unwrap())
            .await
            .unwrap();
        put(&db, r#"{"pk":{"S":"b"},"sk":{"N":"1"}}"#).await;
        assert_eq!(records_of(&db).len(), 1, "the closed stream got nothing");

        let enable = r#"{"TableName":"tbl",
            "StreamSpecification":{"StreamEnabled":true,"StreamViewType":"NEW_IMAGE"}}"#;
        update_table(&db, REGION, serde_json::from_str(enable).unwrap())
            .await
            .unwrap();
        let second = db
            .catalog
            .get(REGION, "tbl")
            .unwrap()
            .stream
            .clone()
            .unwrap();
        assert_ne!(second.id, first.id);
        assert!(records_of(&db).is_empty());
        put(&db, r#"{"pk":{"S":"c"},"sk":{"N":"1"}}"#).await;
        let records = records_of(&db);
        assert_eq!(records.len(), 1);
        assert_eq!(
            records[0].1["dynamodb"]["NewImage"]["pk"],
            json!({"S": "c"})
        );
    }

    #[tokio::test]
    async fn a_write_prepared_before_the_stream_was_enabled_is_recorded() {
        let db = service();
        crate::dynamodb::item::testing::create_table(
            &db,
            "tbl",
            crate::dynamodb::catalog::ScalarType::S,
            Some(crate::dynamodb::catalog::ScalarType::N),
        )
        .await;
        let before = db.catalog.get(REGION, "tbl").unwrap();
        let enable = r#"{"TableName":"tbl",
            "StreamSpecification":{"StreamEnabled":true,"StreamViewType":"KEYS_ONLY"}}"#;
        update_table(&db, REGION, serde_json::from_str(enable).unwrap())
            .await
            .unwrap();
        db.store
            .write(move |txn| -> crate::dynamodb::error::Result<()> {
                let item =
                    crate::dynamodb::item::testing::item(r#"{"pk":{"S":"late"},"sk":{"N":"1"}}"#);
                let key =
                    crate::dynamodb::item::key_of_item(&before.key_schema, &item)?.stored_key()?;
                let stored = crate::dynamodb::item::encode_stored(&item, size::item_size(&item));
                let mut table = crate::dynamodb::table_writer::TableWriter::open(txn, &before)?;
                table.put(&key, &item, &stored, false)?;
                Ok(())
            })
            .await
            .unwrap()
            .unwrap();
        let records = records_of(&db);
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].1["dynamodb"]["Keys"]["pk"], json!({"S": "late"}));
    }
}
