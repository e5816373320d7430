//! Query results in Timestream's terms: column types named as the service names them, and
//! every value as the string the service sends (`2026-11-24 10:45:00.000000000`, `0.5`,
//! `1.0E-4`, `true`), NULL apart.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, RecordBatch, StructArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{
    DataType, Date32Type, Field, Float32Type, Float64Type, Int8Type, Int16Type, Int32Type,
    Int64Type, IntervalDayTimeType, IntervalMonthDayNanoType, IntervalUnit, IntervalYearMonthType,
    Time64NanosecondType, TimeUnit, TimestampMicrosecondType, TimestampMillisecondType,
    TimestampNanosecondType, TimestampSecondType, UInt8Type, UInt16Type, UInt32Type, UInt64Type,
};
use datafusion::arrow::temporal_conversions::{
    date32_to_datetime, time64ns_to_time, timestamp_ns_to_datetime,
};

use crate::error::QueryError;
use crate::timeseries;

/// Timestream's scalar types (`ScalarType` in the service model).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScalarType {
    Varchar,
    Boolean,
    Bigint,
    Double,
    Timestamp,
    Date,
    Time,
    IntervalDayToSecond,
    IntervalYearToMonth,
    Unknown,
    Integer,
}

impl ScalarType {
    pub fn as_str(self) -> &'static str {
        match self {
            ScalarType::Varchar => "VARCHAR",
            ScalarType::Boolean => "BOOLEAN",
            ScalarType::Bigint => "BIGINT",
            ScalarType::Double => "DOUBLE",
            ScalarType::Timestamp => "TIMESTAMP",
            ScalarType::Date => "DATE",
            ScalarType::Time => "TIME",
            ScalarType::IntervalDayToSecond => "INTERVAL_DAY_TO_SECOND",
            ScalarType::IntervalYearToMonth => "INTERVAL_YEAR_TO_MONTH",
            ScalarType::Unknown => "UNKNOWN",
            ScalarType::Integer => "INTEGER",
        }
    }
}

/// A column's type: scalar, an array or row of other types, or a timeseries of measure
/// values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColumnType {
    Scalar(ScalarType),
    Array(Box<Column>),
    Row(Vec<Column>),
    /// The column of the measure values; like an array's element, it has no name.
    TimeSeries(Box<Column>),
}

/// A result column. Array elements have no name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub name: Option<String>,
    pub ty: ColumnType,
}

/// One value of a result row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Datum {
    Scalar(String),
    Null,
    Array(Vec<Datum>),
    Row(Vec<Datum>),
    TimeSeries(Vec<TimeSeriesPoint>),
}

/// One point of a timeseries value: its time as the service writes timestamps, and its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeSeriesPoint {
    pub time: String,
    pub value: Datum,
}

/// A complete result: its columns, then its rows in order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ResultSet {
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Datum>>,
}

pub fn column(field: &Field) -> Result<Column, QueryError> {
    Ok(Column {
        name: Some(field.name().clone()),
        ty: column_type(field.data_type())?,
    })
}

fn column_type(data_type: &DataType) -> Result<ColumnType, QueryError> {
    use ScalarType as S;
    if let Some(value) = timeseries::value_type(data_type) {
        return Ok(ColumnType::TimeSeries(Box::new(Column {
            name: None,
            ty: column_type(value)?,
        })));
    }
    let scalar = match data_type {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => S::Varchar,
        DataType::Boolean => S::Boolean,
        DataType::Int64 | DataType::UInt32 | DataType::UInt64 => S::Bigint,
        DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::UInt8 | DataType::UInt16 => {
            S::Integer
        }
        DataType::Float32 | DataType::Float64 => S::Double,
        DataType::Timestamp(..) => S::Timestamp,
        DataType::Date32 => S::Date,
        DataType::Time64(TimeUnit::Nanosecond) => S::Time,
        DataType::Interval(IntervalUnit::YearMonth) => S::IntervalYearToMonth,
        DataType::Interval(_) => S::IntervalDayToSecond,
        DataType::Null => S::Unknown,
        DataType::Dictionary(_, values) => return column_type(values),
        DataType::List(element) | DataType::LargeList(element) => {
            return Ok(ColumnType::Array(Box::new(Column {
                name: None,
                ty: column_type(element.data_type())?,
            })));
        }
        DataType::Struct(fields) => {
            return Ok(ColumnType::Row(
                fields.iter().map(|f| column(f)).collect::<Result<_, _>>()?,
            ));
        }
        other => {
            return Err(QueryError::validation(format!(
                "Values of type {other} cannot be returned; cast the column to VARCHAR, BIGINT or DOUBLE"
            )));
        }
    };
    Ok(ColumnType::Scalar(scalar))
}

/// A type as Timestream's messages name it: `double`, `array(timestamp)`,
/// `timeseries(bigint)`, `interval day to second`.
pub fn type_name(data_type: &DataType) -> String {
    if let Some(value) = timeseries::value_type(data_type) {
        return format!("timeseries({})", type_name(value));
    }
    match data_type {
        DataType::List(element)
        | DataType::LargeList(element)
        | DataType::FixedSizeList(element, _) => {
            format!("array({})", type_name(element.data_type()))
        }
        DataType::Struct(fields) => {
            let fields: Vec<String> = fields
                .iter()
                .map(|f| format!("{} {}", f.name(), type_name(f.data_type())))
                .collect();
            format!("row({})", fields.join(", "))
        }
        DataType::Dictionary(_, values) => type_name(values),
        other => match column_type(other) {
            Ok(ColumnType::Scalar(s)) => s.as_str().to_ascii_lowercase().replace('_', " "),
            _ => other.to_string(),
        },
    }
}

/// The result of a query: `columns` from its output schema, rows from its batches.
pub fn result_set(columns: Vec<Column>, batches: &[RecordBatch]) -> Result<ResultSet, QueryError> {
    let mut rows = Vec::with_capacity(batches.iter().map(RecordBatch::num_rows).sum());
    for batch in batches {
        let arrays = batch
            .columns()
            .iter()
            .map(decoded)
            .collect::<Result<Vec<_>, _>>()?;
        for row in 0..batch.num_rows() {
            rows.push(
                arrays
                    .iter()
                    .map(|array| datum(array.as_ref(), row))
                    .collect::<Result<_, _>>()?,
            );
        }
    }
    Ok(ResultSet { columns, rows })
}

/// Dictionary-encoded columns (a table's strings) as plain arrays of their values.
fn decoded(array: &ArrayRef) -> Result<ArrayRef, QueryError> {
    match array.data_type() {
        DataType::Dictionary(_, values) => {
            cast(array, values).map_err(|e| QueryError::internal(e.to_string()))
        }
        _ => Ok(Arc::clone(array)),
    }
}

fn datum(array: &dyn Array, row: usize) -> Result<Datum, QueryError> {
    if array.is_null(row) {
        return Ok(Datum::Null);
    }
    let text = match array.data_type() {
        DataType::Utf8 => array.as_string::<i32>().value(row).to_owned(),
        DataType::LargeUtf8 => array.as_string::<i64>().value(row).to_owned(),
        DataType::Utf8View => array.as_string_view().value(row).to_owned(),
        DataType::Boolean => array.as_boolean().value(row).to_string(),
        DataType::Int8 => array.as_primitive::<Int8Type>().value(row).to_string(),
        DataType::Int16 => array.as_primitive::<Int16Type>().value(row).to_string(),
        DataType::Int32 => array.as_primitive::<Int32Type>().value(row).to_string(),
        DataType::Int64 => array.as_primitive::<Int64Type>().value(row).to_string(),
        DataType::UInt8 => array.as_primitive::<UInt8Type>().value(row).to_string(),
        DataType::UInt16 => array.as_primitive::<UInt16Type>().value(row).to_string(),
        DataType::UInt32 => array.as_primitive::<UInt32Type>().value(row).to_string(),
        DataType::UInt64 => array.as_primitive::<UInt64Type>().value(row).to_string(),
        DataType::Float32 => {
            format_double(f64::from(array.as_primitive::<Float32Type>().value(row)))
        }
        DataType::Float64 => format_double(array.as_primitive::<Float64Type>().value(row)),
        DataType::Timestamp(unit, _) => {
            let value = match unit {
                TimeUnit::Second => array
                    .as_primitive::<TimestampSecondType>()
                    .value(row)
                    .checked_mul(1_000_000_000),
                TimeUnit::Millisecond => array
                    .as_primitive::<TimestampMillisecondType>()
                    .value(row)
                    .checked_mul(1_000_000),
                TimeUnit::Microsecond => array
                    .as_primitive::<TimestampMicrosecondType>()
                    .value(row)
                    .checked_mul(1_000),
                TimeUnit::Nanosecond => {
                    Some(array.as_primitive::<TimestampNanosecondType>().value(row))
                }
            };
            value.and_then(format_timestamp).ok_or_else(|| {
                QueryError::execution("A timestamp is outside the supported range")
            })?
        }
        DataType::Date32 => date32_to_datetime(array.as_primitive::<Date32Type>().value(row))
            .map(|d| d.format("%Y-%m-%d").to_string())
            .ok_or_else(|| QueryError::execution("A date is outside the supported range"))?,
        DataType::Time64(TimeUnit::Nanosecond) => {
            time64ns_to_time(array.as_primitive::<Time64NanosecondType>().value(row))
                .map(|t| t.format("%H:%M:%S%.9f").to_string())
                .ok_or_else(|| QueryError::execution("A time is outside the supported range"))?
        }
        DataType::Interval(IntervalUnit::MonthDayNano) => {
            let v = array.as_primitive::<IntervalMonthDayNanoType>().value(row);
            if v.months != 0 {
                format_year_month(v.months)
            } else {
                format_day_to_second(i64::from(v.days), v.nanoseconds)
            }
        }
        DataType::Interval(IntervalUnit::DayTime) => {
            let v = array.as_primitive::<IntervalDayTimeType>().value(row);
            format_day_to_second(i64::from(v.days), i64::from(v.milliseconds) * 1_000_000)
        }
        DataType::Interval(IntervalUnit::YearMonth) => {
            format_year_month(array.as_primitive::<IntervalYearMonthType>().value(row))
        }
        DataType::Null => return Ok(Datum::Null),
        DataType::List(_) if timeseries::value_type(array.data_type()).is_some() => {
            return time_series(array.as_list::<i32>().value(row).as_struct());
        }
        DataType::List(_) => {
            let list = array.as_list::<i32>().value(row);
            return Ok(Datum::Array(elements(list.as_ref())?));
        }
        DataType::LargeList(_) => {
            let list = array.as_list::<i64>().value(row);
            return Ok(Datum::Array(elements(list.as_ref())?));
        }
        DataType::Struct(_) => {
            let fields = array.as_struct();
            return Ok(Datum::Row(
                fields
                    .columns()
                    .iter()
                    .map(|c| datum(c.as_ref(), row))
                    .collect::<Result<_, _>>()?,
            ));
        }
        other => {
            return Err(QueryError::internal(format!(
                "no Timestream form for values of type {other}"
            )));
        }
    };
    Ok(Datum::Scalar(text))
}

fn time_series(points: &StructArray) -> Result<Datum, QueryError> {
    let (times, values) = (points.column(0), points.column(1));
    (0..points.len())
        .map(|i| {
            let Datum::Scalar(time) = datum(times.as_ref(), i)? else {
                return Err(QueryError::internal("a timeseries point has no time"));
            };
            Ok(TimeSeriesPoint {
                time,
                value: datum(values.as_ref(), i)?,
            })
        })
        .collect::<Result<_, _>>()
        .map(Datum::TimeSeries)
}

fn elements(array: &dyn Array) -> Result<Vec<Datum>, QueryError> {
    (0..array.len()).map(|i| datum(array, i)).collect()
}

/// `2026-11-24 10:45:00.000000000`: nanosecond precision, UTC, no zone suffix.
pub fn format_timestamp(nanos: i64) -> Option<String> {
    timestamp_ns_to_datetime(nanos).map(|t| t.format("%Y-%m-%d %H:%M:%S%.9f").to_string())
}

/// A double as the service's Java front end writes it (`Double.toString`): plain decimals
/// with at least one fractional digit from 10^-3 up to 10^7, scientific notation outside.
pub fn format_double(value: f64) -> String {
    if value.is_nan() {
        return "NaN".to_owned();
    }
    if value.is_infinite() {
        return if value > 0.0 { "Infinity" } else { "-Infinity" }.to_owned();
    }
    let magnitude = value.abs();
    if magnitude == 0.0 || (1e-3..1e7).contains(&magnitude) {
        let text = value.to_string();
        return if text.contains('.') {
            text
        } else {
            format!("{text}.0")
        };
    }
    let text = format!("{value:e}");
    let (mantissa, exponent) = text.split_once('e').expect("{:e} always has an exponent");
    if mantissa.contains('.') {
        format!("{mantissa}E{exponent}")
    } else {
        format!("{mantissa}.0E{exponent}")
    }
}

/// `1 02:03:04.000000000`: days, then hours, minutes and seconds with nanoseconds.
fn format_day_to_second(days: i64, nanos: i64) -> String {
    let total = i128::from(days) * 86_400_000_000_000 + i128::from(nanos);
    let sign = if total < 0 { "-" } else { "" };
    let total = total.unsigned_abs();
    let (days, rest) = (total / 86_400_000_000_000, total % 86_400_000_000_000);
    let (hours, rest) = (rest / 3_600_000_000_000, rest % 3_600_000_000_000);
    let (minutes, rest) = (rest / 60_000_000_000, rest % 60_000_000_000);
    let (seconds, nanos) = (rest / 1_000_000_000, rest % 1_000_000_000);
    format!("{sign}{days} {hours:02}:{minutes:02}:{seconds:02}.{nanos:09}")
}

/// `1-6`: years and months.
fn format_year_month(months: i32) -> String {
    let sign = if months < 0 { "-" } else { "" };
    let months = months.unsigned_abs();
    format!("{sign}{}-{}", months / 12, months % 12)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_are_written_as_java_writes_them() {
        assert_eq!(format_double(0.0), "0.0");
        assert_eq!(format_double(5.0), "5.0");
        assert_eq!(format_double(-2.5), "-2.5");
        assert_eq!(format_double(0.001), "0.001");
        assert_eq!(format_double(0.0001), "1.0E-4");
        assert_eq!(format_double(1234567.0), "1234567.0");
        assert_eq!(format_double(12345678.0), "1.2345678E7");
        assert_eq!(format_double(1e21), "1.0E21");
        assert_eq!(format_double(f64::NAN), "NaN");
        assert_eq!(format_double(f64::NEG_INFINITY), "-Infinity");
    }

    #[test]
    fn timestamps_have_nanosecond_precision() {
        let t = 1_795_517_100_000_000_000; // 2026-11-24 10:45:00 UTC
        assert_eq!(
            format_timestamp(t).as_deref(),
            Some("2026-11-24 10:45:00.000000000")
        );
        assert_eq!(
            format_timestamp(t + 123_456_789).as_deref(),
            Some("2026-11-24 10:45:00.123456789")
        );
    }

    #[test]
    fn intervals_are_written_as_days_and_clock_time() {
        assert_eq!(
            format_day_to_second(0, 300_000_000_000),
            "0 00:05:00.000000000"
        );
        assert_eq!(
            format_day_to_second(1, 3_723_000_000_001),
            "1 01:02:03.000000001"
        );
        assert_eq!(
            format_day_to_second(0, -1_000_000_000),
            "-0 00:00:01.000000000"
        );
        assert_eq!(format_year_month(18), "1-6");
    }
}
