//! `sequence(start, stop[, step])`: the array from `start` to `stop` inclusive, as Trino (and
//! so Timestream) defines it: over bigints (step 1 or -1 when left out) or over timestamps
//! with a duration step (`sequence(ago(1h), now(), 5m)`). The step must not be zero, must
//! lead from `start` towards `stop`, and an array holds at most 10000 entries.

use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, Int64Array, ListArray, TimestampNanosecondArray,
};
use datafusion::arrow::buffer::{NullBuffer, OffsetBuffer};
use datafusion::arrow::datatypes::{
    DataType, Field, Int64Type, IntervalMonthDayNanoType, TimestampNanosecondType,
};
use datafusion::common::{Result, exec_err};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};

use crate::functions::{DURATION, TIMESTAMP, duration_nanos, row_by_row, unexpected_parameters};

/// Trino's bound on the length of a sequence.
const MAX_ENTRIES: i128 = 10_000;

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Sequence {
    signature: Signature,
}

impl Sequence {
    pub fn new() -> Self {
        Sequence {
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

fn is_integer(data_type: &DataType) -> bool {
    data_type.is_integer() || *data_type == DataType::Null
}

impl ScalarUDFImpl for Sequence {
    fn name(&self) -> &str {
        "sequence"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, args: &[DataType]) -> Result<Vec<DataType>> {
        match args {
            [start, stop] if is_integer(start) && is_integer(stop) => {
                Ok(vec![DataType::Int64, DataType::Int64])
            }
            [start, stop, step] if is_integer(start) && is_integer(stop) && is_integer(step) => {
                Ok(vec![DataType::Int64; 3])
            }
            [
                DataType::Timestamp(..),
                DataType::Timestamp(..),
                DataType::Interval(_),
            ] => Ok(vec![TIMESTAMP, TIMESTAMP, DURATION]),
            _ => Err(unexpected_parameters(
                self.name(),
                args,
                &[
                    "sequence(bigint, bigint)",
                    "sequence(bigint, bigint, bigint)",
                    "sequence(timestamp, timestamp, interval day to second)",
                ]
                .map(str::to_owned),
            )),
        }
    }

    fn return_type(&self, args: &[DataType]) -> Result<DataType> {
        Ok(DataType::List(Arc::new(Field::new_list_field(
            args[0].clone(),
            true,
        ))))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        row_by_row(&args, |arrays| sequences(arrays, args.number_rows))
    }
}

/// Each row's sequence from its `start`, `stop` and `step` (arrays of one type).
fn sequences(arrays: &[ArrayRef], rows: usize) -> Result<ArrayRef> {
    let timestamps = matches!(arrays[0].data_type(), DataType::Timestamp(..));
    let mut lengths = Vec::with_capacity(rows);
    let mut valid = Vec::with_capacity(rows);
    let mut entries: Vec<i64> = Vec::new();
    for row in 0..rows {
        if arrays.iter().any(|a| a.is_null(row)) {
            lengths.push(0);
            valid.push(false);
            continue;
        }
        let (start, stop, step) = if timestamps {
            let start = arrays[0]
                .as_primitive::<TimestampNanosecondType>()
                .value(row);
            let stop = arrays[1]
                .as_primitive::<TimestampNanosecondType>()
                .value(row);
            let step = arrays[2]
                .as_primitive::<IntervalMonthDayNanoType>()
                .value(row);
            (start, stop, duration_nanos(step, "sequence")?)
        } else {
            let integers = |i: usize| arrays[i].as_primitive::<Int64Type>().value(row);
            let (start, stop) = (integers(0), integers(1));
            let step = match arrays.get(2) {
                Some(_) => i128::from(integers(2)),
                None if stop >= start => 1,
                None => -1,
            };
            (start, stop, step)
        };
        let before = entries.len();
        extend(&mut entries, start, stop, step)?;
        lengths.push(entries.len() - before);
        valid.push(true);
    }
    let values: ArrayRef = if timestamps {
        Arc::new(TimestampNanosecondArray::from(entries))
    } else {
        Arc::new(Int64Array::from(entries))
    };
    Ok(Arc::new(ListArray::try_new(
        Arc::new(Field::new_list_field(values.data_type().clone(), true)),
        OffsetBuffer::from_lengths(lengths),
        values,
        Some(NullBuffer::from(valid)),
    )?))
}

/// Appends `start, start + step, ...` up to `stop` inclusive, with Trino's checks.
fn extend(entries: &mut Vec<i64>, start: i64, stop: i64, step: i128) -> Result<()> {
    if step == 0 {
        return exec_err!("step must not be zero");
    }
    let span = i128::from(stop) - i128::from(start);
    if span != 0 && (span > 0) != (step > 0) {
        return exec_err!(
            "sequence stop value should be greater than or equal to start value if step is \
             greater than zero otherwise stop should be less than or equal to start"
        );
    }
    let count = span / step + 1;
    if count > MAX_ENTRIES {
        return exec_err!("result of sequence function must not have more than 10000 entries");
    }
    let mut value = i128::from(start);
    for _ in 0..count {
        // Every entry lies between start and stop, so it fits an i64.
        entries.push(i64::try_from(value).unwrap_or_default());
        value += step;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sequence(start: i64, stop: i64, step: i128) -> Result<Vec<i64>> {
        let mut entries = Vec::new();
        extend(&mut entries, start, stop, step)?;
        Ok(entries)
    }

    #[test]
    fn sequences_include_both_ends_when_the_step_reaches_them() {
        assert_eq!(sequence(1, 5, 2).expect("ok"), [1, 3, 5]);
        assert_eq!(sequence(1, 6, 2).expect("ok"), [1, 3, 5]);
        assert_eq!(sequence(5, 1, -2).expect("ok"), [5, 3, 1]);
        assert_eq!(sequence(7, 7, 3).expect("ok"), [7]);
        assert_eq!(sequence(7, 7, -3).expect("ok"), [7]);
    }

    #[test]
    fn sequences_refuse_what_trino_refuses() {
        let message = |r: Result<Vec<i64>>| r.expect_err("refused").strip_backtrace();
        assert!(message(sequence(1, 5, 0)).contains("step must not be zero"));
        assert!(message(sequence(1, 5, -1)).contains("stop value should be greater"));
        assert!(message(sequence(0, 10_000, 1)).contains("more than 10000 entries"));
        assert_eq!(sequence(0, 9_999, 1).expect("ok").len(), 10_000);
    }
}
