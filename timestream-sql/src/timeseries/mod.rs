//! Timestream's `timeseries` type and the functions over it.
//!
//! A timeseries is a list of points, each a time and a measure value, in time order. In Arrow
//! it is a `List` of `Struct { time: Timestamp(ns), value: <measure type> }` whose item field
//! is named [`ITEM`]: that name is what tells a timeseries from an array of rows, for the
//! functions that take one and for the result encoding (`TimeSeriesValue`).
//!
//! - `create`: `create_time_series(time, value)`, the aggregate that builds one;
//! - `interpolate`: `interpolate_linear`, `interpolate_spline_cubic`, `interpolate_locf` and
//!   `interpolate_fill`, at a timestamp or at an array of them;
//! - `calculus`: `derivative_linear`, `non_negative_derivative_linear`,
//!   `integral_trapezoidal`;
//! - `correlate`: `correlate_pearson`, `correlate_spearman`.

pub mod calculus;
pub mod correlate;
pub mod create;
pub mod interpolate;

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, ListArray, StructArray};
use datafusion::arrow::buffer::{NullBuffer, OffsetBuffer};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, Fields, Float64Type, TimestampNanosecondType};
use datafusion::common::Result;

use crate::functions::TIMESTAMP;

/// The name of a timeseries' list item field.
pub const ITEM: &str = "timeseries";

/// The type of a timeseries of `value`s.
pub fn data_type(value: DataType) -> DataType {
    DataType::List(Arc::new(Field::new(
        ITEM,
        DataType::Struct(point_fields(value)),
        false,
    )))
}

/// The measure type of a timeseries type; `None` for any other type.
pub fn value_type(data_type: &DataType) -> Option<&DataType> {
    let DataType::List(item) = data_type else {
        return None;
    };
    let DataType::Struct(fields) = item.data_type() else {
        return None;
    };
    match fields.iter().as_slice() {
        [time, value] if item.name() == ITEM && time.name() == "time" => Some(value.data_type()),
        _ => None,
    }
}

/// Whether a type is a timeseries of numbers, which the numeric functions take.
fn is_numeric(data_type: &DataType) -> bool {
    matches!(
        value_type(data_type),
        Some(DataType::Float64 | DataType::Int64)
    )
}

fn point_fields(value: DataType) -> Fields {
    Fields::from(vec![
        Field::new("time", TIMESTAMP, false),
        Field::new("value", value, true),
    ])
}

/// Timeseries of `lengths[i]` points each (NULL where `nulls` says), from all their points
/// in order.
fn from_points(
    lengths: &[usize],
    nulls: Option<NullBuffer>,
    times: ArrayRef,
    values: ArrayRef,
) -> ListArray {
    let value_type = values.data_type().clone();
    let points = StructArray::new(point_fields(value_type.clone()), vec![times, values], None);
    let DataType::List(item) = data_type(value_type) else {
        unreachable!("a timeseries is a list")
    };
    ListArray::new(
        item,
        OffsetBuffer::from_lengths(lengths.iter().copied()),
        Arc::new(points),
        nulls,
    )
}

/// One timeseries' points: their times, and their values as stored.
struct Points {
    times: Vec<i64>,
    values: ArrayRef,
}

impl Points {
    /// Row `row` of a numeric timeseries array as times and doubles, points with a NULL
    /// value left out; `None` if the row is NULL.
    fn numbers(series: &ListArray, row: usize) -> Result<Option<(Vec<i64>, Vec<f64>)>> {
        let Some(points) = Points::of(series, row) else {
            return Ok(None);
        };
        let values = cast(&points.values, &DataType::Float64)?;
        let values = values.as_primitive::<Float64Type>();
        Ok(Some(
            points
                .times
                .iter()
                .zip(values)
                .filter_map(|(&t, v)| Some((t, v?)))
                .unzip(),
        ))
    }

    /// The points of row `row` of a timeseries array, or `None` if it is NULL.
    fn of(series: &ListArray, row: usize) -> Option<Points> {
        if series.is_null(row) {
            return None;
        }
        let points = series.value(row);
        let points = points.as_struct();
        let times = points
            .column(0)
            .as_primitive::<TimestampNanosecondType>()
            .values()
            .to_vec();
        Some(Points {
            times,
            values: Arc::clone(points.column(1)),
        })
    }
}
