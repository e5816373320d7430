//! Every change to a table's items goes through a [`TableWriter`], inside a write closure,
//! so that what must change with an item changes in the same transaction: the table's
//! TableSizeBytes counter, the entries of its secondary indexes (with their IndexSizeBytes
//! counters), with local indexes the size of the item's collection, and with a stream
//! enabled the change's stream record (`streams::records`).
//!
//! Invariant: a write closure that fails must not have written anything, because the
//! group-commit writer commits whatever a closure did, whatever it returns. Callers therefore
//! evaluate conditions and validate every new item ([`TableWriter::check`]) before the first
//! `put` or `delete`.

use std::borrow::Cow;

use super::capacity::{self, Charge};
use super::catalog::{self, IndexKind, IndexMeta, TableMeta};
use super::error::Result;
use super::index::collections;
use super::index::entries::{self, Origin};
use super::item::{self, ItemsTable, Replaced, StoredItem};
use super::page;
use super::streams::records::{Actor, RecordWriter};
use super::types::item::ItemCollectionMetrics;
use super::value::Item;
use crate::storage::tables::{DYNAMODB_COLLECTIONS, dynamodb_items};
use crate::storage::{Table, Txn};

/// What a closure's writes to one table leave for the answer besides items.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SideEffects {
    /// The write units consumed on the table's indexes (its `table` share is zero: the
    /// caller charges the item writes).
    pub index_charge: Charge,
    /// `ItemCollectionMetrics` of each collection written (none without local indexes).
    pub collections: Vec<ItemCollectionMetrics>,
}

impl SideEffects {
    /// The metrics of the one collection a single-item write touched, when asked for.
    pub fn collection_metrics(&self, asked: bool) -> Option<ItemCollectionMetrics> {
        asked.then(|| self.collections.first().cloned()).flatten()
    }
}

/// A write a closure is about to make, for [`TableWriter::first_over_collection_limit`].
pub enum PlannedWrite<'a> {
    Put {
        key: &'a [u8],
        item: &'a Item,
        stored: &'a [u8],
    },
    Delete {
        key: &'a [u8],
    },
}

/// One table opened for writing inside a write closure.
pub struct TableWriter<'t> {
    txn: &'t Txn<'t>,
    /// The description the request was prepared with, or the committed one if the table's
    /// indexes changed since.
    meta: Cow<'t, TableMeta>,
    items: ItemsTable<'t>,
    indexes: Vec<(IndexMeta, IndexKind, ItemsTable<'t>)>,
    /// The attributes that place an item in the indexes: all that is decoded of a replaced
    /// item to find its old entries.
    index_key_names: Vec<String>,
    /// The write units the index entry writes consumed so far (`capacity`).
    index_charge: Charge,
    /// The collection size counters, when the table has local indexes.
    collections: Option<Table<'t, &'static [u8], &'static [u8]>>,
    /// The collections written so far, with their sizes after the write.
    collection_metrics: Vec<ItemCollectionMetrics>,
    /// The table's enabled stream, if it has one.
    stream: Option<RecordWriter<'t>>,
}

impl<'t> TableWriter<'t> {
    /// Opens `meta`'s items and indexes, after checking that the table is still the live one
    /// under its name (it may have been deleted since the request looked it up).
    pub fn open(txn: &'t Txn<'t>, meta: &'t TableMeta) -> Result<TableWriter<'t>> {
        item::ensure_live(txn, meta)?;
        // A description older than the last index or stream change is replaced by the
        // committed one, so that no write misses an index entry or a stream record.
        let meta = if catalog::write_generation(txn, meta.id)? == meta.write_generation {
            Cow::Borrowed(meta)
        } else {
            match catalog::stored_meta(txn, &meta.region, &meta.name)? {
                Some(stored) => Cow::Owned(stored),
                None => return Err(super::error::DynamoError::resource_not_found()),
            }
        };
        let mut indexes = Vec::with_capacity(meta.global_indexes.len() + meta.local_indexes.len());
        let kinds = meta
            .global_indexes
            .iter()
            .map(|i| (i, IndexKind::Global))
            .chain(meta.local_indexes.iter().map(|i| (i, IndexKind::Local)));
        for (index, kind) in kinds {
            let name = index.entries_table_name();
            indexes.push((index.clone(), kind, txn.open(dynamodb_items(&name))?));
        }
        let mut index_key_names: Vec<String> = Vec::new();
        for (index, _, _) in &indexes {
            for key in std::iter::once(&index.key_schema.partition).chain(&index.key_schema.sort) {
                if !index_key_names.contains(&key.name) {
                    index_key_names.push(key.name.clone());
                }
            }
        }
        let collections = if meta.local_indexes.is_empty() {
            None
        } else {
            Some(txn.open(DYNAMODB_COLLECTIONS)?)
        };
        let stream = match meta.stream.as_ref().filter(|s| s.enabled) {
            Some(stream) => Some(RecordWriter::open(txn, &meta, stream)?),
            None => None,
        };
        Ok(TableWriter {
            txn,
            items: item::open_items(txn, &meta)?,
            meta,
            indexes,
            index_key_names,
            index_charge: Charge::default(),
            collections,
            collection_metrics: Vec::new(),
            stream,
        })
    }

    pub fn meta(&self) -> &TableMeta {
        &self.meta
    }

    /// What the writes so far leave for the answer besides items.
    pub fn side_effects(&self) -> SideEffects {
        SideEffects {
            index_charge: self.index_charge.clone(),
            collections: self.collection_metrics.clone(),
        }
    }

    /// The stored bytes under `key`, copied out.
    pub fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        item::get_stored_in(&self.items, key)
    }

    /// The service's checks that `item` may be written to this table beyond its primary key
    /// (which the request's own checks cover): its index key values. [`TableWriter::put`]
    /// makes them too; a closure writing several items calls this for each before any write.
    pub fn check(&self, item: &Item, origin: Origin) -> Result<()> {
        entries::check_item(&self.meta, item, origin)
    }

    /// Writes `item`, encoded as `stored` (`item::encode_stored`), under `key`, with its
    /// index entries; says what it replaced, with the old bytes when `keep_old`.
    pub fn put(
        &mut self,
        key: &[u8],
        item: &Item,
        stored: &[u8],
        keep_old: bool,
    ) -> Result<Option<Replaced>> {
        self.check(item, Origin::Item)?;
        let collection = match self.collections.is_some() {
            true => Some(self.plan_collection(key, item, stored)?),
            false => None,
        };
        let need_old = keep_old || !self.indexes.is_empty() || self.stream.is_some();
        let replaced = item::insert(&mut self.items, key, stored, need_old)?;
        let new_size = item::stored_size(stored)?;
        self.account_size(replaced.as_ref().map(|r| r.size), Some(new_size))?;
        if !self.indexes.is_empty() {
            let old = replaced
                .as_ref()
                .and_then(|r| r.bytes.as_deref())
                .map(|bytes| self.decode_index_keys(bytes))
                .transpose()?;
            self.update_indexes(key, old.as_ref(), Some((item, stored)))?;
        }
        if let Some((counter, size)) = collection {
            self.record_collection(&counter, item, size)?;
        }
        if let Some(stream) = &mut self.stream {
            let old = replaced.as_ref().and_then(|r| r.bytes.as_deref());
            stream.append(old, Some((item, stored)), Actor::Client)?;
        }
        Ok(replaced.map(|r| keep_only_if(r, keep_old)))
    }

    /// Removes the item under `key` and its index entries; says what it removed, with the
    /// old bytes when `keep_old`.
    pub fn delete(&mut self, key: &[u8], keep_old: bool) -> Result<Option<Replaced>> {
        self.delete_by(key, keep_old, Actor::Client)
    }

    /// Removes the item under `key` on the service's behalf: the TTL sweeper deleting an
    /// expired item (its stream record names the service as the actor).
    pub fn delete_expired(&mut self, key: &[u8]) -> Result<()> {
        self.delete_by(key, false, Actor::TimeToLive).map(drop)
    }

    fn delete_by(&mut self, key: &[u8], keep_old: bool, actor: Actor) -> Result<Option<Replaced>> {
        let need_old = keep_old || !self.indexes.is_empty() || self.stream.is_some();
        let removed = item::remove(&mut self.items, key, need_old)?;
        self.account_size(removed.as_ref().map(|r| r.size), None)?;
        if !self.indexes.is_empty()
            && let Some(bytes) = removed.as_ref().and_then(|r| r.bytes.as_deref())
        {
            let old_keys = self.decode_index_keys(bytes)?;
            self.update_indexes(key, Some(&old_keys), None)?;
            if self.collections.is_some() {
                let old = item::decode_stored(bytes)?;
                let counter = collections::counter_key(&self.meta, &old)?;
                let removed_bytes =
                    collections::bytes_of(&self.meta, &old, bytes, item::stored_size(bytes)?)?;
                let size = self
                    .collection_size(&counter)?
                    .saturating_sub(removed_bytes);
                self.record_collection(&counter, &old, size)?;
            }
        }
        if let Some(stream) = &mut self.stream {
            let old = removed.as_ref().and_then(|r| r.bytes.as_deref());
            stream.append(old, None, actor)?;
        }
        Ok(removed.map(|r| keep_only_if(r, keep_old)))
    }

    /// The index key attributes of a stored item (what its index entries' keys are made of),
    /// decoded without the rest of the item.
    fn decode_index_keys(&self, stored: &[u8]) -> Result<Item> {
        page::decode_attributes(StoredItem::parse(stored)?.json, &self.index_key_names)
    }

    /// For a closure writing several items: the position of the first of `writes` that
    /// would take an item collection past the service's limit, counting the writes before
    /// it (`put` alone sees only what was written before it, too late to write nothing).
    /// `None` when they all fit, or when the table has no local indexes. The writes are to
    /// distinct keys.
    pub fn first_over_collection_limit(
        &self,
        writes: &[PlannedWrite<'_>],
    ) -> Result<Option<usize>> {
        if self.collections.is_none() {
            return Ok(None);
        }
        let mut sizes: Vec<(Vec<u8>, u64)> = Vec::new();
        for (position, write) in writes.iter().enumerate() {
            let (key, new) = match write {
                PlannedWrite::Put { key, item, stored } => (*key, Some((*item, *stored))),
                PlannedWrite::Delete { key } => (*key, None),
            };
            let old = self.get(key)?.map(|bytes| -> Result<_> {
                let old = item::decode_stored(&bytes)?;
                let size =
                    collections::bytes_of(&self.meta, &old, &bytes, item::stored_size(&bytes)?)?;
                Ok((old, size))
            });
            let old = old.transpose()?;
            let counter = match (new, &old) {
                (Some((item, _)), _) => collections::counter_key(&self.meta, item)?,
                (None, Some((old, _))) => collections::counter_key(&self.meta, old)?,
                (None, None) => continue,
            };
            let current = match sizes.iter().position(|(c, _)| *c == counter) {
                Some(i) => i,
                None => {
                    sizes.push((counter.clone(), self.collection_size(&counter)?));
                    sizes.len() - 1
                }
            };
            let before = sizes[current].1;
            let added = match new {
                Some((item, stored)) => {
                    collections::bytes_of(&self.meta, item, stored, item::stored_size(stored)?)?
                }
                None => 0,
            };
            let after = (before + added).saturating_sub(old.map_or(0, |(_, size)| size));
            if after > collections::LIMIT_BYTES && after > before {
                return Ok(Some(position));
            }
            sizes[current].1 = after;
        }
        Ok(None)
    }

    /// The size `item`'s collection will have once `item` replaces what is stored under
    /// `key`, refused past the service's limit (before anything is written).
    fn plan_collection(&self, key: &[u8], item: &Item, stored: &[u8]) -> Result<(Vec<u8>, u64)> {
        let counter = collections::counter_key(&self.meta, item)?;
        let current = self.collection_size(&counter)?;
        let added = collections::bytes_of(&self.meta, item, stored, item::stored_size(stored)?)?;
        let removed = match self.get(key)? {
            Some(old) => collections::bytes_of(
                &self.meta,
                &item::decode_stored(&old)?,
                &old,
                item::stored_size(&old)?,
            )?,
            None => 0,
        };
        let next = (current + added).saturating_sub(removed);
        if next > collections::LIMIT_BYTES && next > current {
            return Err(collections::limit_exceeded());
        }
        Ok((counter, next))
    }

    fn collection_size(&self, counter: &[u8]) -> Result<u64> {
        let table = self.collections.as_ref().expect("opened for local indexes");
        Ok(table
            .get(counter)?
            .and_then(|v| v.value().try_into().ok().map(u64::from_le_bytes))
            .unwrap_or(0))
    }

    fn record_collection(&mut self, counter: &[u8], item: &Item, size: u64) -> Result<()> {
        let table = self.collections.as_mut().expect("opened for local indexes");
        if size == 0 {
            table.remove(counter)?;
        } else {
            table.insert(counter, size.to_le_bytes().as_slice())?;
        }
        let metrics = collections::metrics(&self.meta, item, size)?;
        match self
            .collection_metrics
            .iter_mut()
            .find(|m| m.item_collection_key == metrics.item_collection_key)
        {
            Some(existing) => *existing = metrics,
            None => self.collection_metrics.push(metrics),
        }
        Ok(())
    }

    /// Moves each index from `old`'s entry to `new`'s (either may be absent).
    fn update_indexes(
        &mut self,
        key: &[u8],
        old: Option<&Item>,
        new: Option<(&Item, &[u8])>,
    ) -> Result<()> {
        let table_keys = &self.meta.key_schema;
        for (index, kind, entries_table) in &mut self.indexes {
            let old_key = match old {
                Some(old) => entries::entry_key(index, old, key)?,
                None => None,
            };
            let new_key = match new {
                Some((item, _)) => entries::entry_key(index, item, key)?,
                None => None,
            };
            let mut delta: i64 = 0;
            let mut units = 0.0;
            if let Some(old_key) = &old_key
                && new_key.as_ref() != Some(old_key)
                && let Some(removed) = entries_table.remove(old_key.as_slice())?
            {
                let size = item::stored_size(removed.value())?;
                delta -= size as i64;
                units += capacity::write_units(Some(size), None);
            }
            if let (Some(new_key), Some((item, stored))) = (&new_key, new) {
                let (projection, size) = entries::projection_of(index, table_keys, item, stored)?;
                match entries_table.insert(new_key.as_slice(), projection.as_ref())? {
                    Some(replaced) => {
                        let old_size = item::stored_size(replaced.value())?;
                        delta -= old_size as i64;
                        if replaced.value() != projection.as_ref() {
                            units += capacity::write_units(Some(old_size), Some(size));
                        }
                    }
                    None => units += capacity::write_units(None, Some(size)),
                }
                delta += size as i64;
            }
            if units > 0.0 {
                self.index_charge.add_index(*kind, &index.name, units);
            }
            catalog::adjust_index_size(self.txn, index.id, delta)?;
        }
        Ok(())
    }

    fn account_size(&self, old: Option<usize>, new: Option<usize>) -> Result<()> {
        let delta = new.unwrap_or(0) as i64 - old.unwrap_or(0) as i64;
        Ok(catalog::adjust_table_size(self.txn, &self.meta, delta)?)
    }
}

/// Drops the old bytes that were read only to maintain indexes.
fn keep_only_if(mut replaced: Replaced, keep_old: bool) -> Replaced {
    if !keep_old {
        replaced.bytes = None;
    }
    replaced
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::dynamodb::error::ErrorCode;
    use crate::dynamodb::item::testing::{REGION, item, service};
    use crate::dynamodb::ops::create_table::create_table;
    use crate::dynamodb::size;

    #[tokio::test]
    async fn a_write_past_the_collection_limit_is_refused_before_it_writes() {
        let db = service();
        let body = r#"{"TableName":"tbl","BillingMode":"PAY_PER_REQUEST",
            "AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},
                {"AttributeName":"sk","AttributeType":"S"},
                {"AttributeName":"l","AttributeType":"S"}],
            "KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},
                {"AttributeName":"sk","KeyType":"RANGE"}],
            "LocalSecondaryIndexes":[{"IndexName":"lsi","Projection":{"ProjectionType":"ALL"},
                "KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},
                    {"AttributeName":"l","KeyType":"RANGE"}]}]}"#;
        create_table(&db, REGION, serde_json::from_str(body).unwrap())
            .await
            .unwrap();
        let meta = db.catalog.get(REGION, "tbl").unwrap();
        let write = |sk: &'static str, counter_at: Option<u64>| {
            let meta = Arc::clone(&meta);
            db.store
                .write(move |txn| -> Result<Vec<ItemCollectionMetrics>> {
                    let it = item(&format!(
                        r#"{{"pk":{{"S":"a"}},"sk":{{"S":"{sk}"}},"l":{{"S":"x"}}}}"#
                    ));
                    let key = item::key_of_item(&meta.key_schema, &it)?.stored_key()?;
                    let stored = item::encode_stored(&it, size::item_size(&it));
                    if let Some(at) = counter_at {
                        let counter = collections::counter_key(&meta, &it)?;
                        txn.open(DYNAMODB_COLLECTIONS)?
                            .insert(counter.as_slice(), at.to_le_bytes().as_slice())?;
                    }
                    let mut table = TableWriter::open(txn, &meta)?;
                    table.put(&key, &it, &stored, false)?;
                    Ok(table.side_effects().collections)
                })
        };
        // The item and its entry in the local index both count.
        let metrics = write("1", None).await.unwrap().unwrap();
        assert_eq!(metrics.len(), 1);
        assert_eq!(metrics[0].size_estimate_range_gb, [0.0, 1.0]);

        let e = write("2", Some(collections::LIMIT_BYTES - 10))
            .await
            .unwrap()
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::ItemCollectionSizeLimitExceededException);
        let txn = db.store.read().unwrap();
        let key = item::key_of_item(
            &meta.key_schema,
            &item(r#"{"pk":{"S":"a"},"sk":{"S":"2"}}"#),
        )
        .unwrap()
        .stored_key()
        .unwrap();
        assert!(item::get_stored(&txn, &meta, &key).unwrap().is_none());
        drop(txn);

        // Several writes are counted together: each fits alone, both do not.
        let meta = Arc::clone(&meta);
        let first_over = db
            .store
            .write(move |txn| -> Result<Option<usize>> {
                let items: Vec<(Item, Vec<u8>, Vec<u8>)> = ["3", "4"]
                    .iter()
                    .map(|sk| {
                        let it = item(&format!(
                            r#"{{"pk":{{"S":"b"}},"sk":{{"S":"{sk}"}},"l":{{"S":"x"}}}}"#
                        ));
                        let key = item::key_of_item(&meta.key_schema, &it)
                            .unwrap()
                            .stored_key()
                            .unwrap();
                        let stored = item::encode_stored(&it, size::item_size(&it));
                        (it, key, stored)
                    })
                    .collect();
                let one = collections::bytes_of(
                    &meta,
                    &items[0].0,
                    &items[0].2,
                    item::stored_size(&items[0].2)?,
                )?;
                let counter = collections::counter_key(&meta, &items[0].0)?;
                txn.open(DYNAMODB_COLLECTIONS)?.insert(
                    counter.as_slice(),
                    (collections::LIMIT_BYTES - one - 1)
                        .to_le_bytes()
                        .as_slice(),
                )?;
                let table = TableWriter::open(txn, &meta)?;
                let planned: Vec<PlannedWrite<'_>> = items
                    .iter()
                    .map(|(item, key, stored)| PlannedWrite::Put { key, item, stored })
                    .collect();
                assert_eq!(table.first_over_collection_limit(&planned[..1])?, None);
                table.first_over_collection_limit(&planned)
            })
            .await
            .unwrap()
            .unwrap();
        assert_eq!(first_over, Some(1));
    }
}
