//! `/api/2.0/mlflow/`: MLflow's error shapes and codes as its server answers them, and the
//! mapping onto the native API's rows in both directions.

use emulator::Config;
use serde_json::{Value, json};

use super::{call, create, get};
use crate::util::{Harness, RawResponse};

async fn mlflow(h: &Harness, method: &str, endpoint: &str, body: Option<Value>) -> RawResponse {
    call(
        h.addr(),
        method,
        &format!("/api/2.0/mlflow/{endpoint}"),
        &[],
        body.as_ref(),
    )
    .await
}

/// Method, endpoint, body; then the status, error code and message MLflow's server answers.
type ErrorCase = (
    &'static str,
    &'static str,
    Option<Value>,
    u16,
    &'static str,
    &'static str,
);

#[track_caller]
fn assert_mlflow_error(response: &RawResponse, status: u16, code: &str, message: &str) {
    let class = if code == "RESOURCE_DOES_NOT_EXIST" {
        "RESOURCE_NOT_FOUND"
    } else {
        code
    };
    assert_eq!(
        (response.status, response.json()),
        (
            status,
            json!({"error_code": code, "message": message, "sqlstate": "KAM00", "error_class": class})
        )
    );
}

#[tokio::test]
async fn errors_have_mlflow_s_codes_statuses_and_texts() {
    let h = Harness::start_with(Config::ephemeral()).await;
    let created = mlflow(
        &h,
        "POST",
        "registered-models/create",
        Some(json!({"name": "m"})),
    )
    .await;
    assert_eq!(created.status, 200);
    let cases: Vec<ErrorCase> = vec![
        (
            "POST",
            "registered-models/create",
            Some(json!({"name": "m"})),
            400,
            "RESOURCE_ALREADY_EXISTS",
            "Registered Model (name=m) already exists.",
        ),
        (
            "POST",
            "registered-models/create",
            Some(json!({})),
            400,
            "INVALID_PARAMETER_VALUE",
            "Missing value for required parameter 'name'. See the API docs for more information about request parameters.",
        ),
        (
            "POST",
            "registered-models/create",
            Some(json!({"name": 5})),
            400,
            "INVALID_PARAMETER_VALUE",
            "Invalid value 5 for parameter 'name' supplied:  Hint: Value was of type 'int'. See the API docs for more information about request parameters.",
        ),
        (
            "POST",
            "registered-models/create",
            Some(json!({"name": "a:b"})),
            400,
            "INVALID_PARAMETER_VALUE",
            "Invalid model name 'a:b'. Names cannot contain '/' or ':'.",
        ),
        (
            "GET",
            "registered-models/get?name=nope",
            None,
            404,
            "RESOURCE_DOES_NOT_EXIST",
            "Registered Model with name=nope not found",
        ),
        (
            "POST",
            "model-versions/create",
            Some(json!({"name": "nope", "source": "s3://b"})),
            404,
            "RESOURCE_DOES_NOT_EXIST",
            "Registered Model with name=nope not found",
        ),
        (
            "POST",
            "model-versions/create",
            Some(json!({"name": "m"})),
            400,
            "INVALID_PARAMETER_VALUE",
            "Missing value for required parameter 'source'. See the API docs for more information about request parameters.",
        ),
        (
            "GET",
            "model-versions/get?name=m&version=abc",
            None,
            400,
            "INVALID_PARAMETER_VALUE",
            "Parameter 'version' must be an integer, got 'abc'.",
        ),
        (
            "GET",
            "model-versions/get?name=m&version=3",
            None,
            404,
            "RESOURCE_DOES_NOT_EXIST",
            "Model Version (name=m, version=3) not found",
        ),
        (
            "GET",
            "registered-models/alias?name=m&alias=gone",
            None,
            400,
            "INVALID_PARAMETER_VALUE",
            "Registered model alias gone not found.",
        ),
        (
            "POST",
            "registered-models/alias",
            Some(json!({"name": "m", "alias": "latest", "version": "1"})),
            400,
            "INVALID_PARAMETER_VALUE",
            "'latest' alias name (case insensitive) is reserved.",
        ),
        (
            "POST",
            "registered-models/alias",
            Some(json!({"name": "m", "alias": "v2", "version": "1"})),
            400,
            "INVALID_PARAMETER_VALUE",
            "Version alias name 'v2' is reserved.",
        ),
        (
            "GET",
            "registered-models/get-latest-versions?name=m&stages=Retired",
            None,
            400,
            "INVALID_PARAMETER_VALUE",
            "Invalid Model Version stage: Retired. Value must be one of None, Staging, Production, Archived.",
        ),
        (
            "GET",
            "registered-models/search?max_results=1001",
            None,
            400,
            "INVALID_PARAMETER_VALUE",
            "Invalid value \"1001\" for parameter 'max_results' supplied: Hint: Value was of type 'str'. See the API docs for more information about request parameters.",
        ),
        (
            "GET",
            "registered-models/search?page_token=zzz",
            None,
            400,
            "INVALID_PARAMETER_VALUE",
            "Invalid page token, could not base64-decode",
        ),
        (
            "GET",
            "registered-models/search?filter=name%20%3D%20%27a%27%20OR%20name%20%3D%20%27b%27",
            None,
            400,
            "INVALID_PARAMETER_VALUE",
            "Invalid clause(s) in filter string: OR",
        ),
        (
            "GET",
            "model-versions/search?filter=metric.x%20%3E%201",
            None,
            400,
            "INVALID_PARAMETER_VALUE",
            "Invalid entity type 'metric'. Valid entity types are ('attribute', 'tag', 'tags')",
        ),
    ];
    for (method, endpoint, body, status, code, message) in cases {
        let response = mlflow(&h, method, endpoint, body).await;
        assert_mlflow_error(&response, status, code, message);
    }
    // A request mistake MLflow answers with 500 is a 400 here: its client retries 5xx.
    mlflow(
        &h,
        "POST",
        "model-versions/create",
        Some(json!({"name": "m", "source": "s3://b"})),
    )
    .await;
    let archive = mlflow(
        &h,
        "POST",
        "model-versions/transition-stage",
        Some(json!({"name": "m", "version": "1", "stage": "Archived", "archive_existing_versions": true})),
    )
    .await;
    assert_eq!(archive.status, 400);
    assert_eq!(archive.json()["error_code"], "INVALID_PARAMETER_VALUE");
    let unknown = mlflow(&h, "GET", "registered-models/nothing", None).await;
    assert_eq!(
        (unknown.status, unknown.json()["error_code"].clone()),
        (404, json!("ENDPOINT_NOT_FOUND"))
    );
    h.stop().await;
}

#[tokio::test]
async fn mlflow_versions_are_native_rows_and_native_rows_are_mlflow_versions() {
    let h = Harness::start_with(Config::ephemeral()).await;
    mlflow(
        &h,
        "POST",
        "registered-models/create",
        Some(json!({"name": "m"})),
    )
    .await;
    let created = mlflow(
        &h,
        "POST",
        "model-versions/create",
        Some(
            json!({"name": "m", "source": "s3://b/1", "run_id": "r", "description": "d",
                    "tags": [{"key": "team", "value": "risk"}]}),
        ),
    )
    .await
    .json();
    let version = &created["model_version"];
    assert_eq!(
        (
            version["version"].clone(),
            version["current_stage"].clone(),
            version["status"].clone()
        ),
        (json!("1"), json!("None"), json!("READY"))
    );
    assert!(
        version.get("aliases").is_none(),
        "empty lists are left out: {version}"
    );
    let row = get(h.addr(), "/registry/v1/names/m/versions/1")
        .await
        .json();
    assert_eq!(row["status"], "draft");
    assert_eq!(row["tags"], json!(["team=risk"]));
    assert_eq!(
        row["metadata"]["mlflow"],
        json!({"description": "d", "source": "s3://b/1", "run_id": "r", "run_link": ""})
    );
    // MLflow's Archived is the draft status plus a flag; native transitions clear it.
    mlflow(
        &h,
        "POST",
        "model-versions/transition-stage",
        Some(json!({"name": "m", "version": "1", "stage": "Archived"})),
    )
    .await;
    let row = get(h.addr(), "/registry/v1/names/m/versions/1")
        .await
        .json();
    assert_eq!(
        (
            row["status"].clone(),
            row["metadata"]["mlflow"]["archived"].clone()
        ),
        (json!("draft"), json!(true))
    );
    let id = row["model_id"].as_str().unwrap();
    let moved = call(
        h.addr(),
        "POST",
        &format!("/registry/v1/models/{id}/transitions"),
        &[],
        Some(&json!({"status": "testing"})),
    )
    .await;
    assert_eq!(moved.status, 200);
    let got = mlflow(&h, "GET", "model-versions/get?name=m&version=1", None)
        .await
        .json();
    assert_eq!(got["model_version"]["current_stage"], "None");

    // A native row with an integer version under a new name is an MLflow version of a
    // registered model created with it; one with another version string is not.
    create(h.addr(), json!({"model_name": "n", "version": "7", "status": "production", "owner": "alice", "tags": ["gpu"]})).await;
    create(h.addr(), json!({"model_name": "n", "version": "1.0"})).await;
    let latest = mlflow(
        &h,
        "GET",
        "registered-models/get-latest-versions?name=n",
        None,
    )
    .await
    .json();
    let versions = latest["model_versions"].as_array().unwrap();
    assert_eq!(versions.len(), 1);
    assert_eq!(
        (
            versions[0]["version"].clone(),
            versions[0]["current_stage"].clone(),
            versions[0]["user_id"].clone()
        ),
        (json!("7"), json!("Production"), json!("alice"))
    );
    assert_eq!(versions[0]["tags"], json!([{"key": "gpu", "value": ""}]));
    // MLflow numbering continues past the native version numbers it finds.
    let next = mlflow(
        &h,
        "POST",
        "model-versions/create",
        Some(json!({"name": "n", "source": "s3://n"})),
    )
    .await
    .json();
    assert_eq!(next["model_version"]["version"], "1");
    h.stop().await;
}

#[tokio::test]
async fn renames_and_deletes_carry_rows_aliases_and_the_cache_along() {
    let h = Harness::start_with(Config::ephemeral()).await;
    mlflow(
        &h,
        "POST",
        "registered-models/create",
        Some(json!({"name": "a"})),
    )
    .await;
    mlflow(
        &h,
        "POST",
        "model-versions/create",
        Some(json!({"name": "a", "source": "s3://a"})),
    )
    .await;
    mlflow(
        &h,
        "POST",
        "model-versions/transition-stage",
        Some(json!({"name": "a", "version": "1", "stage": "Production"})),
    )
    .await;
    mlflow(
        &h,
        "POST",
        "registered-models/alias",
        Some(json!({"name": "a", "alias": "champ", "version": "1"})),
    )
    .await;
    // Warm the cache under the old name.
    assert_eq!(
        get(h.addr(), "/registry/v1/names/a/latest").await.status,
        200
    );
    let renamed = mlflow(
        &h,
        "POST",
        "registered-models/rename",
        Some(json!({"name": "a", "new_name": "b"})),
    )
    .await;
    assert_eq!(renamed.status, 200, "{}", renamed.text());
    assert_eq!(
        renamed.json()["registered_model"]["aliases"],
        json!([{"alias": "champ", "version": "1"}])
    );
    assert_eq!(
        get(h.addr(), "/registry/v1/names/a/latest").await.status,
        404
    );
    assert_eq!(
        get(h.addr(), "/registry/v1/names/b/latest").await.json()["version"],
        "1"
    );
    let by_alias = mlflow(
        &h,
        "GET",
        "registered-models/alias?name=b&alias=champ",
        None,
    )
    .await
    .json();
    assert_eq!(by_alias["model_version"]["aliases"], json!(["champ"]));
    let deleted = mlflow(
        &h,
        "DELETE",
        "registered-models/delete",
        Some(json!({"name": "b"})),
    )
    .await;
    assert_eq!((deleted.status, deleted.json()), (200, json!({})));
    assert_eq!(
        get(h.addr(), "/registry/v1/names/b/versions/1")
            .await
            .status,
        404
    );
    let empty = mlflow(&h, "GET", "model-versions/search", None).await;
    assert_eq!((empty.status, empty.json()), (200, json!({})));
    h.stop().await;
}
