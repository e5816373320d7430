//! `create_time_series(time, value)`: the aggregate that gathers a group's measurements into
//! one timeseries, in time order. The value is a bigint, boolean, double or varchar and, as
//! the service documents, cannot be NULL.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, UInt32Array, new_empty_array};
use datafusion::arrow::compute::{concat, take};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, TimestampNanosecondType};
use datafusion::common::utils::SingleRowListArrayBuilder;
use datafusion::common::{Result, ScalarValue, exec_err};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::utils::format_state_name;
use datafusion::logical_expr::{Accumulator, AggregateUDFImpl, Signature, Volatility};

use super::{data_type, from_points, value_type};
use crate::functions::{TIMESTAMP, unexpected_parameters};

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct CreateTimeSeries {
    signature: Signature,
}

impl CreateTimeSeries {
    pub fn new() -> Self {
        CreateTimeSeries {
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

/// The measure type a value of type `data_type` is stored as in a timeseries.
fn measure_type(data_type: &DataType) -> Option<DataType> {
    Some(match data_type {
        DataType::Float64 | DataType::Float32 => DataType::Float64,
        DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32 => DataType::Int64,
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => DataType::Utf8,
        DataType::Dictionary(_, values) => return measure_type(values),
        DataType::Boolean => DataType::Boolean,
        _ => return None,
    })
}

impl AggregateUDFImpl for CreateTimeSeries {
    fn name(&self) -> &str {
        "create_time_series"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, args: &[DataType]) -> Result<Vec<DataType>> {
        if let [DataType::Timestamp(..), value] = args
            && let Some(value) = measure_type(value)
        {
            return Ok(vec![TIMESTAMP, value]);
        }
        Err(unexpected_parameters(
            self.name(),
            args,
            &["bigint", "boolean", "double", "varchar"]
                .map(|t| format!("create_time_series(timestamp, {t})")),
        ))
    }

    fn return_type(&self, args: &[DataType]) -> Result<DataType> {
        Ok(data_type(args[1].clone()))
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        let value = value_type(args.return_field.data_type())
            .cloned()
            .unwrap_or(DataType::Null);
        Ok([("times", TIMESTAMP), ("values", value)]
            .into_iter()
            .map(|(part, element)| {
                Arc::new(Field::new(
                    format_state_name(args.name, part),
                    DataType::List(Arc::new(Field::new_list_field(element, true))),
                    true,
                ))
            })
            .collect())
    }

    fn accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        let Some(value) = value_type(args.return_field.data_type()) else {
            return exec_err!("create_time_series returns a timeseries");
        };
        Ok(Box::new(CreateTimeSeriesAccumulator {
            value_type: value.clone(),
            times: Vec::new(),
            values: Vec::new(),
        }))
    }
}

/// The measurements seen so far, as the slices of the batches they came in.
#[derive(Debug)]
struct CreateTimeSeriesAccumulator {
    value_type: DataType,
    times: Vec<ArrayRef>,
    values: Vec<ArrayRef>,
}

impl CreateTimeSeriesAccumulator {
    fn add(&mut self, times: &ArrayRef, values: &ArrayRef) -> Result<()> {
        if values.null_count() > 0 {
            return exec_err!("The measure value of create_time_series cannot be NULL");
        }
        if times.null_count() > 0 {
            return exec_err!("The time of create_time_series cannot be NULL");
        }
        self.times.push(Arc::clone(times));
        self.values.push(Arc::clone(values));
        Ok(())
    }

    fn concatenated(&self) -> Result<(ArrayRef, ArrayRef)> {
        let times: Vec<&dyn Array> = self.times.iter().map(AsRef::as_ref).collect();
        let values: Vec<&dyn Array> = self.values.iter().map(AsRef::as_ref).collect();
        if times.is_empty() {
            return Ok((
                new_empty_array(&TIMESTAMP),
                new_empty_array(&self.value_type),
            ));
        }
        Ok((concat(&times)?, concat(&values)?))
    }
}

impl Accumulator for CreateTimeSeriesAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        self.add(&values[0], &values[1])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let (times, values) = (states[0].as_list::<i32>(), states[1].as_list::<i32>());
        for row in 0..times.len() {
            if !times.is_null(row) {
                self.add(&times.value(row), &values.value(row))?;
            }
        }
        Ok(())
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        let (times, values) = self.concatenated()?;
        Ok(vec![
            SingleRowListArrayBuilder::new(times).build_list_scalar(),
            SingleRowListArrayBuilder::new(values).build_list_scalar(),
        ])
    }

    /// The points sorted by time; equal times keep the order they were seen in.
    fn evaluate(&mut self) -> Result<ScalarValue> {
        let (times, values) = self.concatenated()?;
        if times.is_empty() {
            return ScalarValue::try_from(data_type(self.value_type.clone()));
        }
        let nanos = times.as_primitive::<TimestampNanosecondType>().values();
        let mut order: Vec<u32> = (0..u32::try_from(nanos.len()).unwrap_or(u32::MAX)).collect();
        order.sort_by_key(|&i| nanos[i as usize]);
        let order = UInt32Array::from(order);
        let series = from_points(
            &[times.len()],
            None,
            take(&times, &order, None)?,
            take(&values, &order, None)?,
        );
        Ok(ScalarValue::List(Arc::new(series)))
    }

    fn size(&self) -> usize {
        size_of_val(self)
            + self
                .times
                .iter()
                .chain(&self.values)
                .map(|a| a.get_array_memory_size())
                .sum::<usize>()
    }
}
