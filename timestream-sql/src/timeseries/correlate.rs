//! `correlate_pearson(ts1, ts2)` and `correlate_spearman(ts1, ts2)`: the correlation
//! coefficient of two numeric timeseries, which the service requires to have the same
//! timestamps. Spearman's is Pearson's of the values' ranks, ties given their mean rank.
//! Fewer than two points give NULL; a series that never changes, NaN (0/0).

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, AsArray, Float64Array};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{Result, exec_err};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};

use super::{Points, is_numeric};
use crate::functions::{row_by_row, unexpected_parameters};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Coefficient {
    Pearson,
    Spearman,
}

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Correlate {
    coefficient: Coefficient,
    signature: Signature,
}

impl Correlate {
    pub fn new(coefficient: Coefficient) -> Self {
        Correlate {
            coefficient,
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for Correlate {
    fn name(&self) -> &str {
        match self.coefficient {
            Coefficient::Pearson => "correlate_pearson",
            Coefficient::Spearman => "correlate_spearman",
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, args: &[DataType]) -> Result<Vec<DataType>> {
        match args {
            [a, b] if is_numeric(a) && is_numeric(b) => Ok(args.to_vec()),
            _ => Err(unexpected_parameters(
                self.name(),
                args,
                &[format!(
                    "{}(timeseries(double), timeseries(double))",
                    self.name()
                )],
            )),
        }
    }

    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(DataType::Float64)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        row_by_row(&args, |arrays| self.evaluate(arrays, args.number_rows))
    }
}

impl Correlate {
    fn evaluate(&self, arrays: &[ArrayRef], rows: usize) -> Result<ArrayRef> {
        let (a, b) = (arrays[0].as_list::<i32>(), arrays[1].as_list::<i32>());
        let mut output = Vec::with_capacity(rows);
        for row in 0..rows {
            let (Some((times_a, a)), Some((times_b, b))) =
                (Points::numbers(a, row)?, Points::numbers(b, row)?)
            else {
                output.push(None);
                continue;
            };
            if times_a != times_b {
                return exec_err!(
                    "The timeseries of {} must have the same timestamps",
                    self.name()
                );
            }
            output.push(match self.coefficient {
                Coefficient::Pearson => pearson(&a, &b),
                Coefficient::Spearman => pearson(&ranks(&a), &ranks(&b)),
            });
        }
        Ok(Arc::new(Float64Array::from(output)))
    }
}

fn pearson(a: &[f64], b: &[f64]) -> Option<f64> {
    if a.len() < 2 {
        return None;
    }
    let n = a.len() as f64;
    let (mean_a, mean_b) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let (mut covariance, mut variance_a, mut variance_b) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        let (dx, dy) = (x - mean_a, y - mean_b);
        covariance += dx * dy;
        variance_a += dx * dx;
        variance_b += dy * dy;
    }
    Some(covariance / (variance_a * variance_b).sqrt())
}

/// Each value's rank from 1, equal values sharing the mean of their ranks.
fn ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&i, &j| values[i].total_cmp(&values[j]));
    let mut ranks = vec![0.0; values.len()];
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && values[order[end]] == values[order[start]] {
            end += 1;
        }
        // Ranks start..end (1-based: start + 1 ..= end) share their mean.
        let mean = (start + 1 + end) as f64 / 2.0;
        for &i in &order[start..end] {
            ranks[i] = mean;
        }
        start = end;
    }
    ranks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coefficients_match_the_hand_computed_ones() {
        // a = 1, 2, 3 and b = 2, 1, 4: deviations (-1, 0, 1) and (-1/3, -4/3, 5/3), so the
        // covariance sum is 2, the variance sums 2 and 42/9: r = 2 / sqrt(2 * 42/9).
        let r = pearson(&[1.0, 2.0, 3.0], &[2.0, 1.0, 4.0]).expect("two points or more");
        assert!(
            (r - 2.0 / (2.0_f64 * 42.0 / 9.0).sqrt()).abs() < 1e-12,
            "{r}"
        );
        // Their ranks, (1, 2, 3) and (2, 1, 3): deviations (-1, 0, 1) and (0, -1, 1), so 1 / 2.
        let rho = pearson(&ranks(&[1.0, 2.0, 3.0]), &ranks(&[2.0, 1.0, 4.0])).expect("points");
        assert!((rho - 0.5).abs() < 1e-12, "{rho}");
        assert_eq!(pearson(&[1.0], &[2.0]), None);
    }

    #[test]
    fn ties_share_their_mean_rank() {
        assert_eq!(ranks(&[10.0, 30.0, 20.0, 30.0]), [1.0, 3.5, 2.0, 3.5]);
    }
}
