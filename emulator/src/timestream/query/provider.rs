//! A Timestream table as DataFusion sees it: the columns the service derives from what the
//! table's records used, read from the in-memory copy (`columns`).
//!
//! Columns, in the service's order: each dimension (VARCHAR), `measure_name`, `time`, then
//! `measure_value::double` / `::bigint` / `::varchar` / `::boolean` for the single-measure
//! types in use, then each multi-measure attribute. Dimension values and measure names are
//! dictionary-encoded: one value per series, not per point.
//!
//! Filters pushed down and applied exactly here: `time` against a timestamp (`=`, `<`,
//! `<=`, `>`, `>=`), and `measure_name` or a dimension equal to a string. A time range is two
//! binary searches per series; a measure name or dimension value skips whole series. Points
//! older than the table's magnetic-store retention are never returned.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use async_trait::async_trait;
use timestream_sql::datafusion::arrow::array::{
    ArrayRef, BooleanArray, DictionaryArray, Float64Array, Int32Array, Int64Array, RecordBatch,
    StringArray, TimestampNanosecondArray, new_null_array,
};
use timestream_sql::datafusion::arrow::buffer::ScalarBuffer;
use timestream_sql::datafusion::arrow::datatypes::{DataType, Field, Int32Type, Schema, SchemaRef};
use timestream_sql::datafusion::catalog::{Session, TableProvider};
use timestream_sql::datafusion::common::{Column, Result, ScalarValue};
use timestream_sql::datafusion::datasource::TableType;
use timestream_sql::datafusion::datasource::memory::MemorySourceConfig;
use timestream_sql::datafusion::logical_expr::{
    BinaryExpr, Expr, Operator, TableProviderFilterPushDown,
};
use timestream_sql::datafusion::physical_plan::ExecutionPlan;
use timestream_sql::functions::TIMESTAMP;

use super::columns::{Series, TableColumns, Values};
use crate::timestream::records::{MeasureType, Scalar, TableSchema};

/// Rows per batch handed to DataFusion.
const BATCH_ROWS: usize = 64 * 1024;

/// Where a column's values come from.
#[derive(Debug, Clone)]
enum Source {
    Dimension(String),
    MeasureName,
    Time,
    /// `measure_value::<type>`: the value of single-measure records of that type.
    MeasureValue(MeasureType),
    /// A multi-measure attribute.
    Attribute(String, MeasureType),
}

#[derive(Debug)]
pub struct RecordsTable {
    columns: Arc<RwLock<TableColumns>>,
    schema: SchemaRef,
    sources: Vec<Source>,
    /// Points before this time are past retention.
    oldest: i64,
    /// Adds the bytes of every batch scanned.
    scanned: Arc<AtomicU64>,
}

fn string_dictionary() -> DataType {
    DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8))
}

fn arrow_type(ty: MeasureType) -> DataType {
    match ty {
        MeasureType::Double => DataType::Float64,
        MeasureType::Bigint => DataType::Int64,
        MeasureType::Varchar | MeasureType::Multi => DataType::Utf8,
        MeasureType::Boolean => DataType::Boolean,
        MeasureType::Timestamp => TIMESTAMP,
    }
}

impl RecordsTable {
    pub fn new(
        columns: Arc<RwLock<TableColumns>>,
        schema: &TableSchema,
        oldest: i64,
        scanned: Arc<AtomicU64>,
    ) -> Self {
        let mut sources: Vec<Source> = schema
            .dimensions
            .iter()
            .map(|d| Source::Dimension(d.clone()))
            .collect();
        sources.push(Source::MeasureName);
        sources.push(Source::Time);
        for ty in [
            MeasureType::Double,
            MeasureType::Bigint,
            MeasureType::Varchar,
            MeasureType::Boolean,
        ] {
            if schema.measures.iter().any(|(_, t)| *t == ty) {
                sources.push(Source::MeasureValue(ty));
            }
        }
        sources.extend(
            schema
                .attributes
                .iter()
                .map(|(name, ty)| Source::Attribute(name.clone(), *ty)),
        );
        let fields: Vec<Field> = sources
            .iter()
            .map(|s| match s {
                Source::Dimension(name) => Field::new(name, string_dictionary(), true),
                Source::MeasureName => Field::new("measure_name", string_dictionary(), false),
                Source::Time => Field::new("time", TIMESTAMP, false),
                Source::MeasureValue(ty) => Field::new(
                    format!("measure_value::{}", ty.as_str().to_ascii_lowercase()),
                    arrow_type(*ty),
                    true,
                ),
                Source::Attribute(name, ty) => Field::new(name, arrow_type(*ty), true),
            })
            .collect();
        RecordsTable {
            columns,
            schema: Arc::new(Schema::new(fields)),
            sources,
            oldest,
            scanned,
        }
    }
}

/// What the pushed-down filters select.
#[derive(Debug, Default)]
struct Selection {
    /// Inclusive time bounds.
    from: i64,
    to: i64,
    measure_name: Option<String>,
    dimensions: Vec<(String, String)>,
    /// Two filters that cannot both hold (`measure_name = 'a' AND measure_name = 'b'`).
    empty: bool,
}

impl Selection {
    fn new(oldest: i64) -> Self {
        Selection {
            from: oldest,
            to: i64::MAX,
            ..Selection::default()
        }
    }

    fn wants(&self, series: &Series) -> bool {
        !self.empty
            && self
                .measure_name
                .as_ref()
                .is_none_or(|m| *m == series.measure_name)
            && self
                .dimensions
                .iter()
                .all(|(name, value)| series.dimension(name) == Some(value.as_str()))
    }

    /// Narrows the selection by one filter; false when the filter is not one applied here.
    fn apply(&mut self, filter: &Expr, sources: &[Source]) -> bool {
        let Expr::BinaryExpr(BinaryExpr { left, op, right }) = filter else {
            return false;
        };
        let (column, op, literal) = match (column_of(left), column_of(right)) {
            (Some(c), None) => (c, *op, right.as_ref()),
            (None, Some(c)) => match op.swap() {
                Some(op) => (c, op, left.as_ref()),
                None => return false,
            },
            _ => return false,
        };
        let Some(source) = sources.iter().find(|s| source_name(s) == column.name) else {
            return false;
        };
        match source {
            Source::Time => {
                let Expr::Literal(ScalarValue::TimestampNanosecond(Some(t), None), _) = literal
                else {
                    return false;
                };
                let t = *t;
                match op {
                    Operator::Eq => {
                        self.from = self.from.max(t);
                        self.to = self.to.min(t);
                    }
                    Operator::Gt => self.from = self.from.max(t.saturating_add(1)),
                    Operator::GtEq => self.from = self.from.max(t),
                    Operator::Lt => self.to = self.to.min(t.saturating_sub(1)),
                    Operator::LtEq => self.to = self.to.min(t),
                    _ => return false,
                }
                true
            }
            Source::MeasureName | Source::Dimension(_) if op == Operator::Eq => {
                let Some(value) = string_literal(literal) else {
                    return false;
                };
                match source {
                    Source::MeasureName => {
                        if self.measure_name.as_ref().is_some_and(|m| *m != value) {
                            self.empty = true;
                        }
                        self.measure_name = Some(value);
                    }
                    Source::Dimension(name) => self.dimensions.push((name.clone(), value)),
                    _ => unreachable!("matched above"),
                }
                true
            }
            _ => false,
        }
    }
}

fn source_name(source: &Source) -> String {
    match source {
        Source::Dimension(name) | Source::Attribute(name, _) => name.clone(),
        Source::MeasureName => "measure_name".to_owned(),
        Source::Time => "time".to_owned(),
        Source::MeasureValue(ty) => format!("measure_value::{}", ty.as_str().to_ascii_lowercase()),
    }
}

/// The column an expression reads, through casts (a string column compared with a literal
/// may be cast to the literal's type).
fn column_of(expr: &Expr) -> Option<&Column> {
    match expr {
        Expr::Column(c) => Some(c),
        Expr::Cast(cast) => column_of(&cast.expr),
        _ => None,
    }
}

fn string_literal(expr: &Expr) -> Option<String> {
    let Expr::Literal(value, _) = expr else {
        return None;
    };
    scalar_string(value)
}

fn scalar_string(value: &ScalarValue) -> Option<String> {
    match value {
        ScalarValue::Utf8(Some(s))
        | ScalarValue::Utf8View(Some(s))
        | ScalarValue::LargeUtf8(Some(s)) => Some(s.clone()),
        ScalarValue::Dictionary(_, inner) => scalar_string(inner),
        _ => None,
    }
}

#[async_trait]
impl TableProvider for RecordsTable {
    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    fn supports_filters_pushdown(
        &self,
        filters: &[&Expr],
    ) -> Result<Vec<TableProviderFilterPushDown>> {
        Ok(filters
            .iter()
            .map(|f| {
                if Selection::new(self.oldest).apply(f, &self.sources) {
                    TableProviderFilterPushDown::Exact
                } else {
                    TableProviderFilterPushDown::Unsupported
                }
            })
            .collect())
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        _limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let mut selection = Selection::new(self.oldest);
        for filter in filters {
            selection.apply(filter, &self.sources);
        }
        let projected: Vec<usize> = projection
            .cloned()
            .unwrap_or_else(|| (0..self.sources.len()).collect());
        let schema = Arc::new(self.schema.project(&projected)?);
        let partitions = state.config().target_partitions().max(1);
        let mut batches: Vec<Vec<RecordBatch>> = vec![Vec::new(); partitions];
        let mut next = 0;
        let zeros = ScalarBuffer::from(vec![0; BATCH_ROWS]);
        {
            let columns = self.columns.read().expect("columns lock");
            for series in columns.series.iter().filter(|s| selection.wants(s)) {
                let start = series.times.partition_point(|&t| t < selection.from);
                let end = series.times.partition_point(|&t| t <= selection.to);
                let mut at = start;
                while at < end {
                    let until = end.min(at + BATCH_ROWS);
                    let arrays = projected
                        .iter()
                        .map(|&i| column(&self.sources[i], series, at, until, &zeros))
                        .collect();
                    let batch = RecordBatch::try_new(Arc::clone(&schema), arrays)?;
                    self.scanned
                        .fetch_add(batch.get_array_memory_size() as u64, Ordering::Relaxed);
                    batches[next % partitions].push(batch);
                    next += 1;
                    at = until;
                }
            }
        }
        let exec: Arc<dyn ExecutionPlan> =
            MemorySourceConfig::try_new_exec(&batches, schema, None)?;
        Ok(exec)
    }
}

/// The values of one column for points `from..to` of a series. `zeros` holds at least
/// `to - from` zero keys, shared by every constant column of the scan.
fn column(
    source: &Source,
    series: &Series,
    from: usize,
    to: usize,
    zeros: &ScalarBuffer<i32>,
) -> ArrayRef {
    let rows = to - from;
    match (source, &series.values) {
        (Source::Dimension(name), _) => constant_string(series.dimension(name), rows, zeros),
        (Source::MeasureName, _) => constant_string(Some(&series.measure_name), rows, zeros),
        (Source::Time, _) => Arc::new(TimestampNanosecondArray::from(
            series.times[from..to].to_vec(),
        )),
        (Source::MeasureValue(MeasureType::Double), Values::Double(v)) => {
            Arc::new(Float64Array::from(v[from..to].to_vec()))
        }
        (Source::MeasureValue(MeasureType::Bigint), Values::Bigint(v)) => {
            Arc::new(Int64Array::from(v[from..to].to_vec()))
        }
        (Source::MeasureValue(MeasureType::Boolean), Values::Boolean(v)) => {
            Arc::new(BooleanArray::from(v[from..to].to_vec()))
        }
        (Source::MeasureValue(MeasureType::Varchar), Values::Varchar(v)) => {
            Arc::new(StringArray::from_iter_values(&v[from..to]))
        }
        (Source::Attribute(name, ty), Values::Multi(points)) => typed(
            *ty,
            points[from..to].iter().map(|attributes| {
                attributes
                    .binary_search_by(|(n, _)| n.as_str().cmp(name))
                    .ok()
                    .map(|i| &attributes[i].1)
            }),
        ),
        (Source::MeasureValue(ty) | Source::Attribute(_, ty), _) => {
            new_null_array(&arrow_type(*ty), rows)
        }
    }
}

/// A dictionary column holding one value (or NULL) for every row.
fn constant_string(value: Option<&str>, rows: usize, zeros: &ScalarBuffer<i32>) -> ArrayRef {
    let (keys, values) = match value {
        Some(v) => (
            Int32Array::new(zeros.slice(0, rows), None),
            StringArray::from(vec![v]),
        ),
        None => (
            Int32Array::new_null(rows),
            StringArray::from(Vec::<&str>::new()),
        ),
    };
    Arc::new(
        DictionaryArray::<Int32Type>::try_new(keys, Arc::new(values))
            .expect("keys index the values"),
    )
}

/// A column of `ty` from the attribute values that have that type (others are NULL).
fn typed<'a>(ty: MeasureType, values: impl Iterator<Item = Option<&'a Scalar>>) -> ArrayRef {
    match ty {
        MeasureType::Double => Arc::new(Float64Array::from_iter(values.map(|v| match v {
            Some(Scalar::Double(d)) => Some(*d),
            _ => None,
        }))),
        MeasureType::Bigint => Arc::new(Int64Array::from_iter(values.map(|v| match v {
            Some(Scalar::Bigint(i)) => Some(*i),
            _ => None,
        }))),
        MeasureType::Boolean => Arc::new(BooleanArray::from_iter(values.map(|v| match v {
            Some(Scalar::Boolean(b)) => Some(*b),
            _ => None,
        }))),
        MeasureType::Timestamp => {
            Arc::new(TimestampNanosecondArray::from_iter(values.map(
                |v| match v {
                    Some(Scalar::Timestamp(t)) => Some(*t),
                    _ => None,
                },
            )))
        }
        MeasureType::Varchar | MeasureType::Multi => {
            Arc::new(StringArray::from_iter(values.map(|v| match v {
                Some(Scalar::Varchar(s)) => Some(s.as_str()),
                _ => None,
            })))
        }
    }
}
