//! WriteRecords' records turned into stored records: the front end's shape constraints,
//! CommonAttributes merged into each record, time, version and values read, and the checks
//! the service makes of each record on its own (names, sizes, the ingestion window).
//!
//! What fails a whole request (a `ValidationException`): the model's constraints (at most
//! 100 records, required members, enum values, lengths), a dimension named both in
//! CommonAttributes and in a record, a time that is not a number ("Invalid time for
//! record."), a version below 1. Everything else about one record rejects that record
//! only, with a reason, and the others are written.
//!
//! Reason texts recorded from the service: the ingestion window ("The record timestamp is
//! outside the time range [start, end) of the data ingestion window.", times in ISO 8601 with
//! milliseconds) and the two version conflicts (see `ops::write_records`). The other reasons
//! are this emulator's wording.

use super::catalog::TableRecord;
use super::error::{Result, TimestreamError};
use super::records::{MeasureType, MeasureValue, Scalar, StoredRecord};
use super::types::records::{Dimension, MeasureValue as WireMeasureValue, Record};
use super::validate::{self, Violations};
use crate::aws::time::iso8601_millis;

/// Most records in one request.
pub const MAX_RECORDS: usize = 100;
/// Most dimensions in one record (the model's limit on the list).
const MAX_DIMENSIONS: usize = 128;
/// Most bytes in a dimension name, and in a measure name (or a multi-measure attribute's).
const MAX_DIMENSION_NAME: usize = 60;
const MAX_MEASURE_NAME: usize = 256;
/// Most bytes of a record, and of a multi-measure record's values.
const MAX_RECORD_SIZE: usize = 2048;
const MAX_MULTI_VALUES_SIZE: usize = 2048;
/// Most measures in one multi-measure record.
const MAX_MULTI_MEASURES: usize = 256;
/// How far ahead of now the service accepts a time.
const FUTURE_NS: i64 = 15 * 60 * 1_000_000_000;

const MEASURE_TYPES: &str = "[DOUBLE, BIGINT, VARCHAR, BOOLEAN, TIMESTAMP, MULTI]";
const TIME_UNITS: &str = "[MILLISECONDS, SECONDS, MICROSECONDS, NANOSECONDS]";

/// Checks the request's members against the model's constraints, reported together as the
/// coral front end does.
pub fn check_shape(
    database: &Option<String>,
    table: &Option<String>,
    common: Option<&Record>,
    records: Option<&[Record]>,
) -> Result<()> {
    let mut v = Violations::new();
    if let Some(database) = validate::required(database, "databaseName", &mut v) {
        validate::check_existing_name(database, "databaseName", &mut v);
    }
    if let Some(table) = validate::required(table, "tableName", &mut v) {
        validate::check_existing_name(table, "tableName", &mut v);
    }
    if let Some(common) = common {
        check_record_shape(common, "commonAttributes", &mut v);
    }
    match records {
        None => v.null("records"),
        Some(records) => {
            if records.is_empty() {
                v.push(
                    "[]",
                    "records",
                    "Member must have length greater than or equal to 1",
                );
            } else if records.len() > MAX_RECORDS {
                v.push(
                    format!("[{} records]", records.len()),
                    "records",
                    "Member must have length less than or equal to 100",
                );
            }
            for (i, record) in records.iter().enumerate() {
                check_record_shape(record, &format!("records.{}.member", i + 1), &mut v);
            }
        }
    }
    v.into_result()
}

fn check_record_shape(record: &Record, at: &str, v: &mut Violations) {
    if let Some(dimensions) = &record.dimensions {
        if dimensions.len() > MAX_DIMENSIONS {
            v.push(
                format!("[{} dimensions]", dimensions.len()),
                &format!("{at}.dimensions"),
                "Member must have length less than or equal to 128",
            );
        }
        for (j, dimension) in dimensions.iter().enumerate() {
            let at = format!("{at}.dimensions.{}.member", j + 1);
            if let Some(name) = validate::required(&dimension.name, &format!("{at}.name"), v) {
                validate::check_length(name, &format!("{at}.name"), 1, usize::MAX, v);
            }
            validate::required(&dimension.value, &format!("{at}.value"), v);
            if let Some(kind) = dimension.dimension_value_type.as_deref()
                && kind != "VARCHAR"
            {
                v.push(
                    kind,
                    &format!("{at}.dimensionValueType"),
                    "Member must satisfy enum value set: [VARCHAR]",
                );
            }
        }
    }
    if let Some(name) = &record.measure_name {
        validate::check_length(name, &format!("{at}.measureName"), 1, usize::MAX, v);
    }
    if let Some(value) = &record.measure_value {
        validate::check_length(value, &format!("{at}.measureValue"), 1, 2048, v);
    }
    if let Some(kind) = record.measure_value_type.as_deref()
        && MeasureType::from_name(kind).is_none()
    {
        v.push(
            kind,
            &format!("{at}.measureValueType"),
            &format!("Member must satisfy enum value set: {MEASURE_TYPES}"),
        );
    }
    if let Some(time) = &record.time {
        validate::check_length(time, &format!("{at}.time"), 1, 256, v);
    }
    if let Some(unit) = record.time_unit.as_deref()
        && time_unit_ns(unit).is_none()
    {
        v.push(
            unit,
            &format!("{at}.timeUnit"),
            &format!("Member must satisfy enum value set: {TIME_UNITS}"),
        );
    }
    for (k, measure) in record.measure_values.iter().flatten().enumerate() {
        let at = format!("{at}.measureValues.{}.member", k + 1);
        if let Some(name) = validate::required(&measure.name, &format!("{at}.name"), v) {
            validate::check_length(name, &format!("{at}.name"), 1, usize::MAX, v);
        }
        if let Some(value) = validate::required(&measure.value, &format!("{at}.value"), v) {
            validate::check_length(value, &format!("{at}.value"), 1, 2048, v);
        }
        if let Some(kind) = validate::required(&measure.r#type, &format!("{at}.type"), v)
            && MeasureType::from_name(kind).is_none()
        {
            v.push(
                kind,
                &format!("{at}.type"),
                &format!("Member must satisfy enum value set: {MEASURE_TYPES}"),
            );
        }
    }
}

fn time_unit_ns(unit: &str) -> Option<i64> {
    Some(match unit {
        "MILLISECONDS" => 1_000_000,
        "SECONDS" => 1_000_000_000,
        "MICROSECONDS" => 1_000,
        "NANOSECONDS" => 1,
        _ => return None,
    })
}

/// Where a record's time puts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Store {
    Memory,
    Magnetic,
}

/// The times a table accepts now: `[start, end)` in nanoseconds, and where the memory
/// store's part of it begins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    start: i64,
    memory_start: i64,
    end: i64,
}

impl Window {
    /// The memory store takes the last `MemoryStoreRetentionPeriodInHours` up to 15 minutes
    /// ahead; with magnetic store writes enabled, older records down to the end of the
    /// table's retention (memory plus magnetic: records move to the magnetic store when
    /// they leave the memory store) go to the magnetic store.
    pub fn of(table: &TableRecord, now_ns: i64) -> Window {
        let memory_start = now_ns.saturating_sub(table.memory_retention_ns());
        let start = if table.magnetic_writes {
            now_ns.saturating_sub(table.retention_ns())
        } else {
            memory_start
        };
        Window {
            start,
            memory_start,
            end: now_ns.saturating_add(FUTURE_NS),
        }
    }

    fn place(&self, time: i64) -> std::result::Result<Store, String> {
        if time < self.start || time >= self.end {
            return Err(format!(
                "The record timestamp is outside the time range [{}, {}) of the data ingestion window.",
                iso8601_millis(self.start.div_euclid(1_000_000)),
                iso8601_millis(self.end.div_euclid(1_000_000)),
            ));
        }
        Ok(if time < self.memory_start {
            Store::Magnetic
        } else {
            Store::Memory
        })
    }
}

/// A record ready to be written, or the reason it is rejected.
pub type Prepared = std::result::Result<(StoredRecord, Store), String>;

/// Merges `common` into `record`, reads it and checks it on its own. A failure of the whole
/// request is the outer error; a rejection of this record is the inner one.
pub fn prepare(
    common: Option<&Record>,
    record: &Record,
    table: &TableRecord,
    window: &Window,
) -> Result<Prepared> {
    let merged = merge(common, record)?;
    let time = read_time(&merged)?;
    let version = merged.version.unwrap_or(1);
    if version < 1 {
        return Err(TimestreamError::validation(format!(
            "Invalid version {version} for record: the version must be 1 or greater."
        )));
    }
    Ok(check(merged, time, version, table, window))
}

/// A record with CommonAttributes filled in: the record's own members win, dimensions are
/// the union, and a dimension in both is a request error.
fn merge(common: Option<&Record>, record: &Record) -> Result<Record> {
    let Some(common) = common else {
        return Ok(record.clone());
    };
    let mut dimensions: Vec<Dimension> = common.dimensions.clone().unwrap_or_default();
    for dimension in record.dimensions.iter().flatten() {
        if let Some(name) = &dimension.name
            && dimensions.iter().any(|d| d.name.as_ref() == Some(name))
        {
            return Err(TimestreamError::validation(format!(
                "Dimension {name} is specified in both CommonAttributes and a record: \
                 dimensions may not overlap."
            )));
        }
        dimensions.push(dimension.clone());
    }
    let pick = |own: &Option<String>, shared: &Option<String>| own.clone().or(shared.clone());
    Ok(Record {
        dimensions: Some(dimensions),
        measure_name: pick(&record.measure_name, &common.measure_name),
        measure_value: pick(&record.measure_value, &common.measure_value),
        measure_value_type: pick(&record.measure_value_type, &common.measure_value_type),
        time: pick(&record.time, &common.time),
        time_unit: pick(&record.time_unit, &common.time_unit),
        version: record.version.or(common.version),
        measure_values: record
            .measure_values
            .clone()
            .or(common.measure_values.clone()),
    })
}

/// The record's time in nanoseconds: a whole number of `TimeUnit`s (milliseconds unless
/// given) since the epoch.
fn read_time(record: &Record) -> Result<i64> {
    let unit = time_unit_ns(record.time_unit.as_deref().unwrap_or("MILLISECONDS"))
        .expect("the time unit was checked");
    record
        .time
        .as_deref()
        .and_then(parse_integer)
        .and_then(|t| t.checked_mul(unit))
        .ok_or_else(|| TimestreamError::validation("Invalid time for record."))
}

/// A decimal integer, optionally signed, as Java's `Long.parseLong` reads one.
fn parse_integer(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// The checks of one merged record that need nothing but the record and its table.
fn check(
    record: Record,
    time: i64,
    version: i64,
    table: &TableRecord,
    window: &Window,
) -> Prepared {
    let measure_name = record
        .measure_name
        .ok_or("The record is missing a measure name (MeasureName).")?;
    check_name(&measure_name, "measure", MAX_MEASURE_NAME)?;
    let mut dimensions: Vec<(String, String)> = record
        .dimensions
        .unwrap_or_default()
        .into_iter()
        .map(|d| (d.name.unwrap_or_default(), d.value.unwrap_or_default()))
        .collect();
    for (name, _) in &dimensions {
        check_name(name, "dimension", MAX_DIMENSION_NAME)?;
    }
    dimensions.sort_by(|a, b| a.0.cmp(&b.0));
    if let Some(pair) = dimensions.windows(2).find(|pair| pair[0].0 == pair[1].0) {
        return Err(format!(
            "The record has more than one dimension named {}.",
            pair[0].0
        ));
    }
    if let Some(required) = table.required_dimension()
        && !dimensions.iter().any(|(name, _)| name == required)
    {
        return Err(format!(
            "The record is missing the dimension {required}, which the table's partition key \
             requires (EnforcementInRecord is REQUIRED)."
        ));
    }
    let kind = match record.measure_value_type.as_deref() {
        None => MeasureType::Double,
        Some(name) => MeasureType::from_name(name).expect("the type was checked"),
    };
    let value = match kind {
        MeasureType::Multi => {
            if record.measure_value.is_some() {
                return Err(
                    "A record of type MULTI carries its values in MeasureValues, not MeasureValue."
                        .to_owned(),
                );
            }
            MeasureValue::Multi(read_multi(
                record.measure_values.unwrap_or_default(),
                &dimensions,
            )?)
        }
        MeasureType::Timestamp => {
            return Err(
                "The measure value type TIMESTAMP is only supported in multi-measure records \
                 (MULTI)."
                    .to_owned(),
            );
        }
        scalar => {
            if record.measure_values.is_some() {
                return Err(format!(
                    "MeasureValues is only allowed for type MULTI; a {} record carries its value \
                     in MeasureValue.",
                    scalar.as_str()
                ));
            }
            let text = record
                .measure_value
                .ok_or("The record is missing a measure value (MeasureValue).")?;
            MeasureValue::Single(read_scalar(&text, scalar)?)
        }
    };
    let stored = StoredRecord {
        dimensions,
        measure_name,
        time,
        version,
        value,
    };
    let size = record_size(&stored);
    if size > MAX_RECORD_SIZE {
        return Err(format!(
            "The record size {size} bytes exceeds the maximum record size of {MAX_RECORD_SIZE} bytes."
        ));
    }
    let store = window.place(time)?;
    Ok((stored, store))
}

/// A dimension or measure name: not empty, at most `max` bytes, no system identifier.
fn check_name(name: &str, what: &str, max: usize) -> std::result::Result<(), String> {
    if name.len() > max {
        return Err(format!(
            "The {what} name {name} exceeds the maximum length of {max} bytes."
        ));
    }
    if matches!(name, "measure_value" | "ts_non_existent_col" | "time")
        || name.starts_with("ts_")
        || name.starts_with("measure_name")
    {
        return Err(format!(
            "The {what} name {name} is reserved: measure_value, ts_non_existent_col and time are \
             system identifiers, and names may not start with ts_ or measure_name."
        ));
    }
    Ok(())
}

fn read_multi(
    values: Vec<WireMeasureValue>,
    dimensions: &[(String, String)],
) -> std::result::Result<Vec<(String, Scalar)>, String> {
    if values.is_empty() {
        return Err("A record of type MULTI needs at least one value in MeasureValues.".to_owned());
    }
    if values.len() > MAX_MULTI_MEASURES {
        return Err(format!(
            "The record has {} measures; a multi-measure record has at most {MAX_MULTI_MEASURES}.",
            values.len()
        ));
    }
    let size: usize = values
        .iter()
        .map(|m| m.value.as_deref().map_or(0, str::len))
        .sum();
    if size > MAX_MULTI_VALUES_SIZE {
        return Err(format!(
            "The measure values of the record take {size} bytes; a multi-measure record's take \
             at most {MAX_MULTI_VALUES_SIZE}."
        ));
    }
    let mut out = Vec::with_capacity(values.len());
    for measure in values {
        let name = measure.name.unwrap_or_default();
        check_name(&name, "measure", MAX_MEASURE_NAME)?;
        if dimensions.iter().any(|(d, _)| *d == name) {
            return Err(format!(
                "The measure name {name} is also a dimension name of the record; column names \
                 must be unique."
            ));
        }
        let kind = MeasureType::from_name(measure.r#type.as_deref().unwrap_or_default())
            .expect("the type was checked");
        if kind == MeasureType::Multi {
            return Err(format!(
                "The measure {name} has type MULTI, which a multi-measure value cannot have."
            ));
        }
        out.push((name, read_scalar(&measure.value.unwrap_or_default(), kind)?));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    if let Some(pair) = out.windows(2).find(|pair| pair[0].0 == pair[1].0) {
        return Err(format!(
            "The record has more than one measure named {}.",
            pair[0].0
        ));
    }
    Ok(out)
}

/// A measure value of `kind`; TIMESTAMP values are milliseconds since the epoch.
fn read_scalar(text: &str, kind: MeasureType) -> std::result::Result<Scalar, String> {
    let invalid = || format!("The measure value {text} is not a valid {}.", kind.as_str());
    Ok(match kind {
        MeasureType::Double => {
            let d: f64 = text.trim().parse().map_err(|_| invalid())?;
            if !d.is_finite() {
                return Err(invalid());
            }
            Scalar::Double(d)
        }
        MeasureType::Bigint => Scalar::Bigint(parse_integer(text).ok_or_else(invalid)?),
        MeasureType::Boolean => match text.to_ascii_lowercase().as_str() {
            "true" => Scalar::Boolean(true),
            "false" => Scalar::Boolean(false),
            _ => return Err(invalid()),
        },
        MeasureType::Varchar => Scalar::Varchar(text.to_owned()),
        MeasureType::Timestamp => Scalar::Timestamp(
            parse_integer(text)
                .and_then(|ms| ms.checked_mul(1_000_000))
                .ok_or_else(invalid)?,
        ),
        MeasureType::Multi => unreachable!("MULTI is not a scalar"),
    })
}

/// A record's size as the limit counts it: the bytes of its dimension names and values, its
/// measure name, its value(s) (and multi-measure names), and 8 bytes of time.
fn record_size(record: &StoredRecord) -> usize {
    let dimensions: usize = record
        .dimensions
        .iter()
        .map(|(n, v)| n.len() + v.len())
        .sum();
    let scalar = |s: &Scalar| match s {
        Scalar::Varchar(v) => v.len(),
        Scalar::Boolean(_) => 1,
        _ => 8,
    };
    let value = match &record.value {
        MeasureValue::Single(s) => scalar(s),
        MeasureValue::Multi(values) => values.iter().map(|(n, s)| n.len() + scalar(s)).sum(),
    };
    dimensions + record.measure_name.len() + value + 8
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const NOW: i64 = 1_764_000_000_000_000_000;

    fn table(magnetic_writes: bool) -> TableRecord {
        serde_json::from_value(json!({
            "id": 1, "database": "db", "name": "t", "memory_hours": 6, "magnetic_days": 10,
            "magnetic_writes": magnetic_writes, "rejected_data_location": null,
            "partition_keys": [{"kind": "DIMENSION", "name": "model", "enforcement": "REQUIRED"}],
            "created": 0.0, "updated": 0.0, "tags": [],
        }))
        .expect("a table record")
    }

    fn record(body: serde_json::Value) -> Record {
        serde_json::from_value(body).expect("a record")
    }

    fn prepare_one(common: Option<serde_json::Value>, body: serde_json::Value) -> Result<Prepared> {
        let table = table(true);
        let common = common.map(record);
        prepare(
            common.as_ref(),
            &record(body),
            &table,
            &Window::of(&table, NOW),
        )
    }

    fn ms(offset_ms: i64) -> String {
        (NOW / 1_000_000 + offset_ms).to_string()
    }

    #[test]
    fn common_attributes_fill_in_and_dimensions_may_not_overlap() {
        let common = json!({"Dimensions": [{"Name": "model", "Value": "m1"}],
                            "MeasureValueType": "BIGINT", "Time": ms(0), "Version": 3});
        let (stored, store) = prepare_one(
            Some(common.clone()),
            json!({"Dimensions": [{"Name": "az", "Value": "a"}], "MeasureName": "n",
                   "MeasureValue": "42"}),
        )
        .expect("valid")
        .expect("accepted");
        assert_eq!(store, Store::Memory);
        assert_eq!(
            stored,
            StoredRecord {
                dimensions: vec![("az".into(), "a".into()), ("model".into(), "m1".into())],
                measure_name: "n".into(),
                time: NOW,
                version: 3,
                value: MeasureValue::Single(Scalar::Bigint(42)),
            }
        );
        let e = prepare_one(
            Some(common),
            json!({"Dimensions": [{"Name": "model", "Value": "m2"}], "MeasureName": "n",
                   "MeasureValue": "1"}),
        )
        .expect_err("overlap");
        assert_eq!(
            e.code,
            crate::timestream::error::ErrorCode::ValidationException
        );
    }

    #[test]
    fn time_units_and_bad_times() {
        let at = |time: &str, unit: &str| {
            prepare_one(
                None,
                json!({"Dimensions": [{"Name": "model", "Value": "m"}], "MeasureName": "n",
                       "MeasureValue": "1", "Time": time, "TimeUnit": unit}),
            )
        };
        let secs = (NOW / 1_000_000_000).to_string();
        let time = |p: Result<Prepared>| p.expect("valid").expect("accepted").0.time;
        assert_eq!(time(at(&secs, "SECONDS")), NOW);
        assert_eq!(time(at(&(NOW / 1_000).to_string(), "MICROSECONDS")), NOW);
        assert_eq!(time(at(&NOW.to_string(), "NANOSECONDS")), NOW);
        for bad in ["1.5", "abc", "", "99999999999999999999"] {
            let e = at(bad, "MILLISECONDS").expect_err(bad);
            assert_eq!(e.message, "Invalid time for record.");
        }
    }

    #[test]
    fn the_ingestion_window_sends_old_records_to_the_magnetic_store() {
        let hour = 3_600_000;
        let place = |magnetic: bool, offset_ms: i64| {
            let table = table(magnetic);
            let r = record(json!({"Dimensions": [{"Name": "model", "Value": "m"}],
                                  "MeasureName": "n", "MeasureValue": "1", "Time": ms(offset_ms)}));
            prepare(None, &r, &table, &Window::of(&table, NOW))
                .expect("valid")
                .map(|(_, store)| store)
        };
        assert_eq!(place(false, -6 * hour), Ok(Store::Memory));
        assert_eq!(place(false, 15 * 60_000 - 1), Ok(Store::Memory));
        assert_eq!(
            place(false, 15 * 60_000),
            Err(
                "The record timestamp is outside the time range [2025-11-24T10:00:00.000Z, \
                 2025-11-24T16:15:00.000Z) of the data ingestion window."
                    .to_owned()
            )
        );
        assert!(place(false, -6 * hour - 1).is_err());
        assert_eq!(place(true, -6 * hour - 1), Ok(Store::Magnetic));
        assert_eq!(place(true, -6 * hour - 240 * hour), Ok(Store::Magnetic));
        assert!(place(true, -6 * hour - 240 * hour - 1).is_err());
    }

    #[test]
    fn values_are_typed_and_names_checked() {
        let reason = |body: serde_json::Value| {
            let mut body = body;
            body["Time"] = json!(ms(0));
            body["Dimensions"] = json!([{"Name": "model", "Value": "m"}]);
            prepare_one(None, body)
                .expect("valid")
                .map(|(r, _)| r.value)
        };
        let single = |kind: &str, value: &str| {
            reason(json!({"MeasureName": "n", "MeasureValueType": kind, "MeasureValue": value}))
        };
        assert_eq!(
            single("DOUBLE", "1.5"),
            Ok(MeasureValue::Single(Scalar::Double(1.5)))
        );
        assert_eq!(
            single("BOOLEAN", "TRUE"),
            Ok(MeasureValue::Single(Scalar::Boolean(true)))
        );
        assert_eq!(
            single("VARCHAR", "x"),
            Ok(MeasureValue::Single(Scalar::Varchar("x".into())))
        );
        for (kind, bad) in [
            ("DOUBLE", "NaN"),
            ("DOUBLE", "x"),
            ("BIGINT", "1.0"),
            ("BOOLEAN", "yes"),
        ] {
            assert_eq!(
                single(kind, bad),
                Err(format!("The measure value {bad} is not a valid {kind}."))
            );
        }
        assert!(single("TIMESTAMP", "5").is_err());
        let multi = reason(
            json!({"MeasureName": "m", "MeasureValueType": "MULTI", "MeasureValues": [
                {"Name": "b", "Value": "7", "Type": "BIGINT"},
                {"Name": "a", "Value": "1000", "Type": "TIMESTAMP"},
            ]}),
        );
        assert_eq!(
            multi,
            Ok(MeasureValue::Multi(vec![
                ("a".into(), Scalar::Timestamp(1_000_000_000)),
                ("b".into(), Scalar::Bigint(7)),
            ]))
        );
        for name in ["time", "measure_value", "ts_x", "measure_name_x"] {
            assert!(
                reason(json!({"MeasureName": name, "MeasureValue": "1"}))
                    .is_err_and(|r| r.contains("is reserved")),
                "{name}"
            );
        }
        assert!(reason(json!({"MeasureName": "x".repeat(257), "MeasureValue": "1"})).is_err());
        let missing = prepare_one(
            None,
            json!({"MeasureName": "n", "MeasureValue": "1", "Time": ms(0)}),
        )
        .expect("valid");
        assert!(missing.is_err_and(|r| r.contains("dimension model")));
    }

    #[test]
    fn shapes_are_checked_with_the_front_end_s_texts() {
        let records: Vec<Record> = (0..101).map(|_| Record::default()).collect();
        let e = check_shape(&Some("dbs".into()), &None, None, Some(&records)).expect_err("invalid");
        assert_eq!(
            e.message,
            "2 validation errors detected: Value null at 'tableName' failed to satisfy \
             constraint: Member must not be null; Value '[101 records]' at 'records' failed to \
             satisfy constraint: Member must have length less than or equal to 100"
        );
        let bad = record(json!({"MeasureValueType": "FLOAT", "TimeUnit": "HOURS",
                                "Dimensions": [{"Name": "d"}]}));
        let e = check_shape(&Some("dbs".into()), &Some("tbl".into()), None, Some(&[bad]))
            .expect_err("invalid");
        assert_eq!(
            e.message,
            "3 validation errors detected: Value null at 'records.1.member.dimensions.1.member.value' \
             failed to satisfy constraint: Member must not be null; Value 'FLOAT' at \
             'records.1.member.measureValueType' failed to satisfy constraint: Member must \
             satisfy enum value set: [DOUBLE, BIGINT, VARCHAR, BOOLEAN, TIMESTAMP, MULTI]; Value \
             'HOURS' at 'records.1.member.timeUnit' failed to satisfy constraint: Member must \
             satisfy enum value set: [MILLISECONDS, SECONDS, MICROSECONDS, NANOSECONDS]"
        );
    }
}
