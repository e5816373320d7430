//! One file per Timestream operation.

#[cfg(feature = "timestream-query")]
pub mod cancel_query;
pub mod create_database;
pub mod create_table;
pub mod delete_database;
pub mod delete_table;
pub mod describe_account_settings;
pub mod describe_database;
pub mod describe_endpoints;
pub mod describe_table;
pub mod list_databases;
pub mod list_tables;
pub mod list_tags_for_resource;
#[cfg(feature = "timestream-query")]
pub mod prepare_query;
#[cfg(feature = "timestream-query")]
pub mod query;
pub mod tag_resource;
pub mod untag_resource;
pub mod update_database;
pub mod update_table;
pub mod write_records;

#[cfg(test)]
pub(crate) mod tests {
    use std::sync::Arc;

    use crate::config::Config;
    use crate::storage::Store;
    use crate::timestream::Timestream;

    pub(crate) const REGION: &str = "us-east-1";

    pub(crate) fn service() -> Timestream {
        Timestream::open(
            Arc::new(Store::in_memory().expect("in-memory store")),
            &Config::ephemeral(),
        )
        .expect("an empty store opens")
    }

    pub(crate) fn input<T: serde::de::DeserializeOwned>(body: serde_json::Value) -> T {
        serde_json::from_value(body).expect("a request")
    }
}
