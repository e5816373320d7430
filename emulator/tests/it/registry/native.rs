//! `/registry/v1`: create, the three gets, update, delete, the lifecycle and its history,
//! ETags and If-Match, the error shape, and durability across a restart.

use emulator::Config;
use serde_json::{Value, json};

use super::{assert_error, call, create, get};
use crate::util::{Harness, raw_request};

fn is_rfc3339_ms(text: &str) -> bool {
    // 2026-01-02T03:04:05.678Z
    text.len() == 24 && text.ends_with('Z') && text.as_bytes()[10] == b'T'
}

#[tokio::test]
async fn create_answers_the_nine_columns_and_gets_find_the_row_both_ways() {
    let h = Harness::start_with(Config::ephemeral()).await;
    let body = json!({
        "model_name": "fraud-detector", "version": "1.0.0",
        "metadata": {"framework": "xgboost", "auc": 0.97},
        "owner": "alice", "tags": ["team=risk", "prod-candidate"]
    });
    let response = call(h.addr(), "POST", "/registry/v1/models", &[], Some(&body)).await;
    assert_eq!(response.status, 201, "{}", response.text());
    let row = response.json();
    let fields: Vec<&str> = row
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut sorted = fields.clone();
    sorted.sort_unstable();
    assert_eq!(
        sorted,
        [
            "created_at",
            "metadata",
            "model_id",
            "model_name",
            "owner",
            "status",
            "tags",
            "updated_at",
            "version"
        ]
    );
    assert_eq!(row["status"], "draft");
    assert_eq!(
        row["metadata"],
        json!({"framework": "xgboost", "auc": 0.97})
    );
    assert_eq!(row["tags"], json!(["team=risk", "prod-candidate"]));
    assert!(is_rfc3339_ms(row["created_at"].as_str().unwrap()), "{row}");
    assert_eq!(row["created_at"], row["updated_at"]);
    let id = row["model_id"].as_str().unwrap();
    assert_eq!(uuid_version(id), Some('4'));
    assert_eq!(
        response.header("location"),
        Some(format!("/registry/v1/models/{id}").as_str())
    );
    let etag = response.header("etag").unwrap().to_owned();

    let by_id = get(h.addr(), &format!("/registry/v1/models/{id}")).await;
    assert_eq!((by_id.status, by_id.json()), (200, row.clone()));
    assert_eq!(by_id.header("etag"), Some(etag.as_str()));
    let by_name = get(h.addr(), "/registry/v1/names/fraud-detector/versions/1.0.0").await;
    assert_eq!((by_name.status, by_name.json()), (200, row.clone()));
    assert_eq!(by_name.header("etag"), Some(etag.as_str()));
    // Names travel percent-encoded in paths.
    let spaced = create(h.addr(), json!({"model_name": "a b/c", "version": "v 1"})).await;
    let found = get(h.addr(), "/registry/v1/names/a%20b%2Fc/versions/v%201").await;
    assert_eq!((found.status, found.json()), (200, spaced));
    h.stop().await;
}

fn uuid_version(id: &str) -> Option<char> {
    (id.len() == 36).then(|| id.chars().nth(14)).flatten()
}

#[tokio::test]
async fn a_taken_name_and_version_is_a_conflict() {
    let h = Harness::start_with(Config::ephemeral()).await;
    create(h.addr(), json!({"model_name": "m", "version": "1"})).await;
    let again = call(
        h.addr(),
        "POST",
        "/registry/v1/models",
        &[],
        Some(&json!({"model_name": "m", "version": "1", "owner": "bob"})),
    )
    .await;
    assert_error(
        &again,
        409,
        "already_exists",
        "model 'm' already has a version '1'",
    );
    // The same version string under another name is another row.
    create(h.addr(), json!({"model_name": "m2", "version": "1"})).await;
    h.stop().await;
}

#[tokio::test]
async fn bad_input_is_refused_naming_the_field() {
    let h = Harness::start_with(Config::ephemeral()).await;
    let post = |body: Vec<u8>| {
        let addr = h.addr();
        async move {
            raw_request(
                addr,
                "POST",
                "/registry/v1/models",
                &[("Content-Type", "application/json")],
                &body,
            )
            .await
        }
    };
    let cases: Vec<(Value, &str)> = vec![
        (
            json!({"model_name": "a".repeat(256), "version": "1"}),
            "model_name must be at most 255 characters (got 256)",
        ),
        (
            json!({"model_name": "m", "version": "v".repeat(51)}),
            "version must be at most 50 characters (got 51)",
        ),
        (
            json!({"model_name": "m", "version": "1", "owner": "o".repeat(101)}),
            "owner must be at most 100 characters (got 101)",
        ),
        (
            json!({"model_name": "m", "version": "1", "tags": ["ok", "t".repeat(1001)]}),
            "tags[1] must be at most 1000 characters (got 1001)",
        ),
        (
            json!({"model_name": "m", "version": "1", "metadata": [1, 2]}),
            "metadata must be a JSON object",
        ),
        (
            json!({"model_name": "m", "version": "1", "status": "retired"}),
            "status must be one of draft, testing, staging, production (got 'retired')",
        ),
        (
            json!({"model_name": "", "version": "1"}),
            "model_name must not be empty",
        ),
        (
            json!({"model_name": "m\u{0}x", "version": "1"}),
            "model_name must not contain the NUL character",
        ),
        (json!({"version": "1"}), "missing field `model_name`"),
        (
            json!({"model_name": 7, "version": "1"}),
            "invalid type: integer `7`, expected a string",
        ),
        (
            json!({"model_name": "m", "version": "1", "model_id": "x"}),
            "unknown field `model_id`, expected one of `model_name`, `version`, `status`, `metadata`, `owner`, `tags`",
        ),
    ];
    for (body, message) in cases {
        let response = post(serde_json::to_vec(&body).unwrap()).await;
        assert_error(&response, 400, "invalid_argument", message);
    }
    // Characters, not bytes: 255 two-byte characters fit.
    create(
        h.addr(),
        json!({"model_name": "é".repeat(255), "version": "1"}),
    )
    .await;
    let broken = post(b"{\"model_name\": ".to_vec()).await;
    assert_error(
        &broken,
        400,
        "invalid_argument",
        "the request body is not valid JSON: EOF while parsing a value",
    );
    let huge =
        json!({"model_name": "m", "version": "1", "metadata": {"blob": "x".repeat(1 << 20)}});
    let too_large = post(serde_json::to_vec(&huge).unwrap()).await;
    assert_error(
        &too_large,
        413,
        "payload_too_large",
        "the request body is over 1048576 bytes",
    );
    let search = get(h.addr(), "/registry/v1/models?no_such=1").await;
    assert_error(
        &search,
        400,
        "invalid_argument",
        "unknown query parameter 'no_such'",
    );
    h.stop().await;
}

#[tokio::test]
async fn missing_rows_routes_and_methods_answer_in_the_error_shape() {
    let h = Harness::start_with(Config::ephemeral()).await;
    let id = "00000000-0000-4000-8000-000000000000";
    assert_error(
        &get(h.addr(), &format!("/registry/v1/models/{id}")).await,
        404,
        "not_found",
        &format!("model version with model_id '{id}' not found"),
    );
    assert_error(
        &get(h.addr(), "/registry/v1/names/m/versions/1").await,
        404,
        "not_found",
        "model 'm' has no version '1'",
    );
    assert_error(
        &get(h.addr(), "/registry/v1/names/m/latest").await,
        404,
        "not_found",
        "model 'm' has no version in status 'production'",
    );
    assert_error(
        &get(h.addr(), "/registry/v1/names/m/versions").await,
        404,
        "not_found",
        "model 'm' has no versions",
    );
    assert_error(
        &get(h.addr(), &format!("/registry/v1/models/{id}/transitions")).await,
        404,
        "not_found",
        &format!("model version with model_id '{id}' not found"),
    );
    assert_error(
        &get(h.addr(), "/registry/v1/nothing/here").await,
        404,
        "not_found",
        "no such resource",
    );
    assert_error(
        &call(h.addr(), "PUT", "/registry/v1/models", &[], None).await,
        405,
        "method_not_allowed",
        "this method is not allowed on this resource",
    );
    h.stop().await;
}

#[tokio::test]
async fn updates_merge_metadata_replace_owner_and_tags_and_honour_if_match() {
    let h = Harness::start_with(Config::ephemeral()).await;
    let row = create(
        h.addr(),
        json!({"model_name": "m", "version": "1", "metadata": {"a": 1, "b": 2},
               "owner": "alice", "tags": ["x"]}),
    )
    .await;
    let path = format!("/registry/v1/models/{}", row["model_id"].as_str().unwrap());
    let first_etag = get(h.addr(), &path)
        .await
        .header("etag")
        .unwrap()
        .to_owned();

    let patch = json!({"metadata": {"b": null, "c": "three"}, "owner": null, "tags": ["y", "z"]});
    let updated = call(
        h.addr(),
        "PATCH",
        &path,
        &[("If-Match", &first_etag)],
        Some(&patch),
    )
    .await;
    assert_eq!(updated.status, 200, "{}", updated.text());
    let second_etag = updated.header("etag").unwrap().to_owned();
    assert_ne!(second_etag, first_etag);
    let body = updated.json();
    assert_eq!(body["metadata"], json!({"a": 1, "c": "three"}));
    assert_eq!(body["owner"], Value::Null);
    assert_eq!(body["tags"], json!(["y", "z"]));
    assert_eq!(body["created_at"], row["created_at"]);
    assert!(body["updated_at"].as_str() >= row["updated_at"].as_str());

    // The old ETag no longer matches: nothing changes.
    let stale = call(
        h.addr(),
        "PATCH",
        &path,
        &[("If-Match", &first_etag)],
        Some(&json!({"owner": "mallory"})),
    )
    .await;
    assert_error(
        &stale,
        412,
        "precondition_failed",
        &format!(
            "If-Match does not match the current ETag {second_etag} of model_id '{}'",
            row["model_id"].as_str().unwrap()
        ),
    );
    assert_eq!(get(h.addr(), &path).await.json()["owner"], Value::Null);
    // `*` matches any current revision; a member left out is kept.
    let star = call(
        h.addr(),
        "PATCH",
        &path,
        &[("If-Match", "*")],
        Some(&json!({"owner": "bob"})),
    )
    .await;
    assert_eq!(star.status, 200);
    assert_eq!(star.json()["tags"], json!(["y", "z"]));
    let unknown = call(
        h.addr(),
        "PATCH",
        &path,
        &[],
        Some(&json!({"status": "production"})),
    )
    .await;
    assert_error(
        &unknown,
        400,
        "invalid_argument",
        "unknown field `status`, expected one of `metadata`, `owner`, `tags`",
    );
    // Search by the replaced tags: the tag index follows the row.
    let by_old_tag = get(h.addr(), "/registry/v1/models?tag=x").await.json();
    assert_eq!(by_old_tag["models"], json!([]));
    let by_new_tag = get(h.addr(), "/registry/v1/models?tag=z").await.json();
    assert_eq!(by_new_tag["models"].as_array().unwrap().len(), 1);
    h.stop().await;
}

async fn move_to(h: &Harness, id: &str, status: &str, who: &str) -> crate::util::RawResponse {
    call(
        h.addr(),
        "POST",
        &format!("/registry/v1/models/{id}/transitions"),
        &[],
        Some(&json!({"status": status, "changed_by": who})),
    )
    .await
}

#[tokio::test]
async fn the_lifecycle_allows_its_moves_refuses_the_rest_and_keeps_a_history() {
    let h = Harness::start_with(Config::ephemeral()).await;
    let row = create(
        h.addr(),
        json!({"model_name": "m", "version": "1", "owner": "alice"}),
    )
    .await;
    let id = row["model_id"].as_str().unwrap();

    let skip = move_to(&h, id, "production", "bob").await;
    assert_error(
        &skip,
        409,
        "illegal_transition",
        "cannot move a model version from 'draft' to 'production'; from 'draft' it may move to: testing",
    );
    let same = move_to(&h, id, "draft", "bob").await;
    assert_error(
        &same,
        409,
        "illegal_transition",
        "the model version is already in status 'draft'",
    );
    for (to, who) in [
        ("testing", "bob"),
        ("staging", "carol"),
        ("production", "carol"),
        ("staging", "dave"),
    ] {
        let moved = move_to(&h, id, to, who).await;
        assert_eq!(moved.status, 200, "{}", moved.text());
        assert_eq!(moved.json()["status"], to);
    }
    let history = get(h.addr(), &format!("/registry/v1/models/{id}/transitions")).await;
    assert_eq!(history.status, 200);
    let history = history.json();
    assert_eq!(history["model_id"], id);
    let moves: Vec<(Value, Value, Value)> = history["transitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            assert!(is_rfc3339_ms(t["changed_at"].as_str().unwrap()));
            (
                t["from_status"].clone(),
                t["to_status"].clone(),
                t["changed_by"].clone(),
            )
        })
        .collect();
    assert_eq!(
        moves,
        vec![
            (Value::Null, json!("draft"), json!("alice")),
            (json!("draft"), json!("testing"), json!("bob")),
            (json!("testing"), json!("staging"), json!("carol")),
            (json!("staging"), json!("production"), json!("carol")),
            (json!("production"), json!("staging"), json!("dave")),
        ]
    );
    let bad = move_to(&h, id, "archived", "x").await;
    assert_error(
        &bad,
        400,
        "invalid_argument",
        "status must be one of draft, testing, staging, production (got 'archived')",
    );
    h.stop().await;
}

#[tokio::test]
async fn latest_in_status_follows_creations_and_transitions() {
    let h = Harness::start_with(Config::ephemeral()).await;
    let mut ids = Vec::new();
    for version in ["1", "2", "3"] {
        let row = create(
            h.addr(),
            json!({"model_name": "m", "version": version, "status": "staging"}),
        )
        .await;
        ids.push(row["model_id"].as_str().unwrap().to_owned());
    }
    let latest = |status: &'static str| {
        let addr = h.addr();
        async move {
            get(
                addr,
                &format!("/registry/v1/names/m/latest?status={status}"),
            )
            .await
        }
    };
    assert_eq!(latest("staging").await.json()["version"], "3");
    assert_eq!(latest("production").await.status, 404);
    assert_eq!(move_to(&h, &ids[0], "production", "ops").await.status, 200);
    assert_eq!(latest("production").await.json()["version"], "1");
    assert_eq!(move_to(&h, &ids[1], "production", "ops").await.status, 200);
    // Read twice: the second answer comes from the cache and must still be the newest.
    for _ in 0..2 {
        assert_eq!(
            get(h.addr(), "/registry/v1/names/m/latest").await.json()["version"],
            "2"
        );
    }
    assert_eq!(move_to(&h, &ids[1], "staging", "ops").await.status, 200);
    assert_eq!(latest("production").await.json()["version"], "1");
    assert_eq!(latest("staging").await.json()["version"], "3");
    assert_error(
        &latest("gone").await,
        400,
        "invalid_argument",
        "status must be one of draft, testing, staging, production (got 'gone')",
    );
    h.stop().await;
}

#[tokio::test]
async fn delete_honours_if_match_and_frees_the_name_and_version() {
    let h = Harness::start_with(Config::ephemeral()).await;
    let row = create(
        h.addr(),
        json!({"model_name": "m", "version": "1", "tags": ["t"]}),
    )
    .await;
    let id = row["model_id"].as_str().unwrap();
    let path = format!("/registry/v1/models/{id}");
    // Cache the row by name and version before deleting it.
    assert_eq!(
        get(h.addr(), "/registry/v1/names/m/versions/1")
            .await
            .status,
        200
    );
    let wrong = call(
        h.addr(),
        "DELETE",
        &path,
        &[("If-Match", "\"other\"")],
        None,
    )
    .await;
    assert_eq!(wrong.status, 412);
    let weak = format!("W/{}", get(h.addr(), &path).await.header("etag").unwrap());
    assert_eq!(
        call(h.addr(), "DELETE", &path, &[("If-Match", &weak)], None)
            .await
            .status,
        412
    );
    let deleted = call(h.addr(), "DELETE", &path, &[], None).await;
    assert_eq!((deleted.status, deleted.body.len()), (204, 0));
    assert_eq!(get(h.addr(), &path).await.status, 404);
    assert_eq!(
        get(h.addr(), "/registry/v1/names/m/versions/1")
            .await
            .status,
        404
    );
    assert_eq!(
        get(h.addr(), &format!("{path}/transitions")).await.status,
        404
    );
    assert_eq!(
        get(h.addr(), "/registry/v1/models?tag=t").await.json()["models"],
        json!([])
    );
    assert_eq!(call(h.addr(), "DELETE", &path, &[], None).await.status, 404);
    let again = create(h.addr(), json!({"model_name": "m", "version": "1"})).await;
    assert_ne!(again["model_id"], row["model_id"]);
    h.stop().await;
}

#[tokio::test]
async fn rows_indexes_and_history_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let h = Harness::start_with(Config::ephemeral_on_disk(dir.path())).await;
    let row = create(
        h.addr(),
        json!({"model_name": "m", "version": "1", "tags": ["t"], "status": "staging"}),
    )
    .await;
    let id = row["model_id"].as_str().unwrap().to_owned();
    assert_eq!(move_to(&h, &id, "production", "ops").await.status, 200);
    let before = get(h.addr(), &format!("/registry/v1/models/{id}"))
        .await
        .json();
    h.stop().await;

    let h = Harness::start_with(Config::ephemeral_on_disk(dir.path())).await;
    assert_eq!(
        get(h.addr(), &format!("/registry/v1/models/{id}"))
            .await
            .json(),
        before
    );
    assert_eq!(
        get(h.addr(), "/registry/v1/names/m/latest").await.json(),
        before
    );
    assert_eq!(
        get(h.addr(), "/registry/v1/models?tag=t").await.json()["models"],
        json!([before])
    );
    let history = get(h.addr(), &format!("/registry/v1/models/{id}/transitions"))
        .await
        .json();
    assert_eq!(history["transitions"].as_array().unwrap().len(), 2);
    assert_error(
        &call(
            h.addr(),
            "POST",
            "/registry/v1/models",
            &[],
            Some(&json!({"model_name": "m", "version": "1"})),
        )
        .await,
        409,
        "already_exists",
        "model 'm' already has a version '1'",
    );
    h.stop().await;
}
