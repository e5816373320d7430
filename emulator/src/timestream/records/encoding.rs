//! The stored form of a record.
//!
//! Key: `measure ‖ time ‖ series`, ordered so that one measure, and a time range of one
//! measure, are each one contiguous key range, and records of a measure arriving in time
//! order append at the end of its range.
//! - measure: the measure name's UTF-8 bytes with each `0x00` escaped as `0x00 0xFF`, then
//!   the terminator `0x00 0x00`;
//! - time: nanoseconds since the epoch as a big-endian `u64` with the sign bit flipped, so
//!   byte order is numeric order (8 bytes);
//! - series: per dimension, in name order, `0x01 ‖ name ‖ 0x00 0x00 ‖ value ‖ 0x00 0x00`
//!   (names and values escaped as above), then `0x00`. The encoding is prefix-free: where
//!   one series ends (`0x00`) another continues with a dimension (`0x01`).
//!
//! Time before series, measured: with a series-major key (`measure ‖ series ‖ time`) every
//! record of a batch lands on the last page of its own series, so a commit copies and
//! checksums about one 4 KB page per record (8.9 µs of the writer thread per record in the
//! ingest benchmark); time-major, records of one instant share pages (3.1 µs).
//!
//! Value: the version (`i64`, little-endian) ‖ the measure type's tag (`MeasureType::tag`)
//! ‖ the measure: `f64` or `i64` little-endian (DOUBLE, BIGINT, TIMESTAMP), one byte
//! (BOOLEAN), the UTF-8 bytes up to the end (VARCHAR), or for MULTI, per attribute, its
//! name's length (`u16` LE) ‖ name ‖ type tag ‖ its value as above, except that a VARCHAR
//! carries its length (`u32` LE) first.

use super::{MeasureType, MeasureValue, Scalar, StoredRecord};
use crate::storage::StorageError;

const TERMINATOR: [u8; 2] = [0x00, 0x00];
const ESCAPED_ZERO: [u8; 2] = [0x00, 0xFF];
const DIMENSION: u8 = 0x01;
const SERIES_END: u8 = 0x00;
pub(super) const TIME_LEN: usize = 8;

fn push_escaped(out: &mut Vec<u8>, s: &str) {
    for &b in s.as_bytes() {
        if b == 0 {
            out.extend_from_slice(&ESCAPED_ZERO);
        } else {
            out.push(b);
        }
    }
    out.extend_from_slice(&TERMINATOR);
}

/// The key prefix of every record of `measure_name`.
pub(super) fn measure_prefix(measure_name: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(measure_name.len() + 2);
    push_escaped(&mut out, measure_name);
    out
}

pub(super) fn encode_time(time: i64) -> [u8; TIME_LEN] {
    ((time as u64) ^ (1 << 63)).to_be_bytes()
}

fn decode_time(bytes: [u8; TIME_LEN]) -> i64 {
    (u64::from_be_bytes(bytes) ^ (1 << 63)) as i64
}

/// The key of a record: its measure's prefix, its time, its series.
pub fn record_key(record: &StoredRecord) -> Vec<u8> {
    let size: usize = record
        .dimensions
        .iter()
        .map(|(n, v)| n.len() + v.len() + 5)
        .sum();
    let mut key = Vec::with_capacity(record.measure_name.len() + 3 + TIME_LEN + size);
    push_escaped(&mut key, &record.measure_name);
    key.extend_from_slice(&encode_time(record.time));
    for (name, value) in &record.dimensions {
        key.push(DIMENSION);
        push_escaped(&mut key, name);
        push_escaped(&mut key, value);
    }
    key.push(SERIES_END);
    key
}

/// The key prefix of a measure's records at `time`: a measure prefix, then the time.
pub(super) fn time_prefix(measure_prefix: &[u8], time: [u8; TIME_LEN]) -> Vec<u8> {
    let mut key = Vec::with_capacity(measure_prefix.len() + TIME_LEN);
    key.extend_from_slice(measure_prefix);
    key.extend_from_slice(&time);
    key
}

/// The length of the measure prefix a stored key starts with (up to and including its
/// terminator); `None` for a key without one.
pub(super) fn measure_prefix_len(key: &[u8]) -> Option<usize> {
    let mut i = 0;
    while i + 1 < key.len() {
        if key[i] == 0 {
            if key[i + 1] == 0 {
                return Some(i + 2);
            }
            i += 2;
        } else {
            i += 1;
        }
    }
    None
}

/// The time of a stored key; `None` for a key too short to be one.
pub fn key_time(key: &[u8]) -> Option<i64> {
    let start = measure_prefix_len(key)?;
    let bytes = key.get(start..start + TIME_LEN)?;
    Some(decode_time(bytes.try_into().expect("8 bytes")))
}

pub(super) fn encode_value(record: &StoredRecord) -> Vec<u8> {
    let mut out = Vec::with_capacity(32);
    out.extend_from_slice(&record.version.to_le_bytes());
    match &record.value {
        MeasureValue::Single(scalar) => {
            out.push(scalar.measure_type().tag());
            match scalar {
                Scalar::Varchar(s) => out.extend_from_slice(s.as_bytes()),
                other => push_fixed(&mut out, other),
            }
        }
        MeasureValue::Multi(values) => {
            out.push(MeasureType::Multi.tag());
            for (name, scalar) in values {
                let len = u16::try_from(name.len()).expect("attribute names are short");
                out.extend_from_slice(&len.to_le_bytes());
                out.extend_from_slice(name.as_bytes());
                out.push(scalar.measure_type().tag());
                match scalar {
                    Scalar::Varchar(s) => {
                        let len = u32::try_from(s.len()).expect("values are short");
                        out.extend_from_slice(&len.to_le_bytes());
                        out.extend_from_slice(s.as_bytes());
                    }
                    other => push_fixed(&mut out, other),
                }
            }
        }
    }
    out
}

fn push_fixed(out: &mut Vec<u8>, scalar: &Scalar) {
    match scalar {
        Scalar::Double(d) => out.extend_from_slice(&d.to_le_bytes()),
        Scalar::Bigint(i) | Scalar::Timestamp(i) => out.extend_from_slice(&i.to_le_bytes()),
        Scalar::Boolean(b) => out.push(u8::from(*b)),
        Scalar::Varchar(_) => unreachable!("VARCHAR has a variable length"),
    }
}

fn corrupt(what: &str) -> StorageError {
    StorageError::from(redb::StorageError::Corrupted(format!(
        "timestream record {what}"
    )))
}

/// Reads through stored bytes; every read fails cleanly on truncated input.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], StorageError> {
        if self.0.len() < n {
            return Err(corrupt("truncated"));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], StorageError> {
        Ok(self.take(N)?.try_into().expect("took N bytes"))
    }

    fn byte(&mut self) -> Result<u8, StorageError> {
        Ok(self.array::<1>()?[0])
    }

    /// An escaped, terminated string.
    fn escaped(&mut self) -> Result<String, StorageError> {
        let mut bytes = Vec::new();
        loop {
            match self.byte()? {
                0 => match self.byte()? {
                    0x00 => break,
                    0xFF => bytes.push(0),
                    _ => return Err(corrupt("key has a bad escape")),
                },
                b => bytes.push(b),
            }
        }
        String::from_utf8(bytes).map_err(|_| corrupt("key is not UTF-8"))
    }

    fn utf8(&mut self, n: usize) -> Result<String, StorageError> {
        String::from_utf8(self.take(n)?.to_vec()).map_err(|_| corrupt("value is not UTF-8"))
    }

    fn scalar(&mut self, tag: u8, varchar_len: Option<usize>) -> Result<Scalar, StorageError> {
        Ok(
            match MeasureType::from_tag(tag).ok_or_else(|| corrupt("has an unknown type"))? {
                MeasureType::Double => Scalar::Double(f64::from_le_bytes(self.array()?)),
                MeasureType::Bigint => Scalar::Bigint(i64::from_le_bytes(self.array()?)),
                MeasureType::Timestamp => Scalar::Timestamp(i64::from_le_bytes(self.array()?)),
                MeasureType::Boolean => Scalar::Boolean(self.byte()? != 0),
                MeasureType::Varchar => {
                    let n = varchar_len.unwrap_or(self.0.len());
                    Scalar::Varchar(self.utf8(n)?)
                }
                MeasureType::Multi => return Err(corrupt("nests MULTI")),
            },
        )
    }
}

/// Decodes a stored value: the version and the measure.
pub(super) fn decode_value(value: &[u8]) -> Result<(i64, MeasureValue), StorageError> {
    let mut v = Reader(value);
    let version = i64::from_le_bytes(v.array()?);
    let tag = v.byte()?;
    if MeasureType::from_tag(tag) != Some(MeasureType::Multi) {
        let scalar = v.scalar(tag, None)?;
        if !v.0.is_empty() {
            return Err(corrupt("value is too long"));
        }
        return Ok((version, MeasureValue::Single(scalar)));
    }
    let mut values = Vec::new();
    while !v.0.is_empty() {
        let name_len = u16::from_le_bytes(v.array()?);
        let name = v.utf8(usize::from(name_len))?;
        let tag = v.byte()?;
        let varchar_len = if MeasureType::from_tag(tag) == Some(MeasureType::Varchar) {
            Some(u32::from_le_bytes(v.array()?) as usize)
        } else {
            None
        };
        values.push((name, v.scalar(tag, varchar_len)?));
    }
    Ok((version, MeasureValue::Multi(values)))
}

/// Decodes a stored key and value back into the record.
pub fn decode_record(key: &[u8], value: &[u8]) -> Result<StoredRecord, StorageError> {
    let mut k = Reader(key);
    let measure_name = k.escaped()?;
    let time = decode_time(k.array()?);
    let mut dimensions = Vec::new();
    loop {
        match k.byte()? {
            SERIES_END => break,
            DIMENSION => dimensions.push((k.escaped()?, k.escaped()?)),
            _ => return Err(corrupt("key has a bad series")),
        }
    }
    if !k.0.is_empty() {
        return Err(corrupt("key is too long"));
    }
    let (version, value) = decode_value(value)?;
    Ok(StoredRecord {
        dimensions,
        measure_name,
        time,
        version,
        value,
    })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn record(dimensions: &[(&str, &str)], measure: &str, time: i64) -> StoredRecord {
        StoredRecord {
            dimensions: dimensions
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                .collect(),
            measure_name: measure.to_owned(),
            time,
            version: 1,
            value: MeasureValue::Single(Scalar::Double(0.5)),
        }
    }

    #[test]
    fn layout_is_as_documented() {
        let r = StoredRecord {
            version: 7,
            ..record(&[("host", "a\0b")], "cpu", -1)
        };
        let key = record_key(&r);
        let mut expected = b"cpu\0\0".to_vec();
        expected.extend([0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]);
        expected.extend([0x01]);
        expected.extend(b"host\0\0a\0\xFFb\0\0");
        expected.extend([0x00]);
        assert_eq!(key, expected);
        let value = encode_value(&r);
        let mut expected = 7i64.to_le_bytes().to_vec();
        expected.push(1);
        expected.extend(0.5f64.to_le_bytes());
        assert_eq!(value, expected);
        assert_eq!(decode_record(&key, &value).expect("decodes"), r);
        assert_eq!(key_time(&key), Some(-1));
        assert_eq!(key_time(&key[..7]), None);
        assert_eq!(measure_prefix_len(b"a\0\xFF\0\0rest"), Some(5));
    }

    #[test]
    fn corrupt_bytes_are_errors_not_panics() {
        let r = record(&[("host", "a")], "cpu", 5);
        let (key, value) = (record_key(&r), encode_value(&r));
        for cut in 0..key.len() {
            assert!(
                decode_record(&key[..cut], &value).is_err(),
                "key cut at {cut}"
            );
        }
        for cut in 0..value.len() {
            assert!(
                decode_record(&key, &value[..cut]).is_err(),
                "value cut at {cut}"
            );
        }
        let mut bad = value.clone();
        bad[8] = 99;
        assert!(decode_record(&key, &bad).is_err());
    }

    fn any_scalar() -> impl Strategy<Value = Scalar> {
        prop_oneof![
            any::<f64>().prop_map(Scalar::Double),
            any::<i64>().prop_map(Scalar::Bigint),
            ".{0,8}".prop_map(Scalar::Varchar),
            any::<bool>().prop_map(Scalar::Boolean),
            any::<i64>().prop_map(Scalar::Timestamp),
        ]
    }

    /// Short strings over an alphabet heavy in the bytes the encoding treats specially.
    fn any_name() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![Just('\0'), Just('\u{1}'), Just('a'), Just('ÿ')],
            0..4,
        )
        .prop_map(|chars| chars.into_iter().collect())
    }

    fn any_dimensions() -> impl Strategy<Value = Vec<(String, String)>> {
        proptest::collection::btree_map(any_name(), any_name(), 0..4)
            .prop_map(|m| m.into_iter().collect())
    }

    fn any_record() -> impl Strategy<Value = StoredRecord> {
        let value = prop_oneof![
            any_scalar()
                .prop_filter("TIMESTAMP only in MULTI", |s| !matches!(
                    s,
                    Scalar::Timestamp(_)
                ))
                .prop_map(MeasureValue::Single),
            proptest::collection::btree_map(any_name(), any_scalar(), 1..4)
                .prop_map(|m| MeasureValue::Multi(m.into_iter().collect())),
        ];
        (
            any_dimensions(),
            any_name(),
            any::<i64>(),
            any::<i64>(),
            value,
        )
            .prop_map(
                |(dimensions, measure_name, time, version, value)| StoredRecord {
                    dimensions,
                    measure_name,
                    time,
                    version,
                    value,
                },
            )
    }

    proptest! {
        #[test]
        fn records_round_trip(r in any_record()) {
            prop_assert_eq!(decode_record(&record_key(&r), &encode_value(&r))?, r);
        }

        #[test]
        fn time_order_is_byte_order(a in any::<i64>(), b in any::<i64>()) {
            prop_assert_eq!(a.cmp(&b), encode_time(a).cmp(&encode_time(b)));
        }

        /// Keys group by measure, then order by time, then by series; the measure prefix is
        /// a prefix of exactly its own records' keys, and the time is read back from a key.
        #[test]
        fn keys_group_by_measure_then_time_then_series(
            (m1, d1, t1) in (any_name(), any_dimensions(), any::<i64>()),
            (m2, d2, t2) in (any_name(), any_dimensions(), any::<i64>()),
        ) {
            let k1 = record_key(&StoredRecord { dimensions: d1.clone(), measure_name: m1.clone(), time: t1, ..record(&[], "", 0) });
            let k2 = record_key(&StoredRecord { dimensions: d2.clone(), measure_name: m2.clone(), time: t2, ..record(&[], "", 0) });
            let (p1, p2) = (measure_prefix(&m1), measure_prefix(&m2));
            prop_assert_eq!(k2.starts_with(&p1), m1 == m2);
            prop_assert_eq!(k1.starts_with(&p2), m1 == m2);
            prop_assert_eq!(key_time(&k1), Some(t1));
            if m1 != m2 {
                prop_assert_eq!(k1.cmp(&k2), p1.cmp(&p2));
            } else if t1 != t2 {
                prop_assert_eq!(k1.cmp(&k2), t1.cmp(&t2));
            } else {
                prop_assert_eq!(k1 == k2, d1 == d2);
            }
        }
    }
}
