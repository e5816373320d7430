//! `interpolate_linear`, `interpolate_spline_cubic`, `interpolate_locf` and
//! `interpolate_fill`: a timeseries' value at times it may have no point for.
//!
//! Each takes a timeseries and either one timestamp (answering the value there) or an array of
//! timestamps (answering a timeseries with a point at each). The service documents no
//! extrapolation: a timestamp before the series' first point or after its last has no value,
//! so the array form leaves it out and the single form answers NULL. At a timestamp the series
//! has a point for, every method answers that point's value; between points:
//! - linear: on the straight line through the points on either side;
//! - spline_cubic: on the natural cubic spline through all the points;
//! - locf: the last point's value (last observation carried forward), of the series' type;
//! - fill: the given constant.
//!
//! Linear, spline and fill interpolate numbers and answer doubles; locf takes any timeseries.

use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, Float64Array, ListArray, TimestampNanosecondArray, UInt32Array,
    new_empty_array, new_null_array,
};
use datafusion::arrow::buffer::NullBuffer;
use datafusion::arrow::compute::{cast, concat, take};
use datafusion::arrow::datatypes::{DataType, Field, Float64Type, TimestampNanosecondType};
use datafusion::common::Result;
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};

use super::{Points, data_type, from_points, is_numeric, value_type};
use crate::functions::{TIMESTAMP, row_by_row, unexpected_parameters};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    Linear,
    SplineCubic,
    Locf,
    Fill,
}

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Interpolate {
    method: Method,
    signature: Signature,
}

impl Interpolate {
    pub fn new(method: Method) -> Self {
        Interpolate {
            method,
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }

    fn expected(&self) -> Vec<String> {
        let name = self.name();
        let series = if self.method == Method::Locf {
            "timeseries"
        } else {
            "timeseries(double)"
        };
        let fill = if self.method == Method::Fill {
            ", double"
        } else {
            ""
        };
        ["array(timestamp)", "timestamp"]
            .map(|at| format!("{name}({series}, {at}{fill})"))
            .to_vec()
    }
}

/// The timestamps argument as the functions take it: one timestamp or an array of them.
fn timestamps(data_type: &DataType) -> Option<DataType> {
    match data_type {
        DataType::Timestamp(..) => Some(TIMESTAMP),
        DataType::List(element)
        | DataType::LargeList(element)
        | DataType::FixedSizeList(element, _)
            if matches!(element.data_type(), DataType::Timestamp(..)) =>
        {
            Some(DataType::List(Arc::new(Field::new_list_field(
                TIMESTAMP, true,
            ))))
        }
        _ => None,
    }
}

fn is_number(data_type: &DataType) -> bool {
    data_type.is_numeric() || *data_type == DataType::Null
}

impl ScalarUDFImpl for Interpolate {
    fn name(&self) -> &str {
        match self.method {
            Method::Linear => "interpolate_linear",
            Method::SplineCubic => "interpolate_spline_cubic",
            Method::Locf => "interpolate_locf",
            Method::Fill => "interpolate_fill",
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, args: &[DataType]) -> Result<Vec<DataType>> {
        let fill = self.method == Method::Fill;
        let coerced = match args {
            [series, at] if !fill => Some((series, at)),
            [series, at, value] if fill && is_number(value) => Some((series, at)),
            _ => None,
        }
        .and_then(|(series, at)| {
            value_type(series)?;
            let at = timestamps(at)?;
            (self.method == Method::Locf || is_numeric(series)).then(|| {
                let mut coerced = vec![series.clone(), at];
                if fill {
                    coerced.push(DataType::Float64);
                }
                coerced
            })
        });
        coerced.ok_or_else(|| unexpected_parameters(self.name(), args, &self.expected()))
    }

    fn return_type(&self, args: &[DataType]) -> Result<DataType> {
        let value = match (self.method, value_type(&args[0])) {
            (Method::Locf, Some(value)) => value.clone(),
            _ => DataType::Float64,
        };
        Ok(if matches!(args[1], DataType::List(_)) {
            data_type(value)
        } else {
            value
        })
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        row_by_row(&args, |arrays| {
            let answer = Answer {
                method: self.method,
                series: arrays[0].as_list::<i32>(),
                fill: arrays.get(2).map(|f| f.as_primitive::<Float64Type>()),
            };
            let at = &arrays[1];
            Ok(match at.data_type() {
                DataType::List(_) => Arc::new(answer.series_at(at.as_list::<i32>())?),
                _ => answer.values_at(at.as_primitive::<TimestampNanosecondType>())?,
            })
        })
    }
}

/// One call's arguments, row by row.
struct Answer<'a> {
    method: Method,
    series: &'a ListArray,
    fill: Option<&'a Float64Array>,
}

/// Where an interpolated value comes from.
enum Value {
    /// The value of the series' point at this index.
    Point(usize),
    /// A computed number.
    Number(f64),
}

impl Answer<'_> {
    fn value_type(&self) -> DataType {
        match (self.method, value_type(self.series.data_type())) {
            (Method::Locf, Some(value)) => value.clone(),
            _ => DataType::Float64,
        }
    }

    /// The interpolator of row `row`, or `None` where an argument is NULL.
    fn row(&self, row: usize) -> Result<Option<(Interpolator, ArrayRef)>> {
        let Some(points) = Points::of(self.series, row) else {
            return Ok(None);
        };
        let fill = match self.fill {
            Some(fill) if fill.is_null(row) => return Ok(None),
            Some(fill) => fill.value(row),
            None => f64::NAN,
        };
        Ok(Some((
            Interpolator::new(self.method, &points, fill)?,
            points.values,
        )))
    }

    /// One timeseries per row, with a point at each of the row's timestamps that has a value.
    fn series_at(&self, at: &ListArray) -> Result<ListArray> {
        let mut lengths = Vec::with_capacity(at.len());
        let mut nulls = Vec::with_capacity(at.len());
        let mut times = Vec::new();
        let mut values = Vec::new();
        for row in 0..at.len() {
            let found = if at.is_null(row) {
                None
            } else {
                self.row(row)?
            };
            let Some((interpolator, points)) = found else {
                lengths.push(0);
                nulls.push(false);
                continue;
            };
            let wanted = at.value(row);
            let mut answered = Vec::new();
            for t in wanted
                .as_primitive::<TimestampNanosecondType>()
                .iter()
                .flatten()
            {
                if let Some(value) = interpolator.at(t) {
                    times.push(t);
                    answered.push(value);
                }
            }
            lengths.push(answered.len());
            nulls.push(true);
            values.push(self.values(&points, answered)?);
        }
        let values = self.concat(values)?;
        let times = Arc::new(TimestampNanosecondArray::from(times)) as ArrayRef;
        Ok(from_points(
            &lengths,
            Some(NullBuffer::from(nulls)),
            times,
            values,
        ))
    }

    /// One value per row: the row's series at the row's timestamp.
    fn values_at(&self, at: &TimestampNanosecondArray) -> Result<ArrayRef> {
        let mut values = Vec::with_capacity(at.len());
        for row in 0..at.len() {
            let found = if at.is_null(row) {
                None
            } else {
                self.row(row)?
            };
            let value = found.and_then(|(i, points)| Some((i.at(at.value(row))?, points)));
            values.push(match value {
                Some((value, points)) => self.values(&points, vec![value])?,
                None => new_null_array(&self.value_type(), 1),
            });
        }
        self.concat(values)
    }

    fn values(&self, points: &ArrayRef, values: Vec<Value>) -> Result<ArrayRef> {
        if self.method == Method::Locf {
            let indices: UInt32Array = values
                .iter()
                .map(|v| match v {
                    Value::Point(i) => u32::try_from(*i).ok(),
                    Value::Number(_) => None,
                })
                .collect();
            return Ok(take(points, &indices, None)?);
        }
        let numbers: Float64Array = values
            .into_iter()
            .map(|v| match v {
                Value::Number(n) => n,
                Value::Point(_) => f64::NAN,
            })
            .collect();
        Ok(Arc::new(numbers))
    }

    fn concat(&self, arrays: Vec<ArrayRef>) -> Result<ArrayRef> {
        if arrays.is_empty() {
            return Ok(new_empty_array(&self.value_type()));
        }
        let arrays: Vec<&dyn Array> = arrays.iter().map(AsRef::as_ref).collect();
        Ok(concat(&arrays)?)
    }
}

/// A series' points ready for interpolation: NULL values left out, times ascending.
struct Interpolator {
    method: Method,
    times: Vec<i64>,
    /// The position of each point in the series, for locf's values.
    positions: Vec<usize>,
    /// The points' values as doubles (numeric methods).
    numbers: Vec<f64>,
    fill: f64,
    /// The spline's second derivatives at each point (spline_cubic).
    curvature: Vec<f64>,
}

impl Interpolator {
    fn new(method: Method, points: &Points, fill: f64) -> Result<Interpolator> {
        let numbers = if method == Method::Locf {
            None
        } else {
            Some(cast(&points.values, &DataType::Float64)?)
        };
        let mut interpolator = Interpolator {
            method,
            times: Vec::with_capacity(points.times.len()),
            positions: Vec::with_capacity(points.times.len()),
            numbers: Vec::new(),
            fill,
            curvature: Vec::new(),
        };
        for (position, &time) in points.times.iter().enumerate() {
            if points.values.is_null(position) {
                continue;
            }
            // A spline needs distinct times: of equal times the last point counts, as it
            // does for every method (see `at`).
            if method == Method::SplineCubic && interpolator.times.last() == Some(&time) {
                interpolator.times.pop();
                interpolator.positions.pop();
                interpolator.numbers.pop();
            }
            interpolator.times.push(time);
            interpolator.positions.push(position);
            if let Some(numbers) = &numbers {
                interpolator
                    .numbers
                    .push(numbers.as_primitive::<Float64Type>().value(position));
            }
        }
        if method == Method::SplineCubic {
            interpolator.curvature = natural_spline(&interpolator.seconds(), &interpolator.numbers);
        }
        Ok(interpolator)
    }

    /// Each point's time in seconds after the first, where the spline is computed.
    fn seconds(&self) -> Vec<f64> {
        let first = self.times.first().copied().unwrap_or(0);
        self.times
            .iter()
            .map(|&t| seconds_between(first, t))
            .collect()
    }

    /// The value at `t`, or `None` outside the series' range.
    fn at(&self, t: i64) -> Option<Value> {
        let (&first, &last) = (self.times.first()?, self.times.last()?);
        if t < first || t > last {
            return None;
        }
        // The last point at or before `t`, and the first after it.
        let after = self.times.partition_point(|&x| x <= t);
        let before = after - 1;
        let exact = self.times[before] == t;
        Some(match self.method {
            Method::Locf => Value::Point(self.positions[before]),
            _ if exact => Value::Number(self.numbers[before]),
            Method::Fill => Value::Number(self.fill),
            Method::Linear => {
                let (t0, t1) = (self.times[before], self.times[after]);
                let (v0, v1) = (self.numbers[before], self.numbers[after]);
                let fraction = seconds_between(t0, t) / seconds_between(t0, t1);
                Value::Number(v0 + (v1 - v0) * fraction)
            }
            Method::SplineCubic => {
                let first = self.times[0];
                let (x0, x1) = (
                    seconds_between(first, self.times[before]),
                    seconds_between(first, self.times[after]),
                );
                let x = seconds_between(first, t);
                let h = x1 - x0;
                let (a, b) = ((x1 - x) / h, (x - x0) / h);
                let (m0, m1) = (self.curvature[before], self.curvature[after]);
                Value::Number(
                    a * self.numbers[before]
                        + b * self.numbers[after]
                        + ((a.powi(3) - a) * m0 + (b.powi(3) - b) * m1) * h * h / 6.0,
                )
            }
        })
    }
}

fn seconds_between(from: i64, to: i64) -> f64 {
    // i128: the difference of two nanosecond timestamps can overflow i64.
    (i128::from(to) - i128::from(from)) as f64 / 1e9
}

/// The second derivatives of the natural cubic spline through `(x[i], y[i])` (zero at both
/// ends), by the tridiagonal (Thomas) algorithm.
fn natural_spline(x: &[f64], y: &[f64]) -> Vec<f64> {
    let n = x.len();
    let mut curvature = vec![0.0; n];
    if n < 3 {
        return curvature;
    }
    let h: Vec<f64> = x.windows(2).map(|w| w[1] - w[0]).collect();
    // Forward sweep over the interior points 1..n-1.
    let mut diagonal = vec![0.0; n];
    let mut rhs = vec![0.0; n];
    for i in 1..n - 1 {
        let slope_change = (y[i + 1] - y[i]) / h[i] - (y[i] - y[i - 1]) / h[i - 1];
        diagonal[i] = 2.0 * (h[i - 1] + h[i]);
        rhs[i] = 6.0 * slope_change;
        if i > 1 {
            let factor = h[i - 1] / diagonal[i - 1];
            diagonal[i] -= factor * h[i - 1];
            rhs[i] -= factor * rhs[i - 1];
        }
    }
    for i in (1..n - 1).rev() {
        curvature[i] = (rhs[i] - h[i] * curvature[i + 1]) / diagonal[i];
    }
    curvature
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_natural_spline_through_three_points_bends_once() {
        // Through (0,0), (1,1), (2,0): 4·M1 = 6·(-1 - 1), so M1 = -3.
        assert_eq!(
            natural_spline(&[0.0, 1.0, 2.0], &[0.0, 1.0, 0.0]),
            [0.0, -3.0, 0.0]
        );
        // Through points on a line the spline is that line: no curvature anywhere.
        let flat = natural_spline(&[0.0, 1.0, 3.0, 4.0], &[1.0, 3.0, 7.0, 9.0]);
        assert!(flat.iter().all(|m| m.abs() < 1e-12), "{flat:?}");
    }
}
