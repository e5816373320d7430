//! Rates of change and areas of a numeric timeseries, per a duration:
//! - `derivative_linear(ts, d)`: at each point after the first, the change from the point
//!   before divided by the time between them, scaled to `d` (a timeseries of doubles);
//! - `non_negative_derivative_linear(ts, d)`: the same without its negative points;
//! - `integral_trapezoidal(ts[, d])`: the area under the straight lines joining the points,
//!   per `d` (1s when left out), a double.
//!
//! Points at the same time as the one before add no derivative and no area.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, Float64Array, TimestampNanosecondArray};
use datafusion::arrow::buffer::NullBuffer;
use datafusion::arrow::datatypes::{DataType, IntervalMonthDayNano, IntervalMonthDayNanoType};
use datafusion::common::Result;
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};

use super::{Points, data_type, from_points, is_numeric};
use crate::functions::{DURATION, duration_nanos, row_by_row, unexpected_parameters};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Calculus {
    Derivative,
    NonNegativeDerivative,
    Integral,
}

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct CalculusFunction {
    calculus: Calculus,
    signature: Signature,
}

impl CalculusFunction {
    pub fn new(calculus: Calculus) -> Self {
        CalculusFunction {
            calculus,
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

const ONE_SECOND: IntervalMonthDayNano = IntervalMonthDayNano::new(0, 0, 1_000_000_000);

impl ScalarUDFImpl for CalculusFunction {
    fn name(&self) -> &str {
        match self.calculus {
            Calculus::Derivative => "derivative_linear",
            Calculus::NonNegativeDerivative => "non_negative_derivative_linear",
            Calculus::Integral => "integral_trapezoidal",
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, args: &[DataType]) -> Result<Vec<DataType>> {
        let integral = self.calculus == Calculus::Integral;
        match args {
            [series, DataType::Interval(_)] if is_numeric(series) => {
                Ok(vec![series.clone(), DURATION])
            }
            [series] if integral && is_numeric(series) => Ok(vec![series.clone()]),
            _ => {
                let name = self.name();
                let mut expected = vec![format!(
                    "{name}(timeseries(double), interval day to second)"
                )];
                if integral {
                    expected.push(format!("{name}(timeseries(double))"));
                }
                Err(unexpected_parameters(name, args, &expected))
            }
        }
    }

    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(match self.calculus {
            Calculus::Integral => DataType::Float64,
            _ => data_type(DataType::Float64),
        })
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        row_by_row(&args, |arrays| self.evaluate(arrays, args.number_rows))
    }
}

impl CalculusFunction {
    fn evaluate(&self, arrays: &[ArrayRef], rows: usize) -> Result<ArrayRef> {
        let series = arrays[0].as_list::<i32>();
        let per = arrays.get(1);
        let mut valid = Vec::with_capacity(rows);
        let mut lengths = Vec::with_capacity(rows);
        let mut times = Vec::new();
        let mut values = Vec::new();
        for row in 0..rows {
            let per = match &per {
                Some(per) if per.is_null(row) => None,
                Some(per) => Some(per.as_primitive::<IntervalMonthDayNanoType>().value(row)),
                None => Some(ONE_SECOND),
            };
            let (Some(per), Some((t, v))) = (per, Points::numbers(series, row)?) else {
                valid.push(false);
                lengths.push(0);
                values.push(0.0);
                continue;
            };
            let per = duration_nanos(per, self.name())? as f64;
            valid.push(true);
            let steps = t.windows(2).zip(v.windows(2)).filter(|(t, _)| t[1] > t[0]);
            if self.calculus == Calculus::Integral {
                let area: f64 = steps
                    .map(|(t, v)| (v[0] + v[1]) / 2.0 * ((t[1] - t[0]) as f64 / per))
                    .sum();
                values.push(area);
                continue;
            }
            let before = times.len();
            for (t, v) in steps {
                let rate = (v[1] - v[0]) / ((t[1] - t[0]) as f64 / per);
                if self.calculus == Calculus::NonNegativeDerivative && rate < 0.0 {
                    continue;
                }
                times.push(t[1]);
                values.push(rate);
            }
            lengths.push(times.len() - before);
        }
        let nulls = Some(NullBuffer::from(valid));
        Ok(if self.calculus == Calculus::Integral {
            Arc::new(Float64Array::new(values.into(), nulls))
        } else {
            Arc::new(from_points(
                &lengths,
                nulls,
                Arc::new(TimestampNanosecondArray::from(times)),
                Arc::new(Float64Array::from(values)),
            ))
        })
    }
}
