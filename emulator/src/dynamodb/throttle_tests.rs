//! The limiters' arithmetic, on a clock the tests move by hand.

use std::sync::Mutex;

use super::*;
use crate::dynamodb::catalog::{
    KeyAttribute, KeySchema, Projection, ProvisionedThroughput, ScalarType,
};

struct ManualClock(Mutex<f64>);

impl Clock for ManualClock {
    fn now(&self) -> f64 {
        *self.0.lock().unwrap()
    }
}

impl ManualClock {
    fn set(&self, seconds: f64) {
        *self.0.lock().unwrap() = seconds;
    }
}

fn throttle(mode: ThrottleMode) -> (Throttle, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock(Mutex::new(0.0)));
    (Throttle::with_clock(mode, clock.clone()), clock)
}

fn key_schema(name: &str) -> KeySchema {
    KeySchema {
        partition: KeyAttribute {
            name: name.to_owned(),
            attribute_type: ScalarType::S,
        },
        sort: None,
    }
}

fn table(capacity: Option<(u64, u64)>) -> TableMeta {
    // From the stored form, so that fields added later with defaults need no change here.
    let mut meta: TableMeta = serde_json::from_value(json!({
        "id": 7,
        "region": "us-east-1",
        "name": "t",
        "arn": "arn:aws:dynamodb:us-east-1:000000000000:table/t",
        "table_id": "id",
        "key_schema": key_schema("pk"),
        "attribute_definitions": [],
        "billing_mode": BillingMode::PayPerRequest,
        "provisioned": null,
        "created_at": 0.0,
        "active_at": 0.0,
        "billing_mode_updated_at": null,
        "deletion_protection": false,
        "table_class": null,
        "tags": [],
    }))
    .expect("a valid stored table description");
    if let Some((read, write)) = capacity {
        meta.billing_mode = BillingMode::Provisioned;
        meta.provisioned = Some(ProvisionedThroughput {
            read_capacity_units: read,
            write_capacity_units: write,
            last_increase: None,
            last_decrease: None,
            decreases_today: 0,
        });
    }
    meta
}

fn index(id: u64, name: &str, capacity: Option<(u64, u64)>) -> IndexMeta {
    IndexMeta {
        id,
        name: name.to_owned(),
        key_schema: key_schema("g"),
        projection: Projection::All,
        provisioned: capacity,
        active_at: 0.0,
    }
}

fn write(throttle: &Throttle, meta: &TableMeta, units: f64) -> Result<()> {
    throttle.admit(meta, Access::Write, None, "PutItem")?;
    throttle.charge(meta, Access::Write, &Charge::table(units));
    Ok(())
}

fn reasons(e: &DynamoError) -> serde_json::Value {
    e.extra["ThrottlingReasons"].clone()
}

#[test]
fn a_bucket_refills_continuously_up_to_its_capacity() {
    let mut bucket = Bucket::full(2.0, 10.0, 0.0);
    bucket.spend(10.0, 0.0);
    assert_eq!(bucket.balance(0.0), 0.0);
    assert_eq!(bucket.balance(1.5), 3.0);
    assert_eq!(bucket.balance(100.0), 10.0);
    bucket.spend(25.0, 100.0);
    assert_eq!(bucket.balance(100.0), -15.0);
    assert_eq!(bucket.balance(107.5), 0.0);
    // A clock read out of order never drains it.
    assert_eq!(bucket.balance(107.0), 0.0);
}

#[test]
fn a_provisioned_table_serves_300_seconds_of_capacity_at_once_then_its_rate() {
    let (throttle, clock) = throttle(ThrottleMode::Provisioned);
    let meta = table(Some((5, 1)));
    for _ in 0..300 {
        write(&throttle, &meta, 1.0).unwrap();
    }
    let e = write(&throttle, &meta, 1.0).unwrap_err();
    assert_eq!(e.code, ErrorCode::ProvisionedThroughputExceededException);
    assert_eq!(
        e.message,
        "The level of configured provisioned throughput for the table was exceeded. Consider \
         increasing your provisioning level with the UpdateTable API."
    );
    assert_eq!(
        reasons(&e),
        json!([{"reason": "TableWriteProvisionedThroughputExceeded",
                "resource": "arn:aws:dynamodb:us-east-1:000000000000:table/t"}])
    );
    // Reads have their own bucket.
    throttle
        .admit(&meta, Access::Read, None, "GetItem")
        .unwrap();
    // Half a second refills half a unit: positive, so one more write goes ahead and
    // overdraws; the balance must climb back above zero before the next.
    clock.set(0.5);
    write(&throttle, &meta, 1.0).unwrap();
    clock.set(0.9);
    assert!(write(&throttle, &meta, 1.0).is_err());
    clock.set(1.0);
    assert!(
        write(&throttle, &meta, 1.0).is_err(),
        "a zero balance is not positive"
    );
    clock.set(1.1);
    write(&throttle, &meta, 1.0).unwrap();
    assert_eq!(
        throttle.throttled_counts(),
        [("us-east-1".to_owned(), "t".to_owned(), "PutItem", 3)]
    );
}

#[test]
fn an_admitted_request_is_charged_what_it_consumed_and_holds_back_the_next() {
    let (throttle, clock) = throttle(ThrottleMode::Provisioned);
    let meta = table(Some((1, 1)));
    for _ in 0..299 {
        write(&throttle, &meta, 1.0).unwrap();
    }
    // One unit left: a 50-unit write is admitted, then owed.
    write(&throttle, &meta, 50.0).unwrap();
    clock.set(48.9);
    assert!(write(&throttle, &meta, 1.0).is_err());
    clock.set(49.1);
    write(&throttle, &meta, 1.0).unwrap();
}

#[test]
fn off_admits_everything_and_keeps_nothing() {
    let (throttle, _) = throttle(ThrottleMode::Off);
    let meta = table(Some((1, 1)));
    for _ in 0..1000 {
        write(&throttle, &meta, 400.0).unwrap();
    }
    let admitted = throttle.admit_batch(&meta, Access::Write, [1.0; 25].into_iter(), "X");
    assert_eq!(admitted.unwrap(), 25);
    assert!(throttle.limits.is_empty());
    assert!(throttle.throttled_counts().is_empty());
}

#[test]
fn on_demand_tables_are_throttled_only_in_mode_all() {
    let meta = table(None);
    let (provisioned_only, _) = throttle(ThrottleMode::Provisioned);
    for _ in 0..10 {
        write(&provisioned_only, &meta, 100_000.0).unwrap();
    }

    let (throttle, clock) = throttle(ThrottleMode::All);
    // A new on-demand table takes 4,000 write units (and 12,000 read units) a second.
    write(&throttle, &meta, 3999.0).unwrap();
    write(&throttle, &meta, 1.0).unwrap();
    let e = write(&throttle, &meta, 1.0).unwrap_err();
    assert_eq!(e.code, ErrorCode::ThrottlingException);
    assert!(
        e.message
            .starts_with("Throughput exceeds the current capacity of your table or index."),
        "{}",
        e.message
    );
    assert_eq!(
        reasons(&e)[0]["reason"],
        json!("TableWriteKeyRangeThroughputExceeded")
    );
    throttle
        .admit(&meta, Access::Read, None, "GetItem")
        .unwrap();
    throttle.charge(&meta, Access::Read, &Charge::table(12_000.0));
    assert!(
        throttle
            .admit(&meta, Access::Read, None, "GetItem")
            .is_err()
    );
    clock.set(0.5);
    write(&throttle, &meta, 1.0).unwrap();
}

#[test]
fn an_on_demand_peak_doubles_the_allowance_once_its_period_ends() {
    let mut on_demand = OnDemand::new(4000.0, 0.0);
    assert_eq!(on_demand.allowance(), 4000.0);
    // 3,000 units in one second: above the previous peak of 2,000.
    on_demand.spend(3000.0, 10.2);
    assert!(on_demand.balance(11.0) > 0.0);
    on_demand.spend(1000.0, 500.0);
    assert_eq!(on_demand.balance(PEAK_PERIOD_SECONDS - 1.0), 4000.0);
    assert_eq!(on_demand.allowance(), 4000.0);
    on_demand.balance(PEAK_PERIOD_SECONDS);
    assert_eq!(on_demand.allowance(), 6000.0);
    assert_eq!(on_demand.balance(PEAK_PERIOD_SECONDS + 1.0), 6000.0);
    // A quieter period leaves the peak where it is.
    on_demand.spend(10.0, PEAK_PERIOD_SECONDS + 2.0);
    on_demand.balance(3.0 * PEAK_PERIOD_SECONDS);
    assert_eq!(on_demand.allowance(), 6000.0);
}

#[test]
fn a_table_switched_to_on_demand_starts_from_its_warm_throughput() {
    let (throttle, _) = throttle(ThrottleMode::All);
    let mut meta = table(None);
    meta.warm_throughput = (12_000, 10_000);
    write(&throttle, &meta, 9_999.0).unwrap();
    write(&throttle, &meta, 1.0).unwrap();
    assert!(write(&throttle, &meta, 1.0).is_err());
}

#[test]
fn a_global_index_short_of_capacity_throttles_its_tables_writes() {
    let (throttle, _) = throttle(ThrottleMode::Provisioned);
    let mut meta = table(Some((100, 100)));
    meta.id = 1;
    meta.global_indexes.push(index(2, "gsi", Some((1, 1))));
    meta.local_indexes.push(index(3, "lsi", None));
    let mut charge = Charge::table(1.0);
    charge.add_index(IndexKind::Global, "gsi", 300.0);
    charge.add_index(IndexKind::Local, "lsi", 5.0);
    throttle
        .admit(&meta, Access::Write, None, "PutItem")
        .unwrap();
    throttle.charge(&meta, Access::Write, &charge);
    let e = throttle
        .admit(&meta, Access::Write, None, "PutItem")
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::ProvisionedThroughputExceededException);
    assert_eq!(
        e.message,
        "The level of configured provisioned throughput for one or more global secondary \
         indexes of the table was exceeded. Consider increasing your provisioning level for \
         the under-provisioned global secondary indexes with the UpdateTable API"
    );
    assert_eq!(
        reasons(&e),
        json!([{"reason": "IndexWriteProvisionedThroughputExceeded",
                "resource": "arn:aws:dynamodb:us-east-1:000000000000:table/t/index/gsi"}])
    );
    // The table paid its own unit and the local index's five.
    let table_balance = throttle.with_limits(1, Capacity::Provisioned(100, 100), 0.0, |l| {
        l.limiter(Access::Write).balance(0.0)
    });
    assert_eq!(table_balance, 30_000.0 - 6.0);
    // Reads are not held back, on the table or on the index.
    throttle.admit(&meta, Access::Read, None, "Query").unwrap();
    throttle
        .admit(&meta, Access::Read, Some("gsi"), "Query")
        .unwrap();
    // An index read is charged to the index.
    let mut read = Charge::default();
    read.add_index(IndexKind::Global, "gsi", 300.0);
    throttle.charge(&meta, Access::Read, &read);
    let e = throttle
        .admit(&meta, Access::Read, Some("gsi"), "Query")
        .unwrap_err();
    assert_eq!(
        reasons(&e)[0]["reason"],
        json!("IndexReadProvisionedThroughputExceeded")
    );
    throttle
        .admit(&meta, Access::Read, Some("lsi"), "Query")
        .unwrap();
}

#[test]
fn a_capacity_change_keeps_the_balance_and_changes_the_rate() {
    let (throttle, clock) = throttle(ThrottleMode::Provisioned);
    let slow = table(Some((1, 1)));
    let mut fast = slow.clone();
    fast.provisioned.as_mut().unwrap().write_capacity_units = 100;
    write(&throttle, &slow, 310.0).unwrap();
    clock.set(0.2);
    assert!(write(&throttle, &slow, 1.0).is_err());
    assert!(write(&throttle, &fast, 1.0).is_err(), "the debt is kept");
    clock.set(0.4);
    write(&throttle, &fast, 1.0).unwrap();

    // A switch to on demand starts afresh (only throttled in mode all).
    let mut on_demand = fast.clone();
    on_demand.billing_mode = BillingMode::PayPerRequest;
    write(&throttle, &on_demand, 1_000_000.0).unwrap();
    write(&throttle, &on_demand, 1.0).unwrap();
}

#[test]
fn a_batch_takes_what_the_balance_allows() {
    let (throttle, _) = throttle(ThrottleMode::Provisioned);
    let meta = table(Some((1, 1)));
    throttle.charge(&meta, Access::Write, &Charge::table(297.5));
    let admitted = throttle.admit_batch(&meta, Access::Write, [1.0; 5].into_iter(), "Batch");
    assert_eq!(
        admitted.unwrap(),
        3,
        "2.5 units left: the third request starts at 0.5"
    );
    throttle.charge(&meta, Access::Write, &Charge::table(3.0));
    let e = throttle
        .admit_batch(&meta, Access::Write, [1.0; 4].into_iter(), "Batch")
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::ProvisionedThroughputExceededException);
    assert_eq!(
        throttle.throttled_counts(),
        [("us-east-1".to_owned(), "t".to_owned(), "Batch", 6)]
    );
    let nothing = throttle.admit_batch(&meta, Access::Write, [0.0; 0].into_iter(), "Batch");
    assert_eq!(nothing.unwrap(), 0);
}

#[test]
fn a_tally_is_charged_per_table() {
    let (throttle, _) = throttle(ThrottleMode::Provisioned);
    let meta = Arc::new(table(Some((1, 1))));
    let mut tally = Tally::new();
    tally.charge("t", 300.0);
    tally.charge("gone", 5.0);
    throttle.charge_tally(&[Arc::clone(&meta)], Access::Write, &tally);
    assert!(write(&throttle, &meta, 1.0).is_err());
}

#[test]
fn a_deleted_table_leaves_no_limiter() {
    let (throttle, _) = throttle(ThrottleMode::Provisioned);
    let mut meta = table(Some((1, 1)));
    meta.global_indexes.push(index(8, "gsi", Some((1, 1))));
    write(&throttle, &meta, 1.0).unwrap();
    assert_eq!(throttle.limits.len(), 2);
    throttle.forget(&meta);
    assert!(throttle.limits.is_empty());
}

#[test]
fn a_transaction_on_a_spent_table_is_cancelled_with_a_reason_per_action() {
    let (throttle, _) = throttle(ThrottleMode::All);
    let spent = table(Some((1, 1)));
    let mut on_demand = table(None);
    on_demand.id = 9;
    throttle
        .admit_transaction([&spent, &on_demand].into_iter(), Access::Write, "Tx")
        .unwrap();
    throttle.charge(&spent, Access::Write, &Charge::table(300.0));
    throttle.charge(&on_demand, Access::Write, &Charge::table(4000.0));
    let e = throttle
        .admit_transaction([&on_demand, &spent].into_iter(), Access::Write, "Tx")
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::TransactionCanceledException);
    assert_eq!(
        e.message,
        "Transaction cancelled, please refer cancellation reasons for specific reasons \
         [ThrottlingError, ProvisionedThroughputExceeded]"
    );
    assert_eq!(
        e.extra["CancellationReasons"][1]["Message"],
        json!(TABLE_EXCEEDED)
    );
    assert_eq!(throttle.throttled_counts().len(), 1);
}
