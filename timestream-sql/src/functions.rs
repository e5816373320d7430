//! Timestream's functions that DataFusion lacks or names differently.
//!
//! Scalar: `ago(duration)`, `bin(time, duration)`, `from_milliseconds`, `to_milliseconds`,
//! `from_nanoseconds`, `to_nanoseconds`. Aggregate: `count_if`, `max_by`, `min_by`, and
//! `approx_percentile` (DataFusion's `approx_percentile_cont` under Trino's name).
//! `now()`, `date_trunc`, `avg`, `stddev` (the sample deviation, as in Trino) and the rest
//! are DataFusion's own, with the same meaning. The timeseries functions are `timeseries`';
//! `sequence` is `sequence`'s; UNNEST's column accessor is `unnest`'s.

use std::cmp::Ordering;
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, Int64Array, TimestampNanosecondArray};
use datafusion::arrow::datatypes::{
    DataType, Field, FieldRef, Int64Type, IntervalMonthDayNano, IntervalUnit, TimeUnit,
    TimestampNanosecondType,
};
use datafusion::common::{Result, ScalarValue, exec_err, plan_datafusion_err};
use datafusion::error::DataFusionError;
use datafusion::execution::SessionStateBuilder;
use datafusion::functions_aggregate::approx_percentile_cont::approx_percentile_cont_udaf;
use datafusion::logical_expr::expr::ScalarFunction;
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::simplify::{ExprSimplifyResult, SimplifyContext};
use datafusion::logical_expr::utils::format_state_name;
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, ColumnarValue, Expr, ScalarFunctionArgs,
    ScalarUDF, ScalarUDFImpl, Signature, Volatility, lit,
};

use crate::result::type_name;
use crate::sequence::Sequence;
use crate::timeseries::calculus::{Calculus, CalculusFunction};
use crate::timeseries::correlate::{Coefficient, Correlate};
use crate::timeseries::create::CreateTimeSeries;
use crate::timeseries::interpolate::{Interpolate, Method};
use crate::unnest::UnnestColumn;

/// The column type of `time`: nanoseconds without a time zone (UTC).
pub const TIMESTAMP: DataType = DataType::Timestamp(TimeUnit::Nanosecond, None);
pub(crate) const DURATION: DataType = DataType::Interval(IntervalUnit::MonthDayNano);

/// Adds Timestream's functions to a session.
pub fn register(builder: SessionStateBuilder) -> SessionStateBuilder {
    let mut scalars: Vec<Arc<ScalarUDF>> = vec![
        Arc::new(ScalarUDF::from(Ago::new())),
        Arc::new(ScalarUDF::from(Bin::new())),
    ];
    scalars.extend(
        [
            EpochConversion::FromMilliseconds,
            EpochConversion::ToMilliseconds,
            EpochConversion::FromNanoseconds,
            EpochConversion::ToNanoseconds,
        ]
        .map(|c| Arc::new(ScalarUDF::from(EpochFunction::new(c)))),
    );
    scalars.extend(
        [
            Method::Linear,
            Method::SplineCubic,
            Method::Locf,
            Method::Fill,
        ]
        .map(|m| Arc::new(ScalarUDF::from(Interpolate::new(m)))),
    );
    scalars.extend(
        [
            Calculus::Derivative,
            Calculus::NonNegativeDerivative,
            Calculus::Integral,
        ]
        .map(|c| Arc::new(ScalarUDF::from(CalculusFunction::new(c)))),
    );
    scalars.extend(
        [Coefficient::Pearson, Coefficient::Spearman]
            .map(|c| Arc::new(ScalarUDF::from(Correlate::new(c)))),
    );
    scalars.push(Arc::new(ScalarUDF::from(Sequence::new())));
    scalars.push(Arc::new(ScalarUDF::from(UnnestColumn::new())));
    let aggregates = vec![
        Arc::new(AggregateUDF::from(CreateTimeSeries::new())),
        Arc::new(AggregateUDF::from(CountIf::new())),
        Arc::new(AggregateUDF::from(ExtremeBy::new(Ordering::Greater))),
        Arc::new(AggregateUDF::from(ExtremeBy::new(Ordering::Less))),
        Arc::new(
            approx_percentile_cont_udaf()
                .as_ref()
                .clone()
                .with_aliases(["approx_percentile"]),
        ),
    ];
    let mut builder = builder.with_default_features();
    builder
        .scalar_functions()
        .get_or_insert_default()
        .extend(scalars);
    builder
        .aggregate_functions()
        .get_or_insert_default()
        .extend(aggregates);
    builder
}

/// Calls `f` with the arguments as arrays of the call's rows; answers a scalar when every
/// argument is one, as DataFusion expects of a call on constants.
pub(crate) fn row_by_row(
    args: &ScalarFunctionArgs,
    f: impl FnOnce(&[ArrayRef]) -> Result<ArrayRef>,
) -> Result<ColumnarValue> {
    let arrays = args
        .args
        .iter()
        .map(|a| a.to_array(args.number_rows))
        .collect::<Result<Vec<_>>>()?;
    let output = f(&arrays)?;
    if args
        .args
        .iter()
        .all(|a| matches!(a, ColumnarValue::Scalar(_)))
    {
        return Ok(ColumnarValue::Scalar(ScalarValue::try_from_array(
            &output, 0,
        )?));
    }
    Ok(ColumnarValue::Array(output))
}

/// A day-to-second duration in nanoseconds; `what` names its use in the error for a
/// duration in months, which has no fixed length.
pub(crate) fn duration_nanos(duration: IntervalMonthDayNano, what: &str) -> Result<i128> {
    if duration.months != 0 {
        return exec_err!(
            "{what} takes a duration in days, hours, minutes, seconds or less, not in months"
        );
    }
    Ok(i128::from(duration.days) * NANOS_PER_DAY + i128::from(duration.nanoseconds))
}

const NANOS_PER_DAY: i128 = 86_400_000_000_000;

/// A call with arguments of the wrong types, worded as Trino words it:
/// `Unexpected parameters (varchar) for function abs. Expected: abs(double), abs(bigint)`.
pub(crate) fn unexpected_parameters(
    name: &str,
    args: &[DataType],
    expected: &[String],
) -> DataFusionError {
    let given: Vec<String> = args.iter().map(type_name).collect();
    plan_datafusion_err!(
        "Unexpected parameters ({}) for function {name}. Expected: {}",
        given.join(", "),
        expected.join(", ")
    )
}

/// `ago(d)`: the query's start time minus `d`, fixed once per query like `now()`.
#[derive(Debug, PartialEq, Eq, Hash)]
struct Ago {
    signature: Signature,
}

impl Ago {
    fn new() -> Self {
        Ago {
            signature: Signature::exact(vec![DURATION], Volatility::Stable),
        }
    }
}

impl ScalarUDFImpl for Ago {
    fn name(&self) -> &str {
        "ago"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(TIMESTAMP)
    }

    fn simplify(&self, mut args: Vec<Expr>, info: &SimplifyContext) -> Result<ExprSimplifyResult> {
        let Some(start) = info.query_execution_start_time() else {
            return Ok(ExprSimplifyResult::Original(args));
        };
        let now = lit(ScalarValue::TimestampNanosecond(
            start.timestamp_nanos_opt(),
            None,
        ));
        Ok(ExprSimplifyResult::Simplified(now - args.remove(0)))
    }

    fn invoke_with_args(&self, _args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        // Planning always replaces ago() by a timestamp (see `simplify`), as it does now().
        exec_err!("ago() is evaluated when the query is planned")
    }
}

/// `bin(t, d)`: `t` rounded down to a multiple of `d` since the epoch, which is DataFusion's
/// `date_bin(d, t)`.
#[derive(Debug, PartialEq, Eq, Hash)]
struct Bin {
    signature: Signature,
}

impl Bin {
    fn new() -> Self {
        Bin {
            signature: Signature::exact(vec![TIMESTAMP, DURATION], Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for Bin {
    fn name(&self) -> &str {
        "bin"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(TIMESTAMP)
    }

    fn simplify(&self, mut args: Vec<Expr>, _info: &SimplifyContext) -> Result<ExprSimplifyResult> {
        let duration = args.pop().expect("signature has two arguments");
        let time = args.pop().expect("signature has two arguments");
        Ok(ExprSimplifyResult::Simplified(Expr::ScalarFunction(
            ScalarFunction::new_udf(
                datafusion::functions::datetime::date_bin(),
                vec![duration, time],
            ),
        )))
    }

    fn invoke_with_args(&self, mut args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        args.args.swap(0, 1);
        args.arg_fields.swap(0, 1);
        datafusion::functions::datetime::date_bin().invoke_with_args(args)
    }
}

/// Conversions between timestamps and integer counts since the epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum EpochConversion {
    FromMilliseconds,
    ToMilliseconds,
    FromNanoseconds,
    ToNanoseconds,
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct EpochFunction {
    conversion: EpochConversion,
    signature: Signature,
}

const NANOS_PER_MILLI: i64 = 1_000_000;

impl EpochFunction {
    fn new(conversion: EpochConversion) -> Self {
        let input = match conversion {
            EpochConversion::FromMilliseconds | EpochConversion::FromNanoseconds => DataType::Int64,
            EpochConversion::ToMilliseconds | EpochConversion::ToNanoseconds => TIMESTAMP,
        };
        EpochFunction {
            conversion,
            signature: Signature::exact(vec![input], Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for EpochFunction {
    fn name(&self) -> &str {
        match self.conversion {
            EpochConversion::FromMilliseconds => "from_milliseconds",
            EpochConversion::ToMilliseconds => "to_milliseconds",
            EpochConversion::FromNanoseconds => "from_nanoseconds",
            EpochConversion::ToNanoseconds => "to_nanoseconds",
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(match self.conversion {
            EpochConversion::FromMilliseconds | EpochConversion::FromNanoseconds => TIMESTAMP,
            EpochConversion::ToMilliseconds | EpochConversion::ToNanoseconds => DataType::Int64,
        })
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        row_by_row(&args, |arrays| self.convert(&arrays[0]))
    }
}

impl EpochFunction {
    fn convert(&self, input: &ArrayRef) -> Result<ArrayRef> {
        Ok(match self.conversion {
            EpochConversion::FromMilliseconds => {
                let millis = input.as_primitive::<Int64Type>();
                let nanos: TimestampNanosecondArray = millis.try_unary(|ms| {
                    ms.checked_mul(NANOS_PER_MILLI).ok_or_else(|| {
                        datafusion::arrow::error::ArrowError::ComputeError(format!(
                            "from_milliseconds({ms}) is outside the timestamp range"
                        ))
                    })
                })?;
                Arc::new(nanos)
            }
            EpochConversion::FromNanoseconds => Arc::new(
                input
                    .as_primitive::<Int64Type>()
                    .reinterpret_cast::<TimestampNanosecondType>(),
            ),
            EpochConversion::ToMilliseconds => {
                let nanos = input.as_primitive::<TimestampNanosecondType>();
                let millis: Int64Array = nanos.unary(|ns| ns.div_euclid(NANOS_PER_MILLI));
                Arc::new(millis)
            }
            EpochConversion::ToNanoseconds => Arc::new(
                input
                    .as_primitive::<TimestampNanosecondType>()
                    .reinterpret_cast::<Int64Type>(),
            ),
        })
    }
}

/// `count_if(condition)`: how many rows the condition is true for (never NULL).
#[derive(Debug, PartialEq, Eq, Hash)]
struct CountIf {
    signature: Signature,
}

impl CountIf {
    fn new() -> Self {
        CountIf {
            signature: Signature::exact(vec![DataType::Boolean], Volatility::Immutable),
        }
    }
}

impl AggregateUDFImpl for CountIf {
    fn name(&self) -> &str {
        "count_if"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(DataType::Int64)
    }

    fn is_nullable(&self) -> bool {
        false
    }

    fn accumulator(&self, _args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(CountIfAccumulator(0)))
    }

    fn default_value(&self, _data_type: &DataType) -> Result<ScalarValue> {
        Ok(ScalarValue::Int64(Some(0)))
    }
}

#[derive(Debug)]
struct CountIfAccumulator(i64);

impl Accumulator for CountIfAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        // true_count counts only non-NULL true values: a NULL condition does not count.
        self.0 += i64::try_from(values[0].as_boolean().true_count()).unwrap_or(i64::MAX);
        Ok(())
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let counts = states[0].as_primitive::<Int64Type>();
        self.0 += counts.iter().flatten().sum::<i64>();
        Ok(())
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        Ok(vec![ScalarValue::Int64(Some(self.0))])
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        Ok(ScalarValue::Int64(Some(self.0)))
    }

    fn size(&self) -> usize {
        size_of_val(self)
    }
}

/// `max_by(x, y)` (`Greater`) and `min_by(x, y)` (`Less`): the `x` of the row with the
/// largest (smallest) `y`; rows whose `y` is NULL are skipped, and no such row gives NULL.
#[derive(Debug, PartialEq, Eq, Hash)]
struct ExtremeBy {
    wanted: Ordering,
    signature: Signature,
}

impl ExtremeBy {
    fn new(wanted: Ordering) -> Self {
        ExtremeBy {
            wanted,
            signature: Signature::any(2, Volatility::Immutable),
        }
    }
}

impl AggregateUDFImpl for ExtremeBy {
    fn name(&self) -> &str {
        if self.wanted == Ordering::Greater {
            "max_by"
        } else {
            "min_by"
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, args: &[DataType]) -> Result<DataType> {
        Ok(args[0].clone())
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(["value", "key"]
            .iter()
            .zip(args.input_fields)
            .map(|(part, field)| {
                Arc::new(Field::new(
                    format_state_name(args.name, part),
                    field.data_type().clone(),
                    true,
                ))
            })
            .collect())
    }

    fn accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(ExtremeByAccumulator {
            wanted: self.wanted,
            value: ScalarValue::try_from(args.return_field.data_type())?,
            key: ScalarValue::try_from(args.expr_fields[1].data_type())?,
        }))
    }
}

#[derive(Debug)]
struct ExtremeByAccumulator {
    wanted: Ordering,
    value: ScalarValue,
    /// NULL until a row with a non-NULL key is seen.
    key: ScalarValue,
}

impl Accumulator for ExtremeByAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let (values, keys) = (&values[0], &values[1]);
        for row in 0..keys.len() {
            if keys.is_null(row) {
                continue;
            }
            let key = ScalarValue::try_from_array(keys, row)?;
            let better = self.key.is_null() || key.partial_cmp(&self.key) == Some(self.wanted);
            if better {
                self.key = key;
                self.value = ScalarValue::try_from_array(values, row)?;
            }
        }
        Ok(())
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        self.update_batch(states)
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        Ok(vec![self.value.clone(), self.key.clone()])
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        Ok(self.value.clone())
    }

    fn size(&self) -> usize {
        size_of_val(self) + self.value.size() + self.key.size()
    }
}
