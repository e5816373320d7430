//! One file per Streams API operation.

pub mod describe_stream;
pub mod get_records;
pub mod get_shard_iterator;
pub mod list_streams;
