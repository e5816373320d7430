//! The read cache in front of the two hot lookups, standing in for the seed's ElastiCache
//! layer: a row by (model_name, version), and a model's latest version in production.
//!
//! Writers invalidate after their commit and before they answer: they bump `epoch`, then
//! remove the keys they touched. A reader that missed notes the epoch before it reads its
//! snapshot and inserts what it read only if the epoch is unchanged, checked under the map
//! shard's lock. So a value read before a commit is either refused (the epoch moved first)
//! or inserted before the writer's removal takes that same lock (and is removed by it): no
//! stale entry outlives the write that made it stale.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use dashmap::DashMap;
use dashmap::mapref::entry::Entry;

use super::rows::{Row, name_version_key};

/// Entries per map before it is emptied and refilled by the lookups that follow.
const MAX_ENTRIES: usize = 100_000;

#[derive(Default)]
struct HitCounter {
    hits: AtomicU64,
    misses: AtomicU64,
}

impl HitCounter {
    fn hit(&self) {
        self.hits.fetch_add(1, Ordering::Relaxed);
    }

    fn miss(&self) {
        self.misses.fetch_add(1, Ordering::Relaxed);
    }
}

/// Hits and misses of one cache, for `/metrics`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheStats {
    pub name: &'static str,
    pub hits: u64,
    pub misses: u64,
}

#[derive(Default)]
pub struct Cache {
    epoch: AtomicU64,
    /// `model_name ‖ 0 ‖ version` → the row.
    by_name_version: DashMap<Vec<u8>, Arc<Row>>,
    /// model_name → its latest version in production, or none.
    latest_production: DashMap<String, Option<Arc<Row>>>,
    name_version_counts: HitCounter,
    latest_counts: HitCounter,
}

impl Cache {
    /// The row of (name, version), from the cache or else from `load`.
    pub fn row<E>(
        &self,
        name: &str,
        version: &str,
        load: impl FnOnce() -> Result<Option<Row>, E>,
    ) -> Result<Option<Arc<Row>>, E> {
        let key = name_version_key(name, version);
        if let Some(row) = self.by_name_version.get(&key) {
            self.name_version_counts.hit();
            return Ok(Some(Arc::clone(&row)));
        }
        self.name_version_counts.miss();
        let epoch = self.epoch.load(Ordering::SeqCst);
        let Some(row) = load()? else {
            return Ok(None);
        };
        let row = Arc::new(row);
        self.insert_if_current(&self.by_name_version, key, Arc::clone(&row), epoch);
        Ok(Some(row))
    }

    /// The latest production version of `name` (None if it has none), from the cache or
    /// else from `load`.
    pub fn latest_production<E>(
        &self,
        name: &str,
        load: impl FnOnce() -> Result<Option<Row>, E>,
    ) -> Result<Option<Arc<Row>>, E> {
        if let Some(latest) = self.latest_production.get(name) {
            self.latest_counts.hit();
            return Ok(latest.clone());
        }
        self.latest_counts.miss();
        let epoch = self.epoch.load(Ordering::SeqCst);
        let latest = load()?.map(Arc::new);
        self.insert_if_current(
            &self.latest_production,
            name.to_owned(),
            latest.clone(),
            epoch,
        );
        Ok(latest)
    }

    fn insert_if_current<K, V>(&self, map: &DashMap<K, V>, key: K, value: V, epoch: u64)
    where
        K: Eq + std::hash::Hash,
    {
        if map.len() >= MAX_ENTRIES {
            map.clear();
        }
        if let Entry::Vacant(slot) = map.entry(key)
            && self.epoch.load(Ordering::SeqCst) == epoch
        {
            slot.insert(value);
        }
    }

    /// Called after a write of (name, version) has committed, before it is acknowledged.
    pub fn invalidate(&self, name: &str, version: &str) {
        self.epoch.fetch_add(1, Ordering::SeqCst);
        self.by_name_version
            .remove(&name_version_key(name, version));
        self.latest_production.remove(name);
    }

    /// Called after a write touching every version of `name` (a rename, a model's deletion).
    pub fn invalidate_model(&self, name: &str) {
        self.epoch.fetch_add(1, Ordering::SeqCst);
        let prefix = name_version_key(name, "");
        self.by_name_version.retain(|k, _| !k.starts_with(&prefix));
        self.latest_production.remove(name);
    }

    pub fn stats(&self) -> [CacheStats; 2] {
        let read = |name, c: &HitCounter| CacheStats {
            name,
            hits: c.hits.load(Ordering::Relaxed),
            misses: c.misses.load(Ordering::Relaxed),
        };
        [
            read("name_version", &self.name_version_counts),
            read("latest_production", &self.latest_counts),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::status::Status;

    fn row(name: &str, version: &str, revision: u64) -> Row {
        Row {
            model_id: format!("{name}-{version}"),
            model_name: name.into(),
            version: version.into(),
            status: Status::Production,
            created_at: 0,
            updated_at: 0,
            metadata: None,
            owner: None,
            tags: Vec::new(),
            revision,
        }
    }

    type Loaded = Result<Option<Row>, ()>;

    #[test]
    fn hits_after_a_miss_until_invalidated() {
        let cache = Cache::default();
        let first = cache.row("m", "1", || -> Loaded { Ok(Some(row("m", "1", 1))) });
        assert_eq!(first.unwrap().unwrap().revision, 1);
        let second = cache.row("m", "1", || -> Loaded { panic!("served from the cache") });
        assert_eq!(second.unwrap().unwrap().revision, 1);
        cache.invalidate("m", "1");
        let third = cache.row("m", "1", || -> Loaded { Ok(Some(row("m", "1", 2))) });
        assert_eq!(third.unwrap().unwrap().revision, 2);
        assert_eq!(cache.stats()[0].hits, 1);
        assert_eq!(cache.stats()[0].misses, 2);
    }

    #[test]
    fn a_value_read_before_an_invalidation_is_not_kept() {
        let cache = Cache::default();
        // The write commits and invalidates while this reader holds its old snapshot.
        let stale = cache.row("m", "1", || -> Loaded {
            cache.invalidate("m", "1");
            Ok(Some(row("m", "1", 1)))
        });
        assert_eq!(stale.unwrap().unwrap().revision, 1);
        let fresh = cache.row("m", "1", || -> Loaded { Ok(Some(row("m", "1", 2))) });
        assert_eq!(fresh.unwrap().unwrap().revision, 2);
    }

    #[test]
    fn latest_production_caches_absence_until_the_model_is_written() {
        let cache = Cache::default();
        assert!(
            cache
                .latest_production("m", || -> Loaded { Ok(None) })
                .unwrap()
                .is_none()
        );
        assert!(
            cache
                .latest_production("m", || -> Loaded { panic!("absence is cached") })
                .unwrap()
                .is_none()
        );
        cache.invalidate("m", "7");
        let latest = cache.latest_production("m", || -> Loaded { Ok(Some(row("m", "7", 1))) });
        assert_eq!(latest.unwrap().unwrap().version, "7");
    }

    #[test]
    fn model_invalidation_drops_only_that_model_s_versions() {
        let cache = Cache::default();
        for name in ["m", "mm"] {
            cache
                .row(name, "1", || -> Loaded { Ok(Some(row(name, "1", 1))) })
                .unwrap();
        }
        cache.invalidate_model("m");
        assert_eq!(cache.by_name_version.len(), 1);
        assert!(
            cache
                .by_name_version
                .contains_key(&name_version_key("mm", "1"))
        );
    }
}
