//! Regions are separate namespaces: the region comes from the SigV4 credential scope.

use aws_sdk_dynamodb::types::{KeyType, ScalarAttributeType};
use emulator::Config;

use crate::util::*;

#[tokio::test]
async fn clients_in_different_regions_see_different_tables() {
    // DynamoDB Local (-sharedDb) ignores regions, so this always runs in-process.
    let h = Harness::start_with(Config::ephemeral()).await;
    let east = h.client_in("us-east-1");
    let west = h.client_in("eu-west-1");

    create_hash_table(&east, "shared-name", "id", ScalarAttributeType::S).await;
    create_hash_table(&east, "east-only", "id", ScalarAttributeType::S).await;
    assert_eq!(
        west.list_tables().send().await.unwrap().table_names(),
        &[] as &[String]
    );
    assert_eq!(
        error_of(west.describe_table().table_name("east-only").send().await).0,
        "ResourceNotFoundException"
    );

    // The same name in another region is another table, with its own schema.
    west.create_table()
        .table_name("shared-name")
        .attribute_definitions(attr_def("n", ScalarAttributeType::N))
        .key_schema(key_elem("n", KeyType::Hash))
        .billing_mode(aws_sdk_dynamodb::types::BillingMode::PayPerRequest)
        .send()
        .await
        .unwrap();
    east.put_item()
        .table_name("shared-name")
        .item("id", s("from-east"))
        .send()
        .await
        .unwrap();
    west.put_item()
        .table_name("shared-name")
        .item("n", n("7"))
        .send()
        .await
        .unwrap();

    let east_items = east.scan().table_name("shared-name").send().await.unwrap();
    assert_eq!(east_items.items(), &[item(&[("id", s("from-east"))])]);
    let west_items = west.scan().table_name("shared-name").send().await.unwrap();
    assert_eq!(west_items.items(), &[item(&[("n", n("7"))])]);

    let arn = |c: &aws_sdk_dynamodb::Client| {
        let c = c.clone();
        async move {
            c.describe_table()
                .table_name("shared-name")
                .send()
                .await
                .unwrap()
                .table()
                .unwrap()
                .table_arn()
                .unwrap()
                .to_owned()
        }
    };
    assert_eq!(
        arn(&east).await,
        "arn:aws:dynamodb:us-east-1:000000000000:table/shared-name"
    );
    assert_eq!(
        arn(&west).await,
        "arn:aws:dynamodb:eu-west-1:000000000000:table/shared-name"
    );

    west.delete_table()
        .table_name("shared-name")
        .send()
        .await
        .unwrap();
    assert_eq!(
        east.list_tables().send().await.unwrap().table_names(),
        ["east-only", "shared-name"],
        "deleting in one region leaves the other alone"
    );
}
