//! CreateTable.
//!
//! ```text
//! {"TableName": "features", "BillingMode": "PAY_PER_REQUEST",
//!  "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
//!  "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}]}
//! → {"TableDescription": {..., "TableStatus": "CREATING", ...}}
//! ```
//!
//! Validation runs in the service's order: the member constraints first, all reported
//! together ("2 validation errors detected: ...; ..."), then the members this emulator does
//! not implement yet ([`reject_unimplemented`]), then billing, key schema, tags and table
//! class, each with the service's text. Only then is the name checked, inside the write, so
//! that two racing CreateTables of one name leave exactly one table.
//!
//! The answer always says CREATING, as the service's does; DescribeTable reports ACTIVE from
//! `--table-activation-delay-ms` after creation (at once by default).
//!
//! This file also holds the constraint-message helpers the other control-plane operations
//! share ([`Violations`], [`check_table_name`], [`required_table_name`]).

use super::describe_table::{Counts, DescriptionKind, description};
use super::tag_resource::{MAX_TAGS, validate_tags};
use crate::dynamodb::DynamoDb;
use crate::dynamodb::catalog::{
    self, BillingMode, IndexKind, IndexMeta, KeyAttribute, KeySchema, ProvisionedThroughput,
    ScalarType, TableMeta, TableStatus,
};
use crate::dynamodb::error::{DynamoError, ErrorCode, Result};
use crate::dynamodb::index::definition::{self, TableContext};
use crate::dynamodb::streams::{self, StreamChange, StreamViewType};
use crate::dynamodb::types::table::{
    AttributeDefinition, CreateTableInput, CreateTableOutput, KeySchemaElement, StreamSpecification,
};
use crate::storage::tables::dynamodb_items;

/// The table classes UpdateTable and CreateTable accept.
pub(crate) const TABLE_CLASSES: [&str; 2] = ["STANDARD", "STANDARD_INFREQUENT_ACCESS"];

/// WarmThroughput of an on-demand table: the service's initial on-demand throughput.
pub(crate) const ON_DEMAND_WARM_THROUGHPUT: (u64, u64) = (12000, 4000);

pub async fn create_table(
    db: &DynamoDb,
    region: &str,
    input: CreateTableInput,
) -> Result<CreateTableOutput> {
    let spec = validate(input)?;
    let now = now_millis();
    let (billing_mode, provisioned) = match spec.throughput {
        Some((read, write)) => (
            BillingMode::Provisioned,
            Some(ProvisionedThroughput {
                read_capacity_units: read,
                write_capacity_units: write,
                last_increase: None,
                last_decrease: None,
                decreases_today: 0,
            }),
        ),
        None => (BillingMode::PayPerRequest, None),
    };
    let meta = TableMeta {
        id: 0, // allocated inside the write
        region: region.to_owned(),
        arn: db.table_arn(region, &spec.name),
        name: spec.name,
        table_id: uuid::Uuid::new_v4().to_string(),
        key_schema: spec.key_schema,
        attribute_definitions: spec.attribute_definitions,
        billing_mode,
        warm_throughput: spec.throughput.unwrap_or(ON_DEMAND_WARM_THROUGHPUT),
        provisioned,
        created_at: now,
        active_at: now + db.activation_delay.as_secs_f64(),
        billing_mode_updated_at: (billing_mode == BillingMode::PayPerRequest).then_some(now),
        deletion_protection: spec.deletion_protection,
        table_class: spec.table_class,
        tags: spec.tags,
        table_class_updated_at: None,
        write_generation: 0,
        global_indexes: spec.global_indexes,
        local_indexes: spec.local_indexes,
        time_to_live: None,
        stream: None,
    };
    let stream = spec.stream;
    let meta = db
        .store
        .write(move |txn| -> Result<TableMeta> {
            let mut meta = meta;
            if let Some(existing) = catalog::stored_meta(txn, &meta.region, &meta.name)? {
                return Err(if existing.status() == TableStatus::Creating {
                    being_created(&meta.name)
                } else {
                    DynamoError::new(
                        ErrorCode::ResourceInUseException,
                        format!("Table already exists: {}", meta.name),
                    )
                });
            }
            // All checks are made; the writes follow.
            meta.id = catalog::next_table_id(txn)?;
            txn.create_table(dynamodb_items(&meta.items_table_name()))?;
            let active_at = meta.active_at;
            for index in meta
                .global_indexes
                .iter_mut()
                .chain(&mut meta.local_indexes)
            {
                index.id = catalog::next_table_id(txn)?;
                index.active_at = active_at;
                txn.create_table(dynamodb_items(&index.entries_table_name()))?;
            }
            if let Some(view_type) = stream {
                meta.stream = Some(streams::open(txn, &meta, view_type, meta.created_at)?);
            }
            catalog::store_meta(txn, &meta)?;
            Ok(meta)
        })
        .await??;
    db.catalog.refresh(&db.store, region, &meta.name)?;
    Ok(CreateTableOutput {
        table_description: description(
            &meta,
            TableStatus::Creating.as_str(),
            Counts::default(),
            DescriptionKind::CreateResponse,
        ),
    })
}

/// The ResourceInUseException for a change to a table that is still CREATING.
pub(crate) fn being_created(name: &str) -> DynamoError {
    DynamoError::new(
        ErrorCode::ResourceInUseException,
        format!(
            "Attempt to change a resource which is still in use: Table is being created: {name}"
        ),
    )
}

/// Now, in epoch seconds truncated to the millisecond the service reports. Never rounded
/// up: a table's `active_at` is derived from it, and a moment in the future made a table
/// created without an activation delay read as CREATING (ResourceNotFoundException) for up
/// to half a millisecond.
pub(crate) fn now_millis() -> f64 {
    (catalog::now_epoch_seconds() * 1000.0).floor() / 1000.0
}

/// A validated CreateTable request.
#[derive(Debug, Clone, PartialEq)]
struct NewTable {
    name: String,
    key_schema: KeySchema,
    attribute_definitions: Vec<KeyAttribute>,
    /// Read and write capacity units; `None` for PAY_PER_REQUEST.
    throughput: Option<(u64, u64)>,
    tags: Vec<(String, String)>,
    table_class: Option<String>,
    deletion_protection: bool,
    global_indexes: Vec<IndexMeta>,
    local_indexes: Vec<IndexMeta>,
    /// The view type of the stream to open with the table.
    stream: Option<StreamViewType>,
}

fn validate(input: CreateTableInput) -> Result<NewTable> {
    let name = required_table_name(input.table_name.clone())?;

    let mut v = Violations::new();
    check_attribute_definitions(input.attribute_definitions.as_deref(), &mut v);
    check_table_name(&name, "tableName", &mut v);
    check_billing_mode(input.billing_mode.as_deref(), &mut v);
    if let Some(pt) = &input.provisioned_throughput {
        check_capacity(
            pt.write_capacity_units,
            "provisionedThroughput.writeCapacityUnits",
            &mut v,
        );
        check_capacity(
            pt.read_capacity_units,
            "provisionedThroughput.readCapacityUnits",
            &mut v,
        );
    }
    check_key_schema(input.key_schema.as_deref(), &mut v);
    definition::check_members(
        input.local_secondary_indexes.as_deref(),
        "localSecondaryIndexes",
        &mut v,
    );
    definition::check_members(
        input.global_secondary_indexes.as_deref(),
        "globalSecondaryIndexes",
        &mut v,
    );
    let stream_view_type = input
        .stream_specification
        .as_ref()
        .and_then(|stream| check_stream_members(stream, &mut v));
    v.into_result()?;

    reject_unimplemented(&input)?;
    let stream = match &input.stream_specification {
        Some(spec) => match streams::check_specification(
            spec.stream_enabled.unwrap_or(false),
            stream_view_type,
            true,
        )? {
            StreamChange::Enable(view_type) => Some(view_type),
            StreamChange::Disable => None,
        },
        None => None,
    };

    // Constraint checks passed, so the required members are present and well-formed.
    let definitions = input.attribute_definitions.unwrap_or_default();
    let key_schema = input.key_schema.unwrap_or_default();

    let pay_per_request = input.billing_mode.as_deref() == Some("PAY_PER_REQUEST");
    let throughput = match (pay_per_request, input.provisioned_throughput) {
        (true, Some(_)) => {
            return Err(DynamoError::validation(
                "One or more parameter values were invalid: Neither ReadCapacityUnits nor \
                 WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST",
            ));
        }
        (true, None) => None,
        (false, None) => {
            return Err(DynamoError::validation(
                "One or more parameter values were invalid: ReadCapacityUnits and \
                 WriteCapacityUnits must both be specified when BillingMode is PROVISIONED",
            ));
        }
        (false, Some(pt)) => Some((
            capacity_units(pt.read_capacity_units),
            capacity_units(pt.write_capacity_units),
        )),
    };

    let has_indexes =
        input.local_secondary_indexes.is_some() || input.global_secondary_indexes.is_some();
    let (key_schema, attribute_definitions) = check_keys(&key_schema, &definitions, has_indexes)?;
    let context = TableContext {
        key_schema: &key_schema,
        definitions: &attribute_definitions,
        provisioned: throughput.is_some(),
    };
    let mut index_names = Vec::new();
    let local_indexes = match &input.local_secondary_indexes {
        Some(specs) => definition::build(IndexKind::Local, specs, &context, &mut index_names)?,
        None => Vec::new(),
    };
    let global_indexes = match &input.global_secondary_indexes {
        Some(specs) => definition::build(IndexKind::Global, specs, &context, &mut index_names)?,
        None => Vec::new(),
    };
    let all_indexes: Vec<&IndexMeta> = local_indexes.iter().chain(&global_indexes).collect();
    definition::check_definitions_used(&attribute_definitions, &key_schema, &all_indexes)?;

    let tags = input.tags.unwrap_or_default();
    let tags = validate_tags(&tags)?;
    if tags.len() > MAX_TAGS {
        return Err(super::tag_resource::too_many_tags());
    }

    if let Some(class) = &input.table_class {
        check_table_class(class)?;
    }

    Ok(NewTable {
        name,
        key_schema,
        attribute_definitions,
        throughput,
        tags,
        table_class: input.table_class,
        deletion_protection: input.deletion_protection_enabled.unwrap_or(false),
        global_indexes,
        local_indexes,
        stream,
    })
}

/// The member constraints of a StreamSpecification (CreateTable and UpdateTable): a
/// present `StreamEnabled`, a known `StreamViewType`. Returns the view type if it is one.
pub(crate) fn check_stream_members(
    spec: &StreamSpecification,
    v: &mut Violations,
) -> Option<StreamViewType> {
    if spec.stream_enabled.is_none() {
        v.null("streamSpecification.streamEnabled");
    }
    let value = spec.stream_view_type.as_deref()?;
    let view_type = StreamViewType::from_wire(value);
    if view_type.is_none() {
        v.push(
            value,
            "streamSpecification.streamViewType",
            &format!(
                "Member must satisfy enum value set: {}",
                StreamViewType::ENUM_SET
            ),
        );
    }
    view_type
}

/// A capacity that passed [`check_capacity`] (present and at least 1).
fn capacity_units(value: Option<i64>) -> u64 {
    value.and_then(|v| u64::try_from(v).ok()).unwrap_or(1)
}

/// The one place that lists what CreateTable accepts on the wire but this emulator does not
/// implement yet. Each is refused with a ValidationException naming it, never ignored; the
/// work that implements a member removes it from here.
fn reject_unimplemented(input: &CreateTableInput) -> Result<()> {
    let mut present = Vec::new();
    if let Some(sse) = &input.sse_specification
        && (sse.enabled == Some(true) || sse.sse_type.is_some() || sse.kms_master_key_id.is_some())
    {
        present.push("SSESpecification");
    }
    if input.on_demand_throughput.is_some() {
        present.push("OnDemandThroughput");
    }
    if input.warm_throughput.is_some() {
        present.push("WarmThroughput");
    }
    if input.resource_policy.is_some() {
        present.push("ResourcePolicy");
    }
    if let Some(member) = present.first() {
        return Err(not_supported_yet(member));
    }
    Ok(())
}

/// The answer to a request member the emulator does not implement yet.
pub(crate) fn not_supported_yet(member: &str) -> DynamoError {
    DynamoError::validation(format!(
        "{member} is not supported by this emulator yet (Drydock): send the request without it"
    ))
}

fn check_attribute_definitions(definitions: Option<&[AttributeDefinition]>, v: &mut Violations) {
    let Some(definitions) = definitions else {
        v.null("attributeDefinitions");
        return;
    };
    for (i, d) in definitions.iter().enumerate() {
        let member = format!("attributeDefinitions.{}.member", i + 1);
        check_attribute_name(d.attribute_name.as_deref(), &member, v);
        match d.attribute_type.as_deref() {
            None => v.null(&format!("{member}.attributeType")),
            Some("S" | "N" | "B") => {}
            Some(other) => v.push(
                other,
                &format!("{member}.attributeType"),
                "Member must satisfy enum value set: [B, N, S]",
            ),
        }
    }
}

fn check_attribute_name(name: Option<&str>, member: &str, v: &mut Violations) {
    let member = format!("{member}.attributeName");
    match name {
        None => v.null(&member),
        Some(n) if n.is_empty() => {
            v.push(
                n,
                &member,
                "Member must have length greater than or equal to 1",
            );
        }
        Some(n) if n.len() > 255 => {
            v.push(
                n,
                &member,
                "Member must have length less than or equal to 255",
            );
        }
        Some(_) => {}
    }
}

fn check_billing_mode(mode: Option<&str>, v: &mut Violations) {
    if let Some(mode) = mode
        && mode != "PROVISIONED"
        && mode != "PAY_PER_REQUEST"
    {
        v.push(
            mode,
            "billingMode",
            "Member must satisfy enum value set: [PROVISIONED, PAY_PER_REQUEST]",
        );
    }
}

/// A ReadCapacityUnits or WriteCapacityUnits member: required, at least 1.
pub(crate) fn check_capacity(value: Option<i64>, member: &str, v: &mut Violations) {
    match value {
        None => v.null(member),
        Some(units) if units < 1 => {
            v.push(
                units,
                member,
                "Member must have value greater than or equal to 1",
            );
        }
        Some(_) => {}
    }
}

fn check_key_schema(key_schema: Option<&[KeySchemaElement]>, v: &mut Violations) {
    let Some(elements) = key_schema else {
        v.null("keySchema");
        return;
    };
    if elements.is_empty() {
        v.push(
            "[]",
            "keySchema",
            "Member must have length greater than or equal to 1",
        );
    } else if elements.len() > 2 {
        v.push(
            java_list(elements),
            "keySchema",
            "Member must have length less than or equal to 2",
        );
    }
    for (i, e) in elements.iter().enumerate() {
        let member = format!("keySchema.{}.member", i + 1);
        check_attribute_name(e.attribute_name.as_deref(), &member, v);
        match e.key_type.as_deref() {
            None => v.null(&format!("{member}.keyType")),
            Some("HASH" | "RANGE") => {}
            Some(other) => v.push(
                other,
                &format!("{member}.keyType"),
                "Member must satisfy enum value set: [HASH, RANGE]",
            ),
        }
    }
}

/// How the service prints a KeySchema list in a constraint message.
pub(crate) fn java_list(elements: &[KeySchemaElement]) -> String {
    let items: Vec<String> = elements
        .iter()
        .map(|e| {
            format!(
                "KeySchemaElement(attributeName={}, keyType={})",
                e.attribute_name.as_deref().unwrap_or("null"),
                e.key_type.as_deref().unwrap_or("null")
            )
        })
        .collect();
    format!("[{}]", items.join(", "))
}

/// The key schema against the attribute definitions, in the order the service checks them.
/// Both lists passed the member constraints (names present, types valid, 1 or 2 keys).
/// With indexes, the definitions of index keys are checked with the indexes
/// (`index::definition`), so the count check is left to them.
fn check_keys(
    key_schema: &[KeySchemaElement],
    definitions: &[AttributeDefinition],
    has_indexes: bool,
) -> Result<(KeySchema, Vec<KeyAttribute>)> {
    let keys: Vec<&str> = key_schema
        .iter()
        .map(|e| e.attribute_name.as_deref().unwrap_or_default())
        .collect();
    let defined: Vec<&str> = definitions
        .iter()
        .map(|d| d.attribute_name.as_deref().unwrap_or_default())
        .collect();
    if keys.len() > defined.len() {
        return Err(DynamoError::validation(
            "Invalid KeySchema: Some index key attribute have no definition",
        ));
    }
    check_key_elements(key_schema, &defined)?;
    for (i, name) in defined.iter().enumerate() {
        if defined[..i].contains(name) {
            return Err(DynamoError::validation(format!(
                "Attribute Name is duplicated: {name}"
            )));
        }
    }
    if !has_indexes && keys.len() != defined.len() {
        return Err(DynamoError::validation(
            "One or more parameter values were invalid: Number of attributes in KeySchema does \
             not exactly match number of attributes defined in AttributeDefinitions",
        ));
    }

    let attribute_definitions: Vec<KeyAttribute> = definitions
        .iter()
        .map(|d| KeyAttribute {
            name: d.attribute_name.clone().unwrap_or_default(),
            attribute_type: match d.attribute_type.as_deref() {
                Some("N") => ScalarType::N,
                Some("B") => ScalarType::B,
                _ => ScalarType::S,
            },
        })
        .collect();
    let key = |name: &str| {
        attribute_definitions
            .iter()
            .find(|a| a.name == name)
            .cloned()
            .expect("every key attribute is defined")
    };
    let schema = KeySchema {
        partition: key(keys[0]),
        sort: keys.get(1).map(|k| key(k)),
    };
    Ok((schema, attribute_definitions))
}

/// The checks a table's and an index's key schema share, in the service's order: every key
/// attribute defined, two distinct names, HASH then RANGE. `elements` passed the member
/// constraints (1 or 2 elements, names present).
pub(crate) fn check_key_elements(elements: &[KeySchemaElement], defined: &[&str]) -> Result<()> {
    let keys: Vec<&str> = elements
        .iter()
        .map(|e| e.attribute_name.as_deref().unwrap_or_default())
        .collect();
    if keys.iter().any(|k| !defined.contains(k)) {
        return Err(DynamoError::validation(format!(
            "One or more parameter values were invalid: Some index key attributes are not \
             defined in AttributeDefinitions. Keys: [{}], AttributeDefinitions: [{}]",
            keys.join(", "),
            defined.join(", ")
        )));
    }
    if keys.len() == 2 && keys[0] == keys[1] {
        return Err(DynamoError::validation(
            "Both the Hash Key and the Range Key element in the KeySchema have the same name",
        ));
    }
    if elements[0].key_type.as_deref() != Some("HASH") {
        return Err(DynamoError::validation(
            "Invalid KeySchema: The first KeySchemaElement is not a HASH key type",
        ));
    }
    if elements.len() == 2 && elements[1].key_type.as_deref() != Some("RANGE") {
        return Err(DynamoError::validation(
            "Invalid KeySchema: The second KeySchemaElement is not a RANGE key type",
        ));
    }
    Ok(())
}

pub(crate) fn check_table_class(class: &str) -> Result<()> {
    if TABLE_CLASSES.contains(&class) {
        Ok(())
    } else {
        Err(DynamoError::validation(
            "Invalid table-class parameter provided. Please try again with a valid table-class \
             value: [STANDARD, STANDARD_INFREQUENT_ACCESS].",
        ))
    }
}

// ---------------------------------------------------------------------------------------
// Constraint messages shared by the control-plane operations

/// Member constraint violations (`Value 'x' at 'member' failed to satisfy constraint: ...`),
/// reported together as the service does: "2 validation errors detected: a; b".
#[derive(Debug, Default)]
pub(crate) struct Violations(Vec<String>);

impl Violations {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    pub(crate) fn push(&mut self, value: impl std::fmt::Display, member: &str, constraint: &str) {
        self.0.push(format!(
            "Value '{value}' at '{member}' failed to satisfy constraint: {constraint}"
        ));
    }

    /// A required member that is missing.
    pub(crate) fn null(&mut self, member: &str) {
        self.0.push(format!(
            "Value null at '{member}' failed to satisfy constraint: Member must not be null"
        ));
    }

    /// The error for one missing required member.
    pub(crate) fn missing(member: &str) -> DynamoError {
        let mut v = Self::new();
        v.null(member);
        v.into_result().expect_err("one violation")
    }

    pub(crate) fn into_result(self) -> Result<()> {
        match self.0.len() {
            0 => Ok(()),
            n => Err(DynamoError::validation(format!(
                "{n} validation error{} detected: {}",
                if n == 1 { "" } else { "s" },
                self.0.join("; ")
            ))),
        }
    }
}

/// The `TableName` member of the control-plane operations, which the service requires
/// before it checks anything else.
pub(crate) fn required_table_name(name: Option<String>) -> Result<String> {
    name.ok_or_else(|| {
        DynamoError::validation(
            "The parameter 'TableName' is required but was not present in the request",
        )
    })
}

/// A table name: 3 to 255 characters of `[a-zA-Z0-9_.-]`.
pub(crate) fn check_table_name(name: &str, member: &str, v: &mut Violations) {
    let valid_chars = !name.is_empty()
        && name
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.'));
    if !valid_chars {
        v.push(
            name,
            member,
            "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
        );
    }
    if name.len() < 3 {
        v.push(
            name,
            member,
            "Member must have length greater than or equal to 3",
        );
    } else if name.len() > 255 {
        v.push(
            name,
            member,
            "Member must have length less than or equal to 255",
        );
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use serde_json::json;

    use super::*;
    use crate::config::Config;
    use crate::dynamodb::catalog::Projection;
    use crate::dynamodb::ops::describe_table::describe_table;
    use crate::dynamodb::types::table::DescribeTableInput;
    use crate::storage::Store;

    #[test]
    fn the_reported_time_never_lies_in_the_future() {
        for _ in 0..10_000 {
            let reported = now_millis();
            assert!(reported <= catalog::now_epoch_seconds());
        }
    }

    pub(crate) fn db() -> DynamoDb {
        DynamoDb::open(
            Arc::new(Store::in_memory().expect("in-memory store")),
            &Config::ephemeral(),
        )
        .expect("open")
    }

    fn input(body: serde_json::Value) -> CreateTableInput {
        serde_json::from_value(body).expect("a CreateTableInput")
    }

    fn simple(name: &str) -> CreateTableInput {
        input(json!({
            "TableName": name,
            "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        }))
    }

    fn error_of(body: serde_json::Value) -> String {
        let e = validate(input(body)).expect_err("invalid");
        assert_eq!(e.code, ErrorCode::ValidationException);
        e.message
    }

    fn with(mut base: serde_json::Value, key: &str, value: serde_json::Value) -> serde_json::Value {
        base[key] = value;
        base
    }

    fn base() -> serde_json::Value {
        json!({
            "TableName": "features",
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5},
        })
    }

    #[test]
    fn table_name_is_required_before_anything_else() {
        assert_eq!(
            error_of(json!({})),
            "The parameter 'TableName' is required but was not present in the request"
        );
    }

    #[test]
    fn short_and_ill_formed_names_are_counted_violations() {
        assert_eq!(
            error_of(with(base(), "TableName", json!("ab"))),
            "1 validation error detected: Value 'ab' at 'tableName' failed to satisfy \
             constraint: Member must have length greater than or equal to 3"
        );
        assert_eq!(
            error_of(with(base(), "TableName", json!("a$"))),
            "2 validation errors detected: Value 'a$' at 'tableName' failed to satisfy \
             constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+; \
             Value 'a$' at 'tableName' failed to satisfy constraint: Member must have length \
             greater than or equal to 3"
        );
        let long = "a".repeat(256);
        assert!(
            error_of(with(base(), "TableName", json!(long)))
                .ends_with("Member must have length less than or equal to 255")
        );
    }

    #[test]
    fn capacity_violations_name_write_before_read() {
        assert_eq!(
            error_of(with(
                base(),
                "ProvisionedThroughput",
                json!({"ReadCapacityUnits": 0, "WriteCapacityUnits": 0})
            )),
            "2 validation errors detected: Value '0' at 'provisionedThroughput.writeCapacityUnits' \
             failed to satisfy constraint: Member must have value greater than or equal to 1; \
             Value '0' at 'provisionedThroughput.readCapacityUnits' failed to satisfy \
             constraint: Member must have value greater than or equal to 1"
        );
        assert_eq!(
            error_of(with(
                base(),
                "ProvisionedThroughput",
                json!({"ReadCapacityUnits": 4})
            )),
            "1 validation error detected: Value null at 'provisionedThroughput.writeCapacityUnits' \
             failed to satisfy constraint: Member must not be null"
        );
    }

    #[test]
    fn key_schema_and_definitions_constraints() {
        let mut body = base();
        body.as_object_mut().unwrap().remove("KeySchema");
        assert_eq!(
            error_of(body),
            "1 validation error detected: Value null at 'keySchema' failed to satisfy \
             constraint: Member must not be null"
        );
        assert_eq!(
            error_of(with(base(), "KeySchema", json!([]))),
            "1 validation error detected: Value '[]' at 'keySchema' failed to satisfy \
             constraint: Member must have length greater than or equal to 1"
        );
        assert_eq!(
            error_of(with(
                base(),
                "KeySchema",
                json!([{"AttributeName": "pk", "KeyType": "INVALID"}])
            )),
            "1 validation error detected: Value 'INVALID' at 'keySchema.1.member.keyType' failed \
             to satisfy constraint: Member must satisfy enum value set: [HASH, RANGE]"
        );
        assert_eq!(
            error_of(with(
                base(),
                "AttributeDefinitions",
                json!([{"AttributeName": "pk", "AttributeType": "INVALID"}])
            )),
            "1 validation error detected: Value 'INVALID' at \
             'attributeDefinitions.1.member.attributeType' failed to satisfy constraint: Member \
             must satisfy enum value set: [B, N, S]"
        );
        let three = json!([
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
            {"AttributeName": "extra", "KeyType": "RANGE"},
        ]);
        assert_eq!(
            error_of(with(base(), "KeySchema", three)),
            "1 validation error detected: Value '[KeySchemaElement(attributeName=pk, \
             keyType=HASH), KeySchemaElement(attributeName=sk, keyType=RANGE), \
             KeySchemaElement(attributeName=extra, keyType=RANGE)]' at 'keySchema' failed to \
             satisfy constraint: Member must have length less than or equal to 2"
        );
        assert_eq!(
            error_of(with(base(), "BillingMode", json!("BAD"))),
            "1 validation error detected: Value 'BAD' at 'billingMode' failed to satisfy \
             constraint: Member must satisfy enum value set: [PROVISIONED, PAY_PER_REQUEST]"
        );
    }

    #[test]
    fn billing_mode_and_throughput_must_agree() {
        assert_eq!(
            error_of(with(base(), "BillingMode", json!("PAY_PER_REQUEST"))),
            "One or more parameter values were invalid: Neither ReadCapacityUnits nor \
             WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST"
        );
        let mut body = base();
        body.as_object_mut()
            .unwrap()
            .remove("ProvisionedThroughput");
        assert_eq!(
            error_of(body.clone()),
            "One or more parameter values were invalid: ReadCapacityUnits and \
             WriteCapacityUnits must both be specified when BillingMode is PROVISIONED"
        );
        assert_eq!(
            error_of(with(body, "BillingMode", json!("PROVISIONED"))),
            "One or more parameter values were invalid: ReadCapacityUnits and \
             WriteCapacityUnits must both be specified when BillingMode is PROVISIONED"
        );
    }

    #[test]
    fn key_schema_must_match_the_definitions() {
        let defs = |names: &[&str]| {
            json!(
                names
                    .iter()
                    .map(|n| json!({"AttributeName": n, "AttributeType": "S"}))
                    .collect::<Vec<_>>()
            )
        };
        let keys = |pairs: &[(&str, &str)]| {
            json!(
                pairs
                    .iter()
                    .map(|(n, t)| json!({"AttributeName": n, "KeyType": t}))
                    .collect::<Vec<_>>()
            )
        };
        let case = |d: serde_json::Value, k: serde_json::Value| {
            error_of(with(
                with(base(), "AttributeDefinitions", d),
                "KeySchema",
                k,
            ))
        };
        assert_eq!(
            case(defs(&["pk"]), keys(&[("pk", "HASH"), ("pk", "RANGE")])),
            "Invalid KeySchema: Some index key attribute have no definition"
        );
        assert_eq!(
            case(defs(&[]), keys(&[("pk", "HASH")])),
            "Invalid KeySchema: Some index key attribute have no definition"
        );
        assert_eq!(
            case(defs(&["other"]), keys(&[("pk", "HASH")])),
            "One or more parameter values were invalid: Some index key attributes are not \
             defined in AttributeDefinitions. Keys: [pk], AttributeDefinitions: [other]"
        );
        assert_eq!(
            case(
                defs(&["pk", "pk"]),
                keys(&[("pk", "HASH"), ("pk", "RANGE")])
            ),
            "Both the Hash Key and the Range Key element in the KeySchema have the same name"
        );
        assert_eq!(
            case(
                defs(&["pk", "sk"]),
                keys(&[("sk", "RANGE"), ("pk", "HASH")])
            ),
            "Invalid KeySchema: The first KeySchemaElement is not a HASH key type"
        );
        assert_eq!(
            case(defs(&["pk", "sk"]), keys(&[("pk", "HASH"), ("sk", "HASH")])),
            "Invalid KeySchema: The second KeySchemaElement is not a RANGE key type"
        );
        assert_eq!(
            case(defs(&["pk", "pk"]), keys(&[("pk", "HASH")])),
            "Attribute Name is duplicated: pk"
        );
        assert_eq!(
            case(defs(&["pk", "unused"]), keys(&[("pk", "HASH")])),
            "One or more parameter values were invalid: Number of attributes in KeySchema does \
             not exactly match number of attributes defined in AttributeDefinitions"
        );
    }

    #[test]
    fn definitions_keep_their_order_and_types() {
        let spec = validate(input(json!({
            "TableName": "t-1.x_y",
            "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [
                {"AttributeName": "sk", "AttributeType": "N"},
                {"AttributeName": "pk", "AttributeType": "B"},
            ],
            "KeySchema": [
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
        })))
        .expect("valid");
        assert_eq!(spec.key_schema.partition.name, "pk");
        assert_eq!(spec.key_schema.partition.attribute_type, ScalarType::B);
        assert_eq!(
            spec.key_schema.sort.as_ref().map(|s| s.attribute_type),
            Some(ScalarType::N)
        );
        assert_eq!(spec.attribute_definitions[0].name, "sk");
        assert_eq!(spec.throughput, None);
    }

    fn with_indexes(over: serde_json::Value) -> serde_json::Value {
        let mut body = json!({
            "TableName": "tbl",
            "AttributeDefinitions": [
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
                {"AttributeName": "g", "AttributeType": "N"}
            ],
            "KeySchema": [
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"}
            ],
            "BillingMode": "PAY_PER_REQUEST"
        });
        for (k, v) in over.as_object().unwrap() {
            body[k] = v.clone();
        }
        body
    }

    fn gsi(over: serde_json::Value) -> serde_json::Value {
        let mut index = json!({
            "IndexName": "gsi1",
            "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "ALL"}
        });
        for (k, v) in over.as_object().unwrap() {
            index[k] = v.clone();
        }
        index
    }

    fn lsi(range: &str) -> serde_json::Value {
        json!({
            "IndexName": "lsi1",
            "KeySchema": [
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": range, "KeyType": "RANGE"}
            ],
            "Projection": {"ProjectionType": "KEYS_ONLY"}
        })
    }

    #[test]
    fn index_definitions_are_checked_with_the_service_texts() {
        let invalid = "One or more parameter values were invalid: ";
        let cases = [
            (
                json!({"GlobalSecondaryIndexes": []}),
                format!("{invalid}List of GlobalSecondaryIndexes is empty"),
            ),
            (
                json!({"LocalSecondaryIndexes": []}),
                format!("{invalid}List of LocalSecondaryIndexes is empty"),
            ),
            (
                json!({"GlobalSecondaryIndexes": [gsi(json!({"KeySchema":
                    [{"AttributeName": "zz", "KeyType": "HASH"}]}))]}),
                format!(
                    "{invalid}Some index key attributes are not defined in AttributeDefinitions. \
                     Keys: [zz], AttributeDefinitions: [pk, sk, g]"
                ),
            ),
            (
                json!({"GlobalSecondaryIndexes": [gsi(json!({"KeySchema":
                    [{"AttributeName": "g", "KeyType": "RANGE"}]}))]}),
                "Invalid KeySchema: The first KeySchemaElement is not a HASH key type".to_owned(),
            ),
            (
                json!({"GlobalSecondaryIndexes": [gsi(json!({"Projection": {}}))]}),
                format!("{invalid}Unknown ProjectionType: null"),
            ),
            (
                json!({"GlobalSecondaryIndexes": [gsi(json!({"Projection":
                    {"ProjectionType": "ALL", "NonKeyAttributes": ["a"]}}))]}),
                format!("{invalid}ProjectionType is ALL, but NonKeyAttributes is specified"),
            ),
            (
                json!({"GlobalSecondaryIndexes": [gsi(json!({"Projection":
                    {"ProjectionType": "INCLUDE"}}))]}),
                format!(
                    "{invalid}ProjectionType is INCLUDE, but NonKeyAttributes is not specified"
                ),
            ),
            (
                json!({"GlobalSecondaryIndexes": [gsi(json!({})), gsi(json!({}))]}),
                format!("{invalid}Duplicate index name: gsi1"),
            ),
            (
                json!({"GlobalSecondaryIndexes": [gsi(json!({"ProvisionedThroughput":
                    {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}}))]}),
                format!(
                    "{invalid}ProvisionedThroughput should not be specified for index: gsi1 \
                     when BillingMode is PAY_PER_REQUEST"
                ),
            ),
            (
                json!({"BillingMode": "PROVISIONED",
                    "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1},
                    "GlobalSecondaryIndexes": [gsi(json!({}))]}),
                format!("{invalid}ProvisionedThroughput must be specified for index: gsi1"),
            ),
            (
                json!({"LocalSecondaryIndexes": [lsi("g")], "GlobalSecondaryIndexes":
                    [gsi(json!({"IndexName": "lsi1"}))]}),
                format!("{invalid}Duplicate index name: lsi1"),
            ),
            (
                json!({"LocalSecondaryIndexes": [json!({"IndexName": "lsi1", "KeySchema":
                    [{"AttributeName": "g", "KeyType": "HASH"},
                     {"AttributeName": "sk", "KeyType": "RANGE"}],
                    "Projection": {"ProjectionType": "ALL"}})]}),
                format!(
                    "{invalid}Index KeySchema does not have the same leading hash key as table \
                     KeySchema for index: lsi1. index hash key: g, table hash key: pk"
                ),
            ),
            (
                json!({"LocalSecondaryIndexes": [json!({"IndexName": "lsi1", "KeySchema":
                    [{"AttributeName": "pk", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "ALL"}})]}),
                format!("{invalid}Index KeySchema does not have a range key for index: lsi1"),
            ),
            (
                json!({"GlobalSecondaryIndexes": [gsi(json!({"KeySchema":
                    [{"AttributeName": "sk", "KeyType": "HASH"}]}))]}),
                format!(
                    "{invalid}Some AttributeDefinitions are not used. AttributeDefinitions: \
                     [pk, sk, g], keys used: [pk, sk]"
                ),
            ),
            (
                json!({"GlobalSecondaryIndexes": (0..21)
                    .map(|i| gsi(json!({"IndexName": format!("gsi{i:02}")})))
                    .collect::<Vec<_>>()}),
                format!("{invalid}GlobalSecondaryIndex count exceeds the per-table limit of 20"),
            ),
            (
                json!({"GlobalSecondaryIndexes": [gsi(json!({"IndexName": "ab"}))]}),
                "1 validation error detected: Value 'ab' at \
                 'globalSecondaryIndexes.1.member.indexName' failed to satisfy constraint: \
                 Member must have length greater than or equal to 3"
                    .to_owned(),
            ),
        ];
        for (over, expected) in cases {
            assert_eq!(error_of(with_indexes(over.clone())), expected, "{over}");
        }
        let hash_only = json!({
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "AttributeDefinitions": [
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "g", "AttributeType": "N"}
            ],
            "LocalSecondaryIndexes": [json!({"IndexName": "lsi1", "KeySchema":
                [{"AttributeName": "pk", "KeyType": "HASH"},
                 {"AttributeName": "g", "KeyType": "RANGE"}],
                "Projection": {"ProjectionType": "ALL"}})]
        });
        assert_eq!(
            error_of(with_indexes(hash_only)),
            format!(
                "{invalid}Table KeySchema does not have a range key, which is required when \
                 specifying a LocalSecondaryIndex"
            )
        );
    }

    #[test]
    fn valid_index_definitions_are_kept() {
        let spec = validate(input(with_indexes(json!({
            "LocalSecondaryIndexes": [lsi("g")],
            "GlobalSecondaryIndexes": [gsi(json!({"KeySchema": [
                {"AttributeName": "g", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"}
            ], "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["x", "y"]}}))]
        }))))
        .unwrap();
        assert_eq!(spec.local_indexes.len(), 1);
        assert_eq!(spec.local_indexes[0].projection, Projection::KeysOnly);
        assert_eq!(
            spec.local_indexes[0].key_schema.sort.as_ref().unwrap().name,
            "g"
        );
        let global = &spec.global_indexes[0];
        assert_eq!(global.name, "gsi1");
        assert_eq!(
            global.projection,
            Projection::Include(vec!["x".to_owned(), "y".to_owned()])
        );
        assert_eq!(global.key_schema.partition.attribute_type, ScalarType::N);
        assert_eq!(global.provisioned, None);
    }

    #[test]
    fn unimplemented_members_are_refused_by_name() {
        for member in ["OnDemandThroughput", "WarmThroughput"] {
            let message = error_of(with(base(), member, json!([])));
            assert!(message.starts_with(member), "{message}");
            assert!(message.contains("not supported"), "{message}");
        }
        let message = error_of(with(base(), "SSESpecification", json!({"Enabled": true})));
        assert!(message.starts_with("SSESpecification is not supported"));
        // The defaults they would describe are accepted.
        validate(input(with(
            with(
                base(),
                "StreamSpecification",
                json!({"StreamEnabled": false}),
            ),
            "SSESpecification",
            json!({"Enabled": false}),
        )))
        .expect("no stream and default encryption are what the emulator does");
    }

    #[test]
    fn stream_specifications_follow_the_services_rules() {
        let stream = |spec: serde_json::Value| with(base(), "StreamSpecification", spec);
        assert_eq!(
            validate(input(stream(
                json!({"StreamEnabled": true, "StreamViewType": "NEW_IMAGE"})
            )))
            .expect("valid")
            .stream,
            Some(StreamViewType::NewImage)
        );
        assert_eq!(
            error_of(stream(json!({"StreamEnabled": true}))),
            "One or more parameter values were invalid: Table is being created with a stream \
             enabled, UpdateViewType is required"
        );
        assert_eq!(
            error_of(stream(
                json!({"StreamEnabled": false, "StreamViewType": "KEYS_ONLY"})
            )),
            "One or more parameter values were invalid: Table is being created with a stream \
             disabled, UpdateViewType should not be specified"
        );
        assert_eq!(
            error_of(stream(json!({"StreamViewType": "KEYS"}))),
            "2 validation errors detected: Value null at 'streamSpecification.streamEnabled' \
             failed to satisfy constraint: Member must not be null; Value 'KEYS' at \
             'streamSpecification.streamViewType' failed to satisfy constraint: Member must \
             satisfy enum value set: [NEW_IMAGE, OLD_IMAGE, NEW_AND_OLD_IMAGES, KEYS_ONLY]"
        );
    }

    #[test]
    fn table_class_must_be_known() {
        assert_eq!(
            error_of(with(base(), "TableClass", json!("GLACIER"))),
            "Invalid table-class parameter provided. Please try again with a valid table-class \
             value: [STANDARD, STANDARD_INFREQUENT_ACCESS]."
        );
        let spec = validate(input(with(
            base(),
            "TableClass",
            json!("STANDARD_INFREQUENT_ACCESS"),
        )))
        .expect("valid");
        assert_eq!(
            spec.table_class.as_deref(),
            Some("STANDARD_INFREQUENT_ACCESS")
        );
    }

    #[test]
    fn tags_are_validated_on_create() {
        assert_eq!(
            error_of(with(
                base(),
                "Tags",
                json!([{"Key": "aws:x", "Value": "v"}])
            )),
            "Tag Key cannot be prefixed with aws:, Key: aws:x"
        );
        let many: Vec<_> = (0..51)
            .map(|i| json!({"Key": format!("k{i}"), "Value": "v"}))
            .collect();
        assert_eq!(
            error_of(with(base(), "Tags", json!(many))),
            "Number of Tags exceed the current limit for the provided ResourceArn"
        );
        validate(input(with(base(), "Tags", json!([])))).expect("an empty list is accepted");
    }

    #[tokio::test]
    async fn create_answers_creating_then_describe_says_active() {
        let db = db();
        let out = create_table(&db, "us-east-1", simple("features"))
            .await
            .expect("created");
        let t = out.table_description;
        assert_eq!(t.table_status, "CREATING");
        assert_eq!(
            t.table_arn,
            "arn:aws:dynamodb:us-east-1:000000000000:table/features"
        );
        assert_eq!(t.provisioned_throughput.read_capacity_units, 0);
        let summary = t.billing_mode_summary.expect("on-demand summary");
        assert_eq!(summary.billing_mode, "PAY_PER_REQUEST");
        assert_eq!(summary.last_update_to_pay_per_request_date_time, None);
        assert!(t.warm_throughput.is_none());

        let d = describe_table(
            &db,
            "us-east-1",
            DescribeTableInput {
                table_name: Some("features".into()),
            },
        )
        .await
        .expect("described")
        .table;
        assert_eq!(d.table_status, "ACTIVE");
        assert_eq!(d.table_id, t.table_id);
        assert_eq!(d.creation_date_time, t.creation_date_time);
        assert_eq!(
            d.billing_mode_summary
                .and_then(|s| s.last_update_to_pay_per_request_date_time),
            Some(t.creation_date_time)
        );
    }

    #[tokio::test]
    async fn a_second_create_of_one_name_is_resource_in_use() {
        let db = db();
        create_table(&db, "us-east-1", simple("features"))
            .await
            .expect("created");
        let e = create_table(&db, "us-east-1", simple("features"))
            .await
            .expect_err("exists");
        assert_eq!(e.code, ErrorCode::ResourceInUseException);
        assert_eq!(e.message, "Table already exists: features");
        // Another region is another namespace.
        create_table(&db, "eu-west-1", simple("features"))
            .await
            .expect("same name, other region");
        assert_eq!(db.catalog.names("eu-west-1"), ["features"]);
    }

    #[tokio::test]
    async fn racing_creates_of_one_name_leave_exactly_one_table() {
        let db = Arc::new(db());
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let db = Arc::clone(&db);
                tokio::spawn(async move { create_table(&db, "us-east-1", simple("race")).await })
            })
            .collect();
        let mut ok = 0;
        for task in tasks {
            match task.await.expect("task") {
                Ok(_) => ok += 1,
                Err(e) => assert_eq!(e.code, ErrorCode::ResourceInUseException),
            }
        }
        assert_eq!(ok, 1);
        assert_eq!(db.catalog.names("us-east-1"), ["race"]);
    }

    #[tokio::test]
    async fn a_create_during_creating_says_being_created() {
        let config = Config {
            table_activation_delay_ms: 60_000,
            ..Config::ephemeral()
        };
        let db =
            DynamoDb::open(Arc::new(Store::in_memory().expect("store")), &config).expect("open");
        assert_eq!(db.activation_delay, Duration::from_secs(60));
        create_table(&db, "us-east-1", simple("slow"))
            .await
            .expect("created");
        let e = create_table(&db, "us-east-1", simple("slow"))
            .await
            .expect_err("in use");
        assert_eq!(e.code, ErrorCode::ResourceInUseException);
        assert_eq!(
            e.message,
            "Attempt to change a resource which is still in use: Table is being created: slow"
        );
        let d = describe_table(
            &db,
            "us-east-1",
            DescribeTableInput {
                table_name: Some("slow".into()),
            },
        )
        .await
        .expect("described");
        assert_eq!(d.table.table_status, "CREATING");
    }

    #[tokio::test]
    async fn tables_survive_a_reopen_of_the_store() {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = Config::ephemeral_on_disk(dir.path());
        {
            let store = Arc::new(
                Store::open(dir.path(), crate::storage::Durability::Immediate).expect("store"),
            );
            let db = DynamoDb::open(Arc::clone(&store), &config).expect("open");
            create_table(&db, "us-east-1", simple("kept"))
                .await
                .expect("created");
            store.shutdown();
        }
        let store = Arc::new(
            Store::open(dir.path(), crate::storage::Durability::Immediate).expect("store"),
        );
        let db = DynamoDb::open(store, &config).expect("reopen");
        let meta = db.catalog.get("us-east-1", "kept").expect("reloaded");
        assert_eq!(meta.billing_mode, BillingMode::PayPerRequest);
        assert_eq!(meta.warm_throughput, ON_DEMAND_WARM_THROUGHPUT);
    }
}
