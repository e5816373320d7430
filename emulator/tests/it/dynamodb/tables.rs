//! Table management: CreateTable, DescribeTable, ListTables, DeleteTable, UpdateTable, the tag
//! operations, DescribeLimits and DescribeEndpoints.

use aws_sdk_dynamodb::types::{
    BillingMode, KeyType, ProvisionedThroughput, ScalarAttributeType, TableStatus, Tag,
};

use crate::util::*;

fn sorted_tags(tags: &[Tag]) -> Vec<(String, String)> {
    let mut v: Vec<_> = tags
        .iter()
        .map(|t| (t.key().to_owned(), t.value().to_owned()))
        .collect();
    v.sort();
    v
}

fn throughput(read: i64, write: i64) -> ProvisionedThroughput {
    ProvisionedThroughput::builder()
        .read_capacity_units(read)
        .write_capacity_units(write)
        .build()
        .unwrap()
}

#[tokio::test]
async fn create_table_describes_the_seed_ml_features_table() {
    let h = Harness::start().await;
    let name = h.table("ml-features");
    let out = h
        .client
        .create_table()
        .table_name(&name)
        .attribute_definitions(attr_def("user_id", ScalarAttributeType::S))
        .attribute_definitions(attr_def("feature_name", ScalarAttributeType::S))
        .key_schema(key_elem("user_id", KeyType::Hash))
        .key_schema(key_elem("feature_name", KeyType::Range))
        .billing_mode(BillingMode::PayPerRequest)
        .tags(
            Tag::builder()
                .key("Environment")
                .value("production")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let t = out.table_description().unwrap();
    assert_eq!(t.table_name(), Some(name.as_str()));
    assert!(matches!(
        t.table_status(),
        Some(TableStatus::Creating | TableStatus::Active)
    ));
    assert_eq!(
        t.key_schema(),
        &[
            key_elem("user_id", KeyType::Hash),
            key_elem("feature_name", KeyType::Range)
        ]
    );
    let mut defs: Vec<_> = t
        .attribute_definitions()
        .iter()
        .map(|d| (d.attribute_name().to_owned(), d.attribute_type().clone()))
        .collect();
    defs.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        defs,
        [
            ("feature_name".to_owned(), ScalarAttributeType::S),
            ("user_id".to_owned(), ScalarAttributeType::S)
        ]
    );
    assert_eq!(
        t.billing_mode_summary().and_then(|b| b.billing_mode()),
        Some(&BillingMode::PayPerRequest)
    );
    let pt = t.provisioned_throughput().unwrap();
    assert_eq!(
        (pt.read_capacity_units(), pt.write_capacity_units()),
        (Some(0), Some(0))
    );
    assert_eq!(t.item_count(), Some(0));
    assert_eq!(t.table_size_bytes(), Some(0));
    assert!(t.creation_date_time().is_some());
    if h.is_emulator() {
        assert_eq!(
            t.table_arn(),
            Some(format!("arn:aws:dynamodb:{REGION}:000000000000:table/{name}").as_str())
        );
    }

    let described = h
        .client
        .describe_table()
        .table_name(&name)
        .send()
        .await
        .unwrap();
    let d = described.table().unwrap();
    assert_eq!(d.table_status(), Some(&TableStatus::Active));
    assert_eq!(d.table_arn(), t.table_arn());
    assert_eq!(d.key_schema(), t.key_schema());
    assert_eq!(d.creation_date_time(), t.creation_date_time());

    let tags = h
        .client
        .list_tags_of_resource()
        .resource_arn(d.table_arn().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(
        sorted_tags(tags.tags()),
        [("Environment".to_owned(), "production".to_owned())]
    );
}

#[tokio::test]
async fn create_table_with_provisioned_throughput_reports_it() {
    let h = Harness::start().await;
    let name = h.table("provisioned");
    h.client
        .create_table()
        .table_name(&name)
        .attribute_definitions(attr_def("id", ScalarAttributeType::N))
        .key_schema(key_elem("id", KeyType::Hash))
        .provisioned_throughput(throughput(5, 7))
        .send()
        .await
        .unwrap();
    let d = h
        .client
        .describe_table()
        .table_name(&name)
        .send()
        .await
        .unwrap();
    let t = d.table().unwrap();
    let pt = t.provisioned_throughput().unwrap();
    assert_eq!(
        (pt.read_capacity_units(), pt.write_capacity_units()),
        (Some(5), Some(7))
    );
    assert_ne!(
        t.billing_mode_summary().and_then(|b| b.billing_mode()),
        Some(&BillingMode::PayPerRequest)
    );
}

#[tokio::test]
async fn describe_table_counts_items_and_bytes_after_writes() {
    let h = Harness::start().await;
    let name = h.table("counted");
    create_hash_table(&h.client, &name, "id", ScalarAttributeType::S).await;
    for id in ["a", "b", "c"] {
        h.client
            .put_item()
            .table_name(&name)
            .set_item(Some(item(&[("id", s(id)), ("v", s("xyz"))])))
            .send()
            .await
            .unwrap();
    }
    let d = h
        .client
        .describe_table()
        .table_name(&name)
        .send()
        .await
        .unwrap();
    let t = d.table().unwrap();
    // Each item: "id" (2) + 1 byte value + "v" (1) + 3 bytes = 7 bytes.
    assert_eq!(t.item_count(), Some(3));
    assert_eq!(t.table_size_bytes(), Some(21));
}

#[tokio::test]
async fn list_tables_pages_through_every_table_in_name_order() {
    let h = Harness::start().await;
    let mut names: Vec<String> = ["delta", "alpha", "echo", "charlie", "bravo"]
        .iter()
        .map(|n| h.table(n))
        .collect();
    for name in &names {
        create_hash_table(&h.client, name, "id", ScalarAttributeType::S).await;
    }
    names.sort();

    let mut pages = Vec::new();
    let mut start: Option<String> = None;
    loop {
        let out = h
            .client
            .list_tables()
            .limit(2)
            .set_exclusive_start_table_name(start.clone())
            .send()
            .await
            .unwrap();
        pages.push(out.table_names().to_vec());
        match out.last_evaluated_table_name() {
            Some(last) => {
                assert_eq!(Some(last), out.table_names().last().map(String::as_str));
                start = Some(last.to_owned());
            }
            None => break,
        }
        assert!(pages.len() < 10_000, "pagination does not end");
    }
    let all: Vec<String> = pages
        .iter()
        .flatten()
        .filter(|n| n.starts_with(&h.table("")))
        .cloned()
        .collect();
    assert_eq!(all, names);
    if h.is_emulator() {
        assert_eq!(
            pages.iter().map(Vec::len).collect::<Vec<_>>(),
            [2, 2, 1],
            "pages of at most 2, the last without LastEvaluatedTableName"
        );
    }
}

#[tokio::test]
async fn list_tables_paginator_yields_every_name() {
    let h = Harness::start().await;
    let mut names: Vec<String> = (0..7).map(|i| h.table(&format!("pt{i}"))).collect();
    for name in &names {
        create_hash_table(&h.client, name, "id", ScalarAttributeType::S).await;
    }
    names.sort();
    let got: Vec<String> = h
        .client
        .list_tables()
        .limit(3)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .unwrap()
        .into_iter()
        .filter(|n| n.starts_with(&h.table("")))
        .collect();
    assert_eq!(got, names);
}

#[tokio::test]
async fn list_tables_rejects_limit_above_100() {
    let h = Harness::start().await;
    let result = h.client.list_tables().limit(101).send().await;
    assert_error(
        result,
        "ValidationException",
        "1 validation error detected: Value '101' at 'limit' failed to satisfy constraint: \
         Member must have value less than or equal to 100",
    );
}

#[tokio::test]
async fn delete_table_answers_deleting_and_the_table_is_gone() {
    let h = Harness::start().await;
    let name = h.table("doomed");
    create_hash_table(&h.client, &name, "id", ScalarAttributeType::S).await;
    h.client
        .put_item()
        .table_name(&name)
        .set_item(Some(item(&[("id", s("x"))])))
        .send()
        .await
        .unwrap();
    let out = h
        .client
        .delete_table()
        .table_name(&name)
        .send()
        .await
        .unwrap();
    let t = out.table_description().unwrap();
    assert_eq!(t.table_name(), Some(name.as_str()));
    assert!(matches!(
        t.table_status(),
        Some(TableStatus::Deleting | TableStatus::Active)
    ));

    let listed = h.client.list_tables().send().await.unwrap();
    assert!(!listed.table_names().contains(&name));
    let result = h.client.describe_table().table_name(&name).send().await;
    assert_eq!(error_of(result).0, "ResourceNotFoundException");

    // The name is free again, and the new table starts empty.
    create_hash_table(&h.client, &name, "id", ScalarAttributeType::S).await;
    let scan = h.client.scan().table_name(&name).send().await.unwrap();
    assert_eq!(scan.count(), 0);
}

#[tokio::test]
async fn update_table_changes_throughput_then_billing_mode() {
    let h = Harness::start().await;
    let name = h.table("billing");
    h.client
        .create_table()
        .table_name(&name)
        .attribute_definitions(attr_def("id", ScalarAttributeType::S))
        .key_schema(key_elem("id", KeyType::Hash))
        .billing_mode(BillingMode::Provisioned)
        .provisioned_throughput(throughput(5, 5))
        .send()
        .await
        .unwrap();

    let out = h
        .client
        .update_table()
        .table_name(&name)
        .provisioned_throughput(throughput(10, 12))
        .send()
        .await
        .unwrap();
    assert_eq!(
        out.table_description().unwrap().table_name(),
        Some(name.as_str())
    );
    let d = h
        .client
        .describe_table()
        .table_name(&name)
        .send()
        .await
        .unwrap();
    let pt = d.table().unwrap().provisioned_throughput().unwrap();
    assert_eq!(
        (pt.read_capacity_units(), pt.write_capacity_units()),
        (Some(10), Some(12))
    );

    h.client
        .update_table()
        .table_name(&name)
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .unwrap();
    let d = h
        .client
        .describe_table()
        .table_name(&name)
        .send()
        .await
        .unwrap();
    let t = d.table().unwrap();
    assert_eq!(
        t.billing_mode_summary().and_then(|b| b.billing_mode()),
        Some(&BillingMode::PayPerRequest)
    );
    assert_eq!(t.table_status(), Some(&TableStatus::Active));
}

#[tokio::test]
async fn update_table_of_missing_table_is_resource_not_found() {
    let h = Harness::start().await;
    let result = h
        .client
        .update_table()
        .table_name(h.table("missing"))
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await;
    assert_eq!(error_of(result).0, "ResourceNotFoundException");
}

#[tokio::test]
async fn tag_and_untag_resource_change_the_listed_tags() {
    let h = Harness::start().await;
    let name = h.table("ml-features");
    create_ml_features(&h.client, &name).await;
    let arn = h
        .client
        .describe_table()
        .table_name(&name)
        .send()
        .await
        .unwrap()
        .table()
        .unwrap()
        .table_arn()
        .unwrap()
        .to_owned();

    h.client
        .tag_resource()
        .resource_arn(&arn)
        .tags(Tag::builder().key("Team").value("ml").build().unwrap())
        .tags(
            Tag::builder()
                .key("Environment")
                .value("staging")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let tags = h
        .client
        .list_tags_of_resource()
        .resource_arn(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(
        sorted_tags(tags.tags()),
        [
            ("Environment".to_owned(), "staging".to_owned()),
            ("Team".to_owned(), "ml".to_owned())
        ],
        "a tag with an existing key replaces its value"
    );

    h.client
        .untag_resource()
        .resource_arn(&arn)
        .tag_keys("Environment")
        .tag_keys("NotThere")
        .send()
        .await
        .unwrap();
    let tags = h
        .client
        .list_tags_of_resource()
        .resource_arn(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(
        sorted_tags(tags.tags()),
        [("Team".to_owned(), "ml".to_owned())]
    );
}

#[tokio::test]
async fn tag_resource_on_a_missing_table_is_resource_not_found() {
    let h = Harness::start().await;
    let arn = format!(
        "arn:aws:dynamodb:{REGION}:000000000000:table/{}",
        h.table("ghost")
    );
    let result = h
        .client
        .tag_resource()
        .resource_arn(&arn)
        .tags(Tag::builder().key("k").value("v").build().unwrap())
        .send()
        .await;
    assert_eq!(error_of(result).0, "ResourceNotFoundException");
    let result = h
        .client
        .list_tags_of_resource()
        .resource_arn(&arn)
        .send()
        .await;
    assert_eq!(error_of(result).0, "ResourceNotFoundException");
}

#[tokio::test]
async fn describe_limits_reports_the_default_account_limits() {
    let h = Harness::start().await;
    let out = h.client.describe_limits().send().await.unwrap();
    assert_eq!(out.account_max_read_capacity_units(), Some(80000));
    assert_eq!(out.account_max_write_capacity_units(), Some(80000));
    assert_eq!(out.table_max_read_capacity_units(), Some(40000));
    assert_eq!(out.table_max_write_capacity_units(), Some(40000));
}

#[tokio::test]
async fn describe_endpoints_names_the_emulator_itself() {
    let h = Harness::start().await;
    if !h.is_emulator() {
        return; // DynamoDB Local does not implement DescribeEndpoints.
    }
    let out = h.client.describe_endpoints().send().await.unwrap();
    let endpoints = out.endpoints();
    assert_eq!(endpoints.len(), 1);
    let addr = h.addr();
    assert!(
        endpoints[0].address().contains(&addr.port().to_string()),
        "address {:?} names port {}",
        endpoints[0].address(),
        addr.port()
    );
    assert_eq!(endpoints[0].cache_period_in_minutes(), 1440);
}
