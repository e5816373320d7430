//! `ClientRequestToken`s of committed write transactions, durable in redb
//! (`storage::tables`: `dynamodb_transaction_tokens`, with `dynamodb_transaction_token_expiry`
//! ordering them by expiry).
//!
//! As the service documents it, a token binds the request it first came with for 10 minutes
//! after that request completed: the same request again answers the first outcome without
//! writing, another request is refused with IdempotentParameterMismatchException. The
//! request is compared as the canonical JSON of its `TransactItems`, so
//! `ReturnConsumedCapacity` and `ReturnItemCollectionMetrics` may change between retries
//! (as DynamoDB Local allows); a replay reports the first outcome's capacity in the form the
//! retry asks for. Only committed transactions bind their token: a cancelled one can be
//! retried with a different request (as DynamoDB Local does). The service's exception
//! carries no message text (checked against DynamoDB Local).
//!
//! Every token-bearing transaction first sweeps the expired records, a range scan of the
//! expiry table up to now, so the tables hold at most ten minutes of tokens.

use redb::ReadableTable;
use serde::{Deserialize, Serialize};

use super::{Token, WriteOutcome};
use crate::dynamodb::error::{DynamoError, ErrorCode, Result};
use crate::storage::tables::{DYNAMODB_TRANSACTION_TOKEN_EXPIRY, DYNAMODB_TRANSACTION_TOKENS};
use crate::storage::{StorageError, Txn};

/// How long a token stays bound to its request.
pub const LIFETIME_MS: u64 = 10 * 60 * 1000;

#[derive(Serialize, Deserialize)]
struct Record {
    expires_ms: u64,
    request: String,
    outcome: WriteOutcome,
}

/// What a token's record says about a request.
#[derive(Debug, PartialEq)]
pub enum Lookup {
    /// No live record: run the request.
    Absent,
    /// The same request already committed: answer this.
    Replay(WriteOutcome),
    /// The token is bound to another request.
    Mismatch,
}

pub fn mismatch() -> DynamoError {
    DynamoError::new(ErrorCode::IdempotentParameterMismatchException, "")
}

fn record_key(region: &str, token: &str) -> String {
    format!("{region}/{token}")
}

fn expiry_key(expires_ms: u64, record_key: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(8 + record_key.len());
    key.extend_from_slice(&expires_ms.to_be_bytes());
    key.extend_from_slice(record_key.as_bytes());
    key
}

/// What the record of `token` in `region` says about `request` at `now_ms`.
pub fn lookup(
    txn: &Txn<'_>,
    region: &str,
    token: &str,
    request: &str,
    now_ms: u64,
) -> Result<Lookup> {
    let records = txn.open(DYNAMODB_TRANSACTION_TOKENS)?;
    let Some(bytes) = records.get(record_key(region, token).as_str())? else {
        return Ok(Lookup::Absent);
    };
    let record: Record = serde_json::from_slice(bytes.value()).map_err(|e| {
        tracing::error!(error = %e, "unreadable transaction token record");
        DynamoError::internal("Internal server error")
    })?;
    Ok(if record.expires_ms <= now_ms {
        Lookup::Absent
    } else if record.request == request {
        Lookup::Replay(record.outcome)
    } else {
        Lookup::Mismatch
    })
}

/// Binds `token` to its request and `outcome` until [`LIFETIME_MS`] after `now_ms`.
pub fn record(
    txn: &Txn<'_>,
    region: &str,
    token: &Token,
    outcome: &WriteOutcome,
    now_ms: u64,
) -> Result<()> {
    let key = record_key(region, &token.token);
    let expires_ms = now_ms + LIFETIME_MS;
    let record = Record {
        expires_ms,
        request: token.request.clone(),
        outcome: outcome.clone(),
    };
    let bytes = serde_json::to_vec(&record).expect("a token record always serializes");
    let mut records = txn.open(DYNAMODB_TRANSACTION_TOKENS)?;
    let replaced_expiry = records
        .insert(key.as_str(), bytes.as_slice())?
        .and_then(|old| serde_json::from_slice::<Record>(old.value()).ok())
        .map(|r| r.expires_ms);
    drop(records);
    let mut expiry = txn.open(DYNAMODB_TRANSACTION_TOKEN_EXPIRY)?;
    if let Some(old) = replaced_expiry {
        expiry.remove(expiry_key(old, &key).as_slice())?;
    }
    expiry.insert(expiry_key(expires_ms, &key).as_slice(), [].as_slice())?;
    Ok(())
}

/// Removes every record expired at `now_ms`.
pub fn sweep(txn: &Txn<'_>, now_ms: u64) -> Result<()> {
    let mut expiry = txn.open(DYNAMODB_TRANSACTION_TOKEN_EXPIRY)?;
    let upper = (now_ms + 1).to_be_bytes();
    let mut expired = Vec::new();
    let range = expiry
        .read()
        .range(..upper.as_slice())
        .map_err(StorageError::from)?;
    for entry in range {
        expired.push(entry.map_err(StorageError::from)?.0.value().to_vec());
    }
    if expired.is_empty() {
        return Ok(());
    }
    let mut records = txn.open(DYNAMODB_TRANSACTION_TOKENS)?;
    for key in expired {
        expiry.remove(key.as_slice())?;
        if let Ok(record_key) = std::str::from_utf8(&key[8..]) {
            records.remove(record_key)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dynamodb::transaction::TableUnits;
    use crate::storage::Store;

    fn outcome(units: f64) -> WriteOutcome {
        WriteOutcome {
            capacity: vec![TableUnits {
                table: "tbl".into(),
                units,
                indexes: vec![(true, "gsi".into(), 2.0)],
            }],
            collections: Default::default(),
        }
    }

    fn token(request: &str) -> Token {
        Token {
            token: "tok".into(),
            request: request.into(),
        }
    }

    fn run<R: Send + 'static>(
        store: &Store,
        f: impl FnOnce(&Txn<'_>) -> Result<R> + Send + 'static,
    ) -> R {
        store.write_blocking(f).unwrap().unwrap()
    }

    #[test]
    fn a_token_replays_its_request_and_refuses_another_until_it_expires() {
        let store = Store::in_memory().unwrap();
        let at = 1_000_000;
        run(&store, move |txn| {
            record(txn, "us-east-1", &token("[1]"), &outcome(4.0), at)
        });
        let look = |region: &'static str, request: &'static str, now: u64| {
            run(&store, move |txn| lookup(txn, region, "tok", request, now))
        };
        assert_eq!(
            look("us-east-1", "[1]", at + 1),
            Lookup::Replay(outcome(4.0))
        );
        assert_eq!(look("us-east-1", "[2]", at + 1), Lookup::Mismatch);
        assert_eq!(look("eu-west-1", "[2]", at + 1), Lookup::Absent);
        let last = at + LIFETIME_MS - 1;
        assert_eq!(look("us-east-1", "[2]", last), Lookup::Mismatch);
        assert_eq!(look("us-east-1", "[2]", last + 1), Lookup::Absent);
    }

    #[test]
    fn sweeping_removes_expired_records_only() {
        let store = Store::in_memory().unwrap();
        run(&store, |txn| {
            record(txn, "r", &token("[1]"), &outcome(1.0), 0)?;
            let mut later = token("[2]");
            later.token = "later".into();
            record(txn, "r", &later, &outcome(1.0), 1000)
        });
        run(&store, |txn| sweep(txn, LIFETIME_MS));
        let count = |table| {
            let txn = store.read().unwrap();
            let table = txn.open_table(table).unwrap();
            redb::ReadableTableMetadata::len(&table).unwrap()
        };
        assert_eq!(count(DYNAMODB_TRANSACTION_TOKENS), 1);
        assert_eq!(
            run(&store, |txn| lookup(txn, "r", "later", "[2]", LIFETIME_MS)),
            Lookup::Replay(outcome(1.0))
        );
        // Binding a token again (after it expired) replaces its expiry entry.
        run(&store, |txn| {
            record(txn, "r", &token("[3]"), &outcome(1.0), LIFETIME_MS)
        });
        let txn = store.read().unwrap();
        let expiry = txn.open_table(DYNAMODB_TRANSACTION_TOKEN_EXPIRY).unwrap();
        assert_eq!(redb::ReadableTableMetadata::len(&expiry).unwrap(), 2);
    }
}
