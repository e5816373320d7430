//! Secondary index definitions of CreateTable (and UpdateTable's Create): their member
//! constraints and the service's rules, checked in the service's order, with its texts
//! (recorded from the service by dynalite; where it has none, DynamoDB Local's).

use crate::dynamodb::catalog::{IndexKind, IndexMeta, KeyAttribute, KeySchema, Projection};
use crate::dynamodb::error::{DynamoError, Result};
use crate::dynamodb::ops::create_table::{Violations, check_capacity, check_key_elements};
use crate::dynamodb::types::table::{KeySchemaElement, SecondaryIndex};

/// At most this many global secondary indexes per table.
pub const MAX_GLOBAL_INDEXES: usize = 20;
/// At most this many local secondary indexes per table.
pub const MAX_LOCAL_INDEXES: usize = 5;
/// At most this many NonKeyAttributes over all of a table's indexes.
pub const MAX_PROJECTED_ATTRIBUTES: usize = 100;

/// The member constraints of `GlobalSecondaryIndexes` / `LocalSecondaryIndexes` (`member` is
/// `globalSecondaryIndexes` or `localSecondaryIndexes`), reported with the request's other
/// constraint violations.
pub(crate) fn check_members(indexes: Option<&[SecondaryIndex]>, member: &str, v: &mut Violations) {
    for (i, index) in indexes.unwrap_or_default().iter().enumerate() {
        let member = format!("{member}.{}.member", i + 1);
        match index.key_schema.as_deref() {
            None => v.null(&format!("{member}.keySchema")),
            Some(elements) => check_key_schema_members(elements, &member, v),
        }
        match &index.projection {
            None => v.null(&format!("{member}.projection")),
            Some(projection) => {
                if let Some(t) = projection.projection_type.as_deref()
                    && !matches!(t, "ALL" | "INCLUDE" | "KEYS_ONLY")
                {
                    v.push(
                        t,
                        &format!("{member}.projection.projectionType"),
                        "Member must satisfy enum value set: [ALL, INCLUDE, KEYS_ONLY]",
                    );
                }
                if projection
                    .non_key_attributes
                    .as_ref()
                    .is_some_and(Vec::is_empty)
                {
                    v.push(
                        "[]",
                        &format!("{member}.projection.nonKeyAttributes"),
                        "Member must have length greater than or equal to 1",
                    );
                }
            }
        }
        match index.index_name.as_deref() {
            None => v.null(&format!("{member}.indexName")),
            Some(name) => check_index_name(name, &format!("{member}.indexName"), v),
        }
        if let Some(pt) = &index.provisioned_throughput {
            check_capacity(
                pt.write_capacity_units,
                &format!("{member}.provisionedThroughput.writeCapacityUnits"),
                v,
            );
            check_capacity(
                pt.read_capacity_units,
                &format!("{member}.provisionedThroughput.readCapacityUnits"),
                v,
            );
        }
    }
}

fn check_key_schema_members(elements: &[KeySchemaElement], member: &str, v: &mut Violations) {
    let schema_member = format!("{member}.keySchema");
    if elements.is_empty() {
        v.push(
            "[]",
            &schema_member,
            "Member must have length greater than or equal to 1",
        );
    } else if elements.len() > 2 {
        v.push(
            crate::dynamodb::ops::create_table::java_list(elements),
            &schema_member,
            "Member must have length less than or equal to 2",
        );
    }
    for (i, e) in elements.iter().enumerate() {
        let element = format!("{schema_member}.{}.member", i + 1);
        match e.attribute_name.as_deref() {
            None => v.null(&format!("{element}.attributeName")),
            Some(name) if name.is_empty() || name.len() > 255 => v.push(
                name,
                &format!("{element}.attributeName"),
                if name.is_empty() {
                    "Member must have length greater than or equal to 1"
                } else {
                    "Member must have length less than or equal to 255"
                },
            ),
            Some(_) => {}
        }
        match e.key_type.as_deref() {
            None => v.null(&format!("{element}.keyType")),
            Some("HASH" | "RANGE") => {}
            Some(other) => v.push(
                other,
                &format!("{element}.keyType"),
                "Member must satisfy enum value set: [HASH, RANGE]",
            ),
        }
    }
}

/// An index name: 3 to 255 characters of `[a-zA-Z0-9_.-]`.
fn check_index_name(name: &str, member: &str, v: &mut Violations) {
    crate::dynamodb::ops::create_table::check_table_name(name, member, v);
}

/// What the table-level checks established, which index definitions are checked against.
pub struct TableContext<'a> {
    pub key_schema: &'a KeySchema,
    pub definitions: &'a [KeyAttribute],
    /// The table is PROVISIONED: global indexes need their own throughput.
    pub provisioned: bool,
}

/// Checks one kind of index list (which passed [`check_members`]) against the table and
/// builds the indexes; `names` holds the index names seen so far (local before global), for
/// the duplicate check. Ids and activation times are set by the caller.
pub fn build(
    kind: IndexKind,
    specs: &[SecondaryIndex],
    table: &TableContext<'_>,
    names: &mut Vec<String>,
) -> Result<Vec<IndexMeta>> {
    let kind_name = match kind {
        IndexKind::Global => "GlobalSecondaryIndexes",
        IndexKind::Local => "LocalSecondaryIndexes",
    };
    if specs.is_empty() {
        return Err(invalid(format!("List of {kind_name} is empty")));
    }
    if kind == IndexKind::Local && table.key_schema.sort.is_none() {
        return Err(invalid(
            "Table KeySchema does not have a range key, which is required when specifying a \
             LocalSecondaryIndex",
        ));
    }
    let mut built = Vec::with_capacity(specs.len());
    for spec in specs {
        let index = build_one(kind, spec, table)?;
        if names.contains(&index.name) {
            return Err(invalid(format!("Duplicate index name: {}", index.name)));
        }
        names.push(index.name.clone());
        built.push(index);
    }
    match kind {
        IndexKind::Local if built.len() > MAX_LOCAL_INDEXES => Err(invalid(format!(
            "Number of LocalSecondaryIndexes exceeds per-table limit of {MAX_LOCAL_INDEXES}"
        ))),
        IndexKind::Global if built.len() > MAX_GLOBAL_INDEXES => Err(invalid(format!(
            "GlobalSecondaryIndex count exceeds the per-table limit of {MAX_GLOBAL_INDEXES}"
        ))),
        _ => Ok(built),
    }
}

/// One index definition (members already constraint-checked) against the table.
pub fn build_one(
    kind: IndexKind,
    spec: &SecondaryIndex,
    table: &TableContext<'_>,
) -> Result<IndexMeta> {
    let name = spec.index_name.clone().unwrap_or_default();
    let elements = spec.key_schema.as_deref().unwrap_or_default();
    let keys: Vec<&str> = elements
        .iter()
        .map(|e| e.attribute_name.as_deref().unwrap_or_default())
        .collect();
    let definitions: Vec<&str> = table.definitions.iter().map(|d| d.name.as_str()).collect();
    check_key_elements(elements, &definitions)?;
    let defined = |key: &str| table.definitions.iter().find(|d| d.name == key);
    if kind == IndexKind::Local {
        if keys.len() != 2 {
            return Err(invalid(format!(
                "Index KeySchema does not have a range key for index: {name}"
            )));
        }
        let table_hash = &table.key_schema.partition.name;
        if keys[0] != table_hash {
            return Err(invalid(format!(
                "Index KeySchema does not have the same leading hash key as table KeySchema \
                 for index: {name}. index hash key: {}, table hash key: {table_hash}",
                keys[0]
            )));
        }
    }
    let projection = projection(spec)?;
    let provisioned = match (kind, table.provisioned, &spec.provisioned_throughput) {
        (IndexKind::Local, ..) => None,
        (IndexKind::Global, true, None) => {
            return Err(invalid(format!(
                "ProvisionedThroughput must be specified for index: {name}"
            )));
        }
        (IndexKind::Global, true, Some(pt)) => Some((
            pt.read_capacity_units.unwrap_or(1).max(1) as u64,
            pt.write_capacity_units.unwrap_or(1).max(1) as u64,
        )),
        (IndexKind::Global, false, Some(_)) => {
            return Err(invalid(format!(
                "ProvisionedThroughput should not be specified for index: {name} when \
                 BillingMode is PAY_PER_REQUEST"
            )));
        }
        (IndexKind::Global, false, None) => None,
    };
    let attribute = |key: &str| defined(key).cloned().expect("checked above");
    Ok(IndexMeta {
        id: 0,
        key_schema: KeySchema {
            partition: attribute(keys[0]),
            sort: keys.get(1).map(|k| attribute(k)),
        },
        name,
        projection,
        provisioned,
        active_at: 0.0,
    })
}

fn projection(spec: &SecondaryIndex) -> Result<Projection> {
    let projection = spec.projection.clone().unwrap_or_default();
    let Some(projection_type) = projection.projection_type.as_deref() else {
        return Err(invalid("Unknown ProjectionType: null"));
    };
    match (projection_type, projection.non_key_attributes) {
        ("INCLUDE", Some(names)) => {
            for (i, name) in names.iter().enumerate() {
                if names[..i].contains(name) {
                    return Err(DynamoError::validation(
                        "Cannot have two attributes with the same name",
                    ));
                }
            }
            Ok(Projection::Include(names))
        }
        ("INCLUDE", None) => Err(invalid(
            "ProjectionType is INCLUDE, but NonKeyAttributes is not specified",
        )),
        (other, Some(_)) => Err(invalid(format!(
            "ProjectionType is {other}, but NonKeyAttributes is specified"
        ))),
        ("ALL", None) => Ok(Projection::All),
        (_, None) => Ok(Projection::KeysOnly),
    }
}

/// The table's and its indexes' key attributes must be exactly the attribute definitions:
/// with indexes, an unused definition is reported with the keys that are used.
pub fn check_definitions_used(
    definitions: &[KeyAttribute],
    table_keys: &KeySchema,
    indexes: &[&IndexMeta],
) -> Result<()> {
    let mut used: Vec<&str> = Vec::new();
    let schemas = std::iter::once(table_keys).chain(indexes.iter().map(|i| &i.key_schema));
    for schema in schemas {
        for key in std::iter::once(&schema.partition).chain(&schema.sort) {
            if !used.contains(&key.name.as_str()) {
                used.push(&key.name);
            }
        }
    }
    if definitions.len() > used.len() {
        let defined: Vec<&str> = definitions.iter().map(|d| d.name.as_str()).collect();
        return Err(invalid(format!(
            "Some AttributeDefinitions are not used. AttributeDefinitions: [{}], keys used: [{}]",
            defined.join(", "),
            used.join(", ")
        )));
    }
    let projected: usize = indexes
        .iter()
        .map(|i| match &i.projection {
            Projection::Include(names) => names.len(),
            _ => 0,
        })
        .sum();
    if projected > MAX_PROJECTED_ATTRIBUTES {
        return Err(invalid(format!(
            "Number of projected attributes in all indexes exceeds limit of \
             {MAX_PROJECTED_ATTRIBUTES}"
        )));
    }
    Ok(())
}

fn invalid(detail: impl std::fmt::Display) -> DynamoError {
    DynamoError::validation(format!(
        "One or more parameter values were invalid: {detail}"
    ))
}
