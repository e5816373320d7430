//! Stored-key encoding of items, so that a redb range scan answers a Query and each parallel
//! Scan segment is one contiguous range.
//!
//! ```text
//! stored_key = partition_hash(pk) as u32 BE || encode_partition(pk) || encode_sort(sk)?
//! encode_partition(S | B) = tag || len as u16 BE || bytes
//! encode_partition(N)     = tag || len as u8     || Number::encode_ordered
//! encode_sort(S | B)      = tag || bytes                 (last component: no terminator)
//! encode_sort(N)          = tag || Number::encode_ordered
//! ```
//!
//! Invariants (property-tested below):
//! - `partition_prefix(pk)` is a prefix of every key of that partition and of no key of any
//!   other partition: the partition component is length-prefixed, hence prefix-free.
//! - Within a partition, byte order of stored keys is the service's sort-key order: S by
//!   UTF-8 bytes, B by unsigned bytes, N numerically.
//! - Numerically equal N keys (`1`, `1.0`, `10E-1`) encode identically.
//! - Scan segment `i` of `n` is the hash range `[i·2³²/n, (i+1)·2³²/n)`.
//!
//! The hash, the tags and the layouts are persisted: changing any of them orphans stored data.
//!
//! Key attributes may only be S, N or B, with a partition key of at most 2048 bytes and a sort
//! key of at most 1024; callers validate that first (with the service's messages). Here a
//! value of another type, or a partition key longer than the length prefix allows, is a
//! [`KeyError`], never a panic.

use std::fmt;
use std::ops::Bound;

use super::number::Number;
use super::value::{AttributeType, AttributeValue};

/// Type tags of key components (readable in a hex dump).
pub const TAG_S: u8 = b'S';
pub const TAG_N: u8 = b'N';
pub const TAG_B: u8 = b'B';

/// Length of the partition hash at the start of every stored key.
pub const HASH_LEN: usize = 4;

/// Why a value cannot be (part of) a stored key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyError {
    /// Keys are S, N or B only.
    UnsupportedType(AttributeType),
    /// A partition key longer than the 16-bit length prefix (the service's limit is 2048).
    TooLong(usize),
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyError::UnsupportedType(t) => {
                write!(f, "a key attribute cannot be of type {}", t.descriptor())
            }
            KeyError::TooLong(len) => write!(f, "a partition key of {len} bytes is too long"),
        }
    }
}

impl std::error::Error for KeyError {}

/// A key attribute's value, borrowed and known to be S, N or B.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyValue<'a> {
    S(&'a str),
    N(&'a Number),
    B(&'a [u8]),
}

impl<'a> KeyValue<'a> {
    pub fn from_attribute(value: &'a AttributeValue) -> Result<KeyValue<'a>, KeyError> {
        match value {
            AttributeValue::S(s) => Ok(KeyValue::S(s)),
            AttributeValue::N(n) => Ok(KeyValue::N(n)),
            AttributeValue::B(b) => Ok(KeyValue::B(b)),
            other => Err(KeyError::UnsupportedType(other.attribute_type())),
        }
    }

    fn tag(self) -> u8 {
        match self {
            KeyValue::S(_) => TAG_S,
            KeyValue::N(_) => TAG_N,
            KeyValue::B(_) => TAG_B,
        }
    }

    /// The partition hash: CRC-32 of the tag and the value's bytes (UTF-8 for S, raw for B,
    /// the ordered encoding for N).
    pub fn partition_hash(self) -> u32 {
        let mut hasher = crc32fast::Hasher::new();
        hasher.update(&[self.tag()]);
        match self {
            KeyValue::S(s) => hasher.update(s.as_bytes()),
            KeyValue::B(b) => hasher.update(b),
            KeyValue::N(n) => {
                let (buf, len) = n.encode_ordered_array();
                hasher.update(&buf[..len]);
            }
        }
        hasher.finalize()
    }

    /// Appends the prefix-free partition component.
    pub fn encode_partition(self, out: &mut Vec<u8>) -> Result<(), KeyError> {
        out.push(self.tag());
        match self {
            KeyValue::S(s) => push_with_len(out, s.as_bytes()),
            KeyValue::B(b) => push_with_len(out, b),
            KeyValue::N(n) => {
                let (buf, len) = n.encode_ordered_array();
                // len <= MAX_ENCODED_LEN (21).
                out.push(len as u8);
                out.extend_from_slice(&buf[..len]);
                Ok(())
            }
        }
    }

    /// Appends the sort component in a self-delimiting form, for keys that continue after
    /// it: S and B bytes with each 0x00 escaped as 0x00 0xFF, then the terminator 0x00 0x00
    /// (when `terminate`; a `begins_with` prefix is left open). Escaping keeps the byte
    /// order, and no escaped string is a prefix of another's terminated form. N is
    /// self-delimiting already.
    pub fn encode_delimited_sort(self, out: &mut Vec<u8>, terminate: bool) {
        out.push(self.tag());
        let bytes = match self {
            KeyValue::S(s) => s.as_bytes(),
            KeyValue::B(b) => b,
            KeyValue::N(n) => return n.encode_ordered(out),
        };
        for &byte in bytes {
            out.push(byte);
            if byte == 0 {
                out.push(0xFF);
            }
        }
        if terminate {
            out.extend_from_slice(&[0, 0]);
        }
    }

    /// Appends the order-preserving sort component.
    pub fn encode_sort(self, out: &mut Vec<u8>) {
        out.push(self.tag());
        match self {
            KeyValue::S(s) => out.extend_from_slice(s.as_bytes()),
            KeyValue::B(b) => out.extend_from_slice(b),
            KeyValue::N(n) => n.encode_ordered(out),
        }
    }
}

fn push_with_len(out: &mut Vec<u8>, bytes: &[u8]) -> Result<(), KeyError> {
    let len = u16::try_from(bytes.len()).map_err(|_| KeyError::TooLong(bytes.len()))?;
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(bytes);
    Ok(())
}

/// The partition hash of a partition key value; see [`KeyValue::partition_hash`].
pub fn partition_hash(pk: &AttributeValue) -> Result<u32, KeyError> {
    Ok(KeyValue::from_attribute(pk)?.partition_hash())
}

/// Appends `encode_partition(pk)` (without the hash).
pub fn encode_partition(pk: &AttributeValue, out: &mut Vec<u8>) -> Result<(), KeyError> {
    KeyValue::from_attribute(pk)?.encode_partition(out)
}

/// Appends `encode_sort(sk)`.
pub fn encode_sort(sk: &AttributeValue, out: &mut Vec<u8>) -> Result<(), KeyError> {
    KeyValue::from_attribute(sk)?.encode_sort(out);
    Ok(())
}

/// `hash || encode_partition(pk)`: a prefix of exactly this partition's keys.
pub fn partition_prefix(pk: &AttributeValue) -> Result<Vec<u8>, KeyError> {
    let pk = KeyValue::from_attribute(pk)?;
    let mut out = Vec::with_capacity(HASH_LEN + 3 + 32);
    write_prefix(pk, &mut out)?;
    Ok(out)
}

fn write_prefix(pk: KeyValue<'_>, out: &mut Vec<u8>) -> Result<(), KeyError> {
    out.extend_from_slice(&pk.partition_hash().to_be_bytes());
    pk.encode_partition(out)
}

/// The stored key of an item: the partition prefix, then the sort component if the table
/// has a sort key.
pub fn item_key(pk: &AttributeValue, sk: Option<&AttributeValue>) -> Result<Vec<u8>, KeyError> {
    let mut out = Vec::with_capacity(HASH_LEN + 3 + 32);
    write_item_key(pk, sk, &mut out)?;
    Ok(out)
}

/// [`item_key`] appended to a reusable buffer.
pub fn write_item_key(
    pk: &AttributeValue,
    sk: Option<&AttributeValue>,
    out: &mut Vec<u8>,
) -> Result<(), KeyError> {
    let pk = KeyValue::from_attribute(pk)?;
    let sk = sk.map(KeyValue::from_attribute).transpose()?;
    write_prefix(pk, out)?;
    if let Some(sk) = sk {
        sk.encode_sort(out);
    }
    Ok(())
}

/// The sort component alone, to build ranges `prefix || sort_key_bytes(lo) ..= prefix ||
/// sort_key_bytes(hi)`.
pub fn sort_key_bytes(sk: &AttributeValue) -> Result<Vec<u8>, KeyError> {
    let mut out = Vec::with_capacity(1 + 32);
    encode_sort(sk, &mut out)?;
    Ok(out)
}

/// The smallest byte string greater than every string that starts with `prefix`: drop
/// trailing `0xFF` bytes and increment the last remaining one. `None` when there is no such
/// string (the prefix is empty or all `0xFF`): the range is then unbounded above.
pub fn prefix_successor(prefix: &[u8]) -> Option<Vec<u8>> {
    let keep = prefix.iter().rposition(|&b| b != 0xFF)?;
    let mut out = prefix[..=keep].to_vec();
    out[keep] += 1;
    Some(out)
}

/// The hash bytes at the start of a stored key.
pub fn key_hash(stored_key: &[u8]) -> Option<u32> {
    let bytes: [u8; HASH_LEN] = stored_key.get(..HASH_LEN)?.try_into().ok()?;
    Some(u32::from_be_bytes(bytes))
}

/// The stored-key range `[start, end)` of parallel-scan segment `segment` of
/// `total_segments`: hashes `[segment·2³²/total, (segment+1)·2³²/total)`; `end` is `None` for
/// the last segment. Callers validate `segment < total_segments` (the service's
/// ValidationException); an invalid pair gets an empty range.
pub fn segment_bounds(segment: u32, total_segments: u32) -> (Vec<u8>, Option<Vec<u8>>) {
    let bound = |i: u32| -> u32 {
        // i < total, so the quotient is below 2^32.
        ((u64::from(i) << 32) / u64::from(total_segments)) as u32
    };
    if total_segments == 0 || segment >= total_segments {
        debug_assert!(false, "segment {segment} of {total_segments}");
        return (vec![0; HASH_LEN], Some(vec![0; HASH_LEN]));
    }
    let start = bound(segment).to_be_bytes().to_vec();
    let end = (segment + 1 < total_segments).then(|| bound(segment + 1).to_be_bytes().to_vec());
    (start, end)
}

/// A sort-key condition of a Query (`KeyConditionExpression` or `KeyConditions`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SortKeyCondition<'a> {
    Eq(&'a AttributeValue),
    Lt(&'a AttributeValue),
    Le(&'a AttributeValue),
    Gt(&'a AttributeValue),
    Ge(&'a AttributeValue),
    /// `BETWEEN lo AND hi`, both inclusive.
    Between(&'a AttributeValue, &'a AttributeValue),
    /// `begins_with`, for S and B sort keys.
    BeginsWith(&'a AttributeValue),
}

/// A range of stored keys, in the shape redb's `range` takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRange {
    pub start: Bound<Vec<u8>>,
    pub end: Bound<Vec<u8>>,
}

impl KeyRange {
    /// The bounds as borrowed slices, e.g. `table.range::<&[u8]>(range.as_slices())`.
    pub fn as_slices(&self) -> (Bound<&[u8]>, Bound<&[u8]>) {
        (as_slice(&self.start), as_slice(&self.end))
    }

    /// Whether `key` lies in the range.
    pub fn contains(&self, key: &[u8]) -> bool {
        let above = match &self.start {
            Bound::Included(s) => key >= s.as_slice(),
            Bound::Excluded(s) => key > s.as_slice(),
            Bound::Unbounded => true,
        };
        let below = match &self.end {
            Bound::Included(e) => key <= e.as_slice(),
            Bound::Excluded(e) => key < e.as_slice(),
            Bound::Unbounded => true,
        };
        above && below
    }

    /// Whether the range holds no key at all (e.g. `BETWEEN` with bounds reversed). Callers
    /// must skip such a range: `BTreeMap`-like `range` calls panic when start > end.
    pub fn is_empty(&self) -> bool {
        match (&self.start, &self.end) {
            (Bound::Included(s), Bound::Included(e)) => s > e,
            (Bound::Included(s) | Bound::Excluded(s), Bound::Excluded(e))
            | (Bound::Excluded(s), Bound::Included(e)) => s >= e,
            _ => false,
        }
    }
}

fn as_slice(bound: &Bound<Vec<u8>>) -> Bound<&[u8]> {
    match bound {
        Bound::Included(v) => Bound::Included(v.as_slice()),
        Bound::Excluded(v) => Bound::Excluded(v.as_slice()),
        Bound::Unbounded => Bound::Unbounded,
    }
}

/// The stored-key range a Query of the table reads: the whole partition of `pk`, narrowed
/// by `condition`. `begins_with` on an N value is a [`KeyError::UnsupportedType`] (the
/// service rejects it during validation). A `Between` with bounds reversed gives an empty
/// range (see [`KeyRange::is_empty`]).
pub fn query_range(
    pk: &AttributeValue,
    condition: Option<SortKeyCondition<'_>>,
) -> Result<KeyRange, KeyError> {
    range_of(pk, condition, SortEncoding::Exact)
}

/// The range of index entry keys ([`index_entry_key`]) a Query of a secondary index reads.
pub fn index_query_range(
    pk: &AttributeValue,
    condition: Option<SortKeyCondition<'_>>,
) -> Result<KeyRange, KeyError> {
    range_of(pk, condition, SortEncoding::Delimited)
}

/// How the sort component ends: a table's key ends with it, so it needs no delimiter; an
/// index entry key continues with the item's key, so its sort component must be
/// self-delimiting, and every entry with sort key `v` then *starts* with the encoding of `v`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum SortEncoding {
    Exact,
    Delimited,
}

fn range_of(
    pk: &AttributeValue,
    condition: Option<SortKeyCondition<'_>>,
    encoding: SortEncoding,
) -> Result<KeyRange, KeyError> {
    let prefix = partition_prefix(pk)?;
    // The prefix holds a tag byte that is not 0xFF, so it always has a successor.
    let partition_end = match prefix_successor(&prefix) {
        Some(end) => Bound::Excluded(end),
        None => Bound::Unbounded,
    };
    let with_sort = |sk: &AttributeValue| -> Result<Vec<u8>, KeyError> {
        let mut key = prefix.clone();
        let sk = KeyValue::from_attribute(sk)?;
        match encoding {
            SortEncoding::Exact => sk.encode_sort(&mut key),
            SortEncoding::Delimited => sk.encode_delimited_sort(&mut key, true),
        }
        Ok(key)
    };
    // The first key past every key that starts with `key` (`key` itself for exact keys).
    let past = |key: Vec<u8>| -> Bound<Vec<u8>> {
        match encoding {
            SortEncoding::Exact => Bound::Included(key),
            SortEncoding::Delimited => match prefix_successor(&key) {
                Some(end) => Bound::Excluded(end),
                None => Bound::Unbounded,
            },
        }
    };
    let after = |key: Vec<u8>| -> Bound<Vec<u8>> {
        match encoding {
            SortEncoding::Exact => Bound::Excluded(key),
            SortEncoding::Delimited => match prefix_successor(&key) {
                Some(start) => Bound::Included(start),
                None => Bound::Excluded(key),
            },
        }
    };
    let range = match condition {
        None => KeyRange {
            start: Bound::Included(prefix.clone()),
            end: partition_end,
        },
        Some(SortKeyCondition::Eq(v)) => {
            let key = with_sort(v)?;
            KeyRange {
                start: Bound::Included(key.clone()),
                end: past(key),
            }
        }
        Some(SortKeyCondition::Lt(v)) => KeyRange {
            start: Bound::Included(prefix.clone()),
            end: Bound::Excluded(with_sort(v)?),
        },
        Some(SortKeyCondition::Le(v)) => KeyRange {
            start: Bound::Included(prefix.clone()),
            end: past(with_sort(v)?),
        },
        Some(SortKeyCondition::Gt(v)) => KeyRange {
            start: after(with_sort(v)?),
            end: partition_end,
        },
        Some(SortKeyCondition::Ge(v)) => KeyRange {
            start: Bound::Included(with_sort(v)?),
            end: partition_end,
        },
        Some(SortKeyCondition::Between(lo, hi)) => KeyRange {
            start: Bound::Included(with_sort(lo)?),
            end: past(with_sort(hi)?),
        },
        Some(SortKeyCondition::BeginsWith(v)) => {
            let sk = KeyValue::from_attribute(v)?;
            if let KeyValue::N(_) = sk {
                return Err(KeyError::UnsupportedType(AttributeType::N));
            }
            let mut start = prefix.clone();
            match encoding {
                SortEncoding::Exact => sk.encode_sort(&mut start),
                SortEncoding::Delimited => sk.encode_delimited_sort(&mut start, false),
            }
            let end = match prefix_successor(&start) {
                Some(end) => Bound::Excluded(end),
                None => partition_end,
            };
            KeyRange {
                start: Bound::Included(start),
                end,
            }
        }
    };
    Ok(range)
}

/// The key of a secondary index entry: the index's partition prefix, its sort component made
/// self-delimiting (if the index has a sort key), then the item's stored key, which makes
/// entries of items sharing index key values distinct.
pub fn index_entry_key(
    pk: &AttributeValue,
    sk: Option<&AttributeValue>,
    item_key: &[u8],
) -> Result<Vec<u8>, KeyError> {
    let pk = KeyValue::from_attribute(pk)?;
    let sk = sk.map(KeyValue::from_attribute).transpose()?;
    let mut out = Vec::with_capacity(HASH_LEN + 3 + 32 + item_key.len());
    write_prefix(pk, &mut out)?;
    if let Some(sk) = sk {
        sk.encode_delimited_sort(&mut out, true);
    }
    out.extend_from_slice(item_key);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::cmp::Ordering;

    fn s(v: &str) -> AttributeValue {
        AttributeValue::S(v.to_owned())
    }

    fn num(v: &str) -> AttributeValue {
        AttributeValue::N(Number::parse(v).unwrap())
    }

    fn b(v: &[u8]) -> AttributeValue {
        AttributeValue::B(v.to_vec())
    }

    /// The service's sort-key order for values of one type.
    fn service_cmp(a: &AttributeValue, b: &AttributeValue) -> Ordering {
        match (a, b) {
            (AttributeValue::S(x), AttributeValue::S(y)) => x.as_bytes().cmp(y.as_bytes()),
            (AttributeValue::B(x), AttributeValue::B(y)) => x.cmp(y),
            (AttributeValue::N(x), AttributeValue::N(y)) => x.cmp(y),
            _ => panic!("mixed types"),
        }
    }

    #[test]
    fn layout_is_as_documented() {
        let pk = s("ab");
        let hash = partition_hash(&pk).unwrap();
        let mut expected_hash = crc32fast::Hasher::new();
        expected_hash.update(b"Sab");
        assert_eq!(hash, expected_hash.finalize());
        let mut expected = hash.to_be_bytes().to_vec();
        expected.extend_from_slice(&[TAG_S, 0, 2, b'a', b'b']);
        assert_eq!(partition_prefix(&pk).unwrap(), expected);
        expected.extend_from_slice(&[TAG_B, 1, 2]);
        assert_eq!(item_key(&pk, Some(&b(&[1, 2]))).unwrap(), expected);
        assert_eq!(item_key(&pk, None).unwrap(), partition_prefix(&pk).unwrap());
        assert_eq!(sort_key_bytes(&s("x")).unwrap(), vec![TAG_S, b'x']);
        // N: tag, length, ordered encoding (1 → positive tag, exponent 130, pair "10").
        let mut n_part = Vec::new();
        encode_partition(&num("1"), &mut n_part).unwrap();
        assert_eq!(n_part, vec![TAG_N, 3, 0x03, 130, 20]);
        assert_eq!(key_hash(&expected), Some(hash));
        assert_eq!(key_hash(&[1, 2]), None);
    }

    #[test]
    fn partition_hash_is_stable() {
        // Persisted: these values must never change.
        assert_eq!(partition_hash(&s("")).unwrap(), crc32fast::hash(b"S"));
        assert_eq!(
            partition_hash(&s("user#1")).unwrap(),
            crc32fast::hash(b"Suser#1")
        );
        assert_eq!(
            partition_hash(&b(&[0, 255])).unwrap(),
            crc32fast::hash(&[b'B', 0, 255])
        );
        assert_eq!(
            partition_hash(&num("-1.5")).unwrap(),
            crc32fast::hash(&[b'N', 0x01, !130, !30])
        );
        assert_eq!(partition_hash(&num("1.50")), partition_hash(&num("15E-1")));
    }

    #[test]
    fn non_key_types_are_errors_not_panics() {
        for v in [
            AttributeValue::Bool(true),
            AttributeValue::Null,
            AttributeValue::L(vec![]),
            AttributeValue::M(Default::default()),
            AttributeValue::Ss(vec!["a".into()]),
            AttributeValue::Ns(vec![]),
            AttributeValue::Bs(vec![]),
        ] {
            let t = v.attribute_type();
            assert_eq!(partition_prefix(&v), Err(KeyError::UnsupportedType(t)));
            assert_eq!(
                item_key(&s("a"), Some(&v)),
                Err(KeyError::UnsupportedType(t))
            );
            assert_eq!(sort_key_bytes(&v), Err(KeyError::UnsupportedType(t)));
            assert_eq!(partition_hash(&v), Err(KeyError::UnsupportedType(t)));
        }
        let long = AttributeValue::S("x".repeat(70_000));
        assert_eq!(partition_prefix(&long), Err(KeyError::TooLong(70_000)));
        assert!(sort_key_bytes(&long).is_ok());
        assert_eq!(
            query_range(&s("a"), Some(SortKeyCondition::BeginsWith(&num("1")))),
            Err(KeyError::UnsupportedType(AttributeType::N))
        );
        assert_eq!(
            KeyError::UnsupportedType(AttributeType::Bool).to_string(),
            "a key attribute cannot be of type BOOL"
        );
    }

    #[test]
    fn successor() {
        assert_eq!(prefix_successor(b"ab"), Some(b"ac".to_vec()));
        assert_eq!(prefix_successor(&[1, 0xFF, 0xFF]), Some(vec![2]));
        assert_eq!(prefix_successor(&[0xFF, 0xFF]), None);
        assert_eq!(prefix_successor(&[]), None);
    }

    #[test]
    fn segments_cover_the_hash_space() {
        assert_eq!(segment_bounds(0, 1), (vec![0, 0, 0, 0], None));
        assert_eq!(
            segment_bounds(0, 2),
            (vec![0, 0, 0, 0], Some(vec![0x80, 0, 0, 0]))
        );
        assert_eq!(segment_bounds(1, 2), (vec![0x80, 0, 0, 0], None));
        for total in [1u32, 3, 7, 1000, 1_000_000] {
            let mut expected_start = vec![0, 0, 0, 0];
            for i in [0, 1, total / 2, total.saturating_sub(2), total - 1] {
                if i >= total {
                    continue;
                }
                let (start, end) = segment_bounds(i, total);
                if i == 0 {
                    assert_eq!(start, expected_start);
                }
                match end {
                    Some(end) => {
                        assert!(start < end);
                        assert_eq!(segment_bounds(i + 1, total).0, end);
                        expected_start = end;
                    }
                    None => assert_eq!(i, total - 1),
                }
            }
        }
    }

    #[test]
    fn empty_ranges_are_detected() {
        let r = query_range(
            &s("p"),
            Some(SortKeyCondition::Between(&num("5"), &num("1"))),
        )
        .unwrap();
        assert!(r.is_empty());
        let r = query_range(
            &s("p"),
            Some(SortKeyCondition::Between(&num("1"), &num("1"))),
        )
        .unwrap();
        assert!(!r.is_empty());
        assert!(r.contains(&item_key(&s("p"), Some(&num("1.0"))).unwrap()));
        assert!(!query_range(&s("p"), None).unwrap().is_empty());
    }

    fn any_number() -> impl Strategy<Value = Number> {
        prop_oneof![
            any::<i64>().prop_map(Number::from_i64),
            (any::<i64>(), -140i32..130).prop_filter_map("in range", |(m, e)| {
                Number::parse(&format!("{m}E{e}")).ok()
            }),
            Just(Number::ZERO),
        ]
    }

    fn any_key_value() -> impl Strategy<Value = AttributeValue> {
        prop_oneof![
            any::<String>().prop_map(AttributeValue::S),
            "[a-c]{0,3}".prop_map(AttributeValue::S),
            proptest::collection::vec(any::<u8>(), 0..6).prop_map(AttributeValue::B),
            proptest::collection::vec(prop_oneof![Just(0u8), Just(1), Just(0xFF)], 0..4)
                .prop_map(AttributeValue::B),
            any_number().prop_map(AttributeValue::N),
        ]
    }

    /// `n` sort keys of one type.
    fn values_of_one_type(n: usize) -> impl Strategy<Value = Vec<AttributeValue>> {
        let strings = |pattern: &'static str| {
            proptest::collection::vec(proptest::string::string_regex(pattern).unwrap(), n)
                .prop_map(|v| v.iter().map(|x| s(x)).collect::<Vec<_>>())
        };
        prop_oneof![
            proptest::collection::vec(any::<String>(), n)
                .prop_map(|v| v.iter().map(|x| s(x)).collect()),
            strings("[a-c]{0,3}"),
            // Code points whose UTF-16 order differs from their UTF-8 order.
            strings("[\u{e000}-\u{e002}\u{10000}-\u{10002}a]{0,3}"),
            proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..5), n)
                .prop_map(|v| v.iter().map(|x| b(x)).collect()),
            proptest::collection::vec(
                proptest::collection::vec(prop_oneof![Just(0u8), Just(1), Just(0xFF)], 0..4),
                n
            )
            .prop_map(|v| v.iter().map(|x| b(x)).collect()),
            proptest::collection::vec(any_number(), n)
                .prop_map(|v| v.into_iter().map(AttributeValue::N).collect()),
        ]
    }

    /// Two sort keys of one type.
    fn same_type_pair() -> impl Strategy<Value = (AttributeValue, AttributeValue)> {
        values_of_one_type(2).prop_map(|v| (v[0].clone(), v[1].clone()))
    }

    /// Checks that the range of each sort-key condition on `values[2]` (and BETWEEN
    /// `values[2]` and `values[3]`) holds exactly the keys (`key_of` a sort key value) whose
    /// sort key satisfies it, and that the whole partition holds them all.
    fn check_ranges(
        values: &[AttributeValue],
        key_of: impl Fn(&AttributeValue) -> Vec<u8>,
        range_of: impl Fn(Option<SortKeyCondition<'_>>) -> KeyRange,
    ) -> Result<(), TestCaseError> {
        let (lo, hi) = (&values[2], &values[3]);
        for key_sk in values {
            let key = key_of(key_sk);
            let c = service_cmp(key_sk, lo);
            let checks = [
                (SortKeyCondition::Eq(lo), c == Ordering::Equal),
                (SortKeyCondition::Lt(lo), c == Ordering::Less),
                (SortKeyCondition::Le(lo), c != Ordering::Greater),
                (SortKeyCondition::Gt(lo), c == Ordering::Greater),
                (SortKeyCondition::Ge(lo), c != Ordering::Less),
                (
                    SortKeyCondition::Between(lo, hi),
                    c != Ordering::Less && service_cmp(key_sk, hi) != Ordering::Greater,
                ),
            ];
            for (condition, expected) in checks {
                prop_assert_eq!(
                    range_of(Some(condition)).contains(&key),
                    expected,
                    "{:?}",
                    condition
                );
            }
            let begins = match (key_sk, lo) {
                (AttributeValue::S(k), AttributeValue::S(p)) => Some(k.starts_with(p.as_str())),
                (AttributeValue::B(k), AttributeValue::B(p)) => Some(k.starts_with(p)),
                _ => None,
            };
            if let Some(expected) = begins {
                let range = range_of(Some(SortKeyCondition::BeginsWith(lo)));
                prop_assert_eq!(range.contains(&key), expected);
            }
            prop_assert!(range_of(None).contains(&key));
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]

        #[test]
        fn sort_encoding_follows_service_order((x, y) in same_type_pair()) {
            let (ex, ey) = (sort_key_bytes(&x).unwrap(), sort_key_bytes(&y).unwrap());
            prop_assert_eq!(ex.cmp(&ey), service_cmp(&x, &y));
            if let (AttributeValue::S(a), AttributeValue::S(bb)) = (&x, &y) {
                // For UTF-8, byte order and code point (char) order agree.
                prop_assert_eq!(a.as_bytes().cmp(bb.as_bytes()), a.chars().cmp(bb.chars()));
            }
        }

        #[test]
        fn item_keys_of_a_partition_sort_by_sort_key(
            pk in any_key_value(),
            (x, y) in same_type_pair(),
        ) {
            let kx = item_key(&pk, Some(&x)).unwrap();
            let ky = item_key(&pk, Some(&y)).unwrap();
            prop_assert_eq!(kx.cmp(&ky), service_cmp(&x, &y));
            prop_assert_eq!(kx == ky, service_cmp(&x, &y) == Ordering::Equal);
        }

        #[test]
        fn partition_prefixes_are_prefix_free(
            p1 in any_key_value(),
            p2 in any_key_value(),
            sk in any_key_value(),
        ) {
            let a = partition_prefix(&p1).unwrap();
            let key2 = item_key(&p2, Some(&sk)).unwrap();
            let same = p1 == p2;
            prop_assert_eq!(key2.starts_with(&a), same);
            prop_assert_eq!(partition_prefix(&p2).unwrap().starts_with(&a), same);
            // And every key lies in its own partition's range only.
            prop_assert!(query_range(&p2, None).unwrap().contains(&key2));
            prop_assert_eq!(query_range(&p1, None).unwrap().contains(&key2), same);
            prop_assert_eq!(key_hash(&key2), Some(partition_hash(&p2).unwrap()));
        }

        #[test]
        fn query_ranges_hold_exactly_the_matching_keys(
            pk in any_key_value(),
            values in values_of_one_type(4),
        ) {
            check_ranges(
                &values,
                |sk| item_key(&pk, Some(sk)).unwrap(),
                |condition| query_range(&pk, condition).unwrap(),
            )?;
            // No condition escapes the partition.
            for key_sk in &values {
                let other = item_key(&s("another partition"), Some(key_sk)).unwrap();
                if pk != s("another partition") {
                    for condition in [SortKeyCondition::Lt(&values[2]), SortKeyCondition::Gt(&values[2])] {
                        prop_assert!(!query_range(&pk, Some(condition)).unwrap().contains(&other));
                    }
                }
            }
        }

        #[test]
        fn index_entries_sort_by_index_sort_key_whatever_item_key_follows(
            pk in any_key_value(),
            (x, y) in same_type_pair(),
            item_x in proptest::collection::vec(any::<u8>(), 0..8),
            item_y in proptest::collection::vec(any::<u8>(), 0..8),
        ) {
            let kx = index_entry_key(&pk, Some(&x), &item_x).unwrap();
            let ky = index_entry_key(&pk, Some(&y), &item_y).unwrap();
            match service_cmp(&x, &y) {
                Ordering::Equal => prop_assert_eq!(kx.cmp(&ky), item_x.cmp(&item_y)),
                order => prop_assert_eq!(kx.cmp(&ky), order),
            }
        }

        #[test]
        fn index_query_ranges_hold_exactly_the_matching_entries(
            pk in any_key_value(),
            values in values_of_one_type(4),
            item_key in proptest::collection::vec(any::<u8>(), 0..8),
        ) {
            check_ranges(
                &values,
                |sk| index_entry_key(&pk, Some(sk), &item_key).unwrap(),
                |condition| index_query_range(&pk, condition).unwrap(),
            )?;
        }

        #[test]
        fn every_hash_falls_in_exactly_one_segment(hash in any::<u32>(), total in 1u32..5000) {
            let key = hash.to_be_bytes();
            let mut found = Vec::new();
            let expected = ((u64::from(hash) * u64::from(total)) >> 32) as u32;
            for i in expected.saturating_sub(1)..=expected + 1 {
                if i >= total {
                    continue;
                }
                let (start, end) = segment_bounds(i, total);
                let inside = key.as_slice() >= start.as_slice()
                    && end.as_ref().is_none_or(|e| key.as_slice() < e.as_slice());
                if inside {
                    found.push(i);
                }
            }
            prop_assert_eq!(found.len(), 1);
        }
    }
}
