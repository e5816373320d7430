"""The unmodified MLflow client (mlflow-skinny) against the emulator's MLflow registry API,
and the same rows seen through the native API. Run by smoke.sh with DRYDOCK_ENDPOINT set."""

import json
import os
import sys
import urllib.request
import warnings

os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
warnings.simplefilter("ignore", FutureWarning)

import mlflow  # noqa: E402
from mlflow import MlflowClient  # noqa: E402
from mlflow.exceptions import MlflowException  # noqa: E402
from mlflow.store.artifact.models_artifact_repo import ModelsArtifactRepository  # noqa: E402

ENDPOINT = os.environ["DRYDOCK_ENDPOINT"]
mlflow.set_tracking_uri(ENDPOINT)
mlflow.set_registry_uri(ENDPOINT)
client = MlflowClient(tracking_uri=ENDPOINT, registry_uri=ENDPOINT)


def log(msg):
    print(f"mlflow_registry.py: {msg}", file=sys.stderr)


def expect(label, actual, expected):
    if actual != expected:
        raise SystemExit(f"mlflow_registry.py: FAIL: {label}: got {actual!r}, expected {expected!r}")
    log(f"ok: {label}")


def expect_error(label, call, code, message):
    try:
        call()
    except MlflowException as e:
        expect(f"{label} (code)", e.error_code, code)
        # The client prefixes the server's message with its code.
        expect(f"{label} (message)", e.message, f"{code}: {message}")
        return
    raise SystemExit(f"mlflow_registry.py: FAIL: {label}: no error")


def native(path):
    with urllib.request.urlopen(f"{ENDPOINT}/registry/v1/{path}") as response:
        return json.load(response)


# ---- registered models ----
rm = client.create_registered_model("fraud-detector", tags={"team": "risk"}, description="card fraud")
expect("create_registered_model name", rm.name, "fraud-detector")
expect("create_registered_model tags", rm.tags, {"team": "risk"})
expect_error(
    "a duplicate registered model",
    lambda: client.create_registered_model("fraud-detector"),
    "RESOURCE_ALREADY_EXISTS",
    "Registered Model (name=fraud-detector) already exists.",
)
expect_error(
    "a missing registered model",
    lambda: client.get_registered_model("nope"),
    "RESOURCE_DOES_NOT_EXIST",
    "Registered Model with name=nope not found",
)
client.create_registered_model("churn")

# ---- model versions ----
v1 = client.create_model_version(
    "fraud-detector", "s3://models/fraud/1", tags={"framework": "xgboost"}, description="first"
)
v2 = client.create_model_version("fraud-detector", "s3://models/fraud/2", run_id="run-2")
expect("version numbers are assigned in order", (v1.version, v2.version), ("1", "2"))
expect("a new version is in stage None", v1.current_stage, "None")
expect("a new version is READY", v1.status, "READY")
got = client.get_model_version("fraud-detector", "1")
expect("get_model_version source", got.source, "s3://models/fraud/1")
expect("get_model_version description", got.description, "first")
expect("get_model_version tags", got.tags, {"framework": "xgboost"})
expect("get_model_version run_id", client.get_model_version("fraud-detector", "2").run_id, "run-2")
expect_error(
    "a missing model version",
    lambda: client.get_model_version("fraud-detector", "9"),
    "RESOURCE_DOES_NOT_EXIST",
    "Model Version (name=fraud-detector, version=9) not found",
)

# ---- stages ----
mv = client.transition_model_version_stage("fraud-detector", "1", "Production")
expect("transition to Production", mv.current_stage, "Production")
mv = client.transition_model_version_stage(
    "fraud-detector", "2", "production", archive_existing_versions=True
)
expect("a stage name in any case", mv.current_stage, "Production")
expect(
    "archive_existing_versions archived version 1",
    client.get_model_version("fraud-detector", "1").current_stage,
    "Archived",
)
latest = client.get_latest_versions("fraud-detector", stages=["Production"])
expect("get_latest_versions Production", [v.version for v in latest], ["2"])
latest = client.get_latest_versions("fraud-detector")
expect(
    "get_latest_versions, every stage",
    sorted((v.version, v.current_stage) for v in latest),
    [("1", "Archived"), ("2", "Production")],
)
expect_error(
    "an unknown stage",
    lambda: client.transition_model_version_stage("fraud-detector", "1", "Retired"),
    "INVALID_PARAMETER_VALUE",
    "Invalid Model Version stage: Retired. Value must be one of None, Staging, Production, Archived.",
)

# The native API shows the same rows: production is the seed's status, tags are key=value.
row = native("names/fraud-detector/versions/2")
expect("native status of an MLflow Production version", row["status"], "production")
expect("native latest production", native("names/fraud-detector/latest")["version"], "2")
expect("native tags of an MLflow version", native("names/fraud-detector/versions/1")["tags"], ["framework=xgboost"])

# ---- aliases ----
client.set_registered_model_alias("fraud-detector", "champion", "2")
client.set_registered_model_alias("fraud-detector", "challenger", "1")
expect("get_model_version_by_alias", client.get_model_version_by_alias("fraud-detector", "champion").version, "2")
expect("aliases on the version", client.get_model_version("fraud-detector", "2").aliases, ["champion"])
expect(
    "aliases on the registered model",
    client.get_registered_model("fraud-detector").aliases,
    {"champion": "2", "challenger": "1"},
)
client.delete_registered_model_alias("fraud-detector", "challenger")
expect_error(
    "a deleted alias",
    lambda: client.get_model_version_by_alias("fraud-detector", "challenger"),
    "INVALID_PARAMETER_VALUE",
    "Registered model alias challenger not found.",
)

# ---- models:/ URIs ----
expect(
    "get_model_version_download_uri",
    client.get_model_version_download_uri("fraud-detector", "1"),
    "s3://models/fraud/1",
)
expect("models:/name/1", ModelsArtifactRepository.get_underlying_uri("models:/fraud-detector/1"), "s3://models/fraud/1")
expect(
    "models:/name@alias",
    ModelsArtifactRepository.get_underlying_uri("models:/fraud-detector@champion"),
    "s3://models/fraud/2",
)

# ---- tags ----
client.set_model_version_tag("fraud-detector", "2", "validated", "yes")
client.set_model_version_tag("fraud-detector", "2", "validated", "twice")
client.delete_model_version_tag("fraud-detector", "1", "framework")
expect("model version tags", client.get_model_version("fraud-detector", "2").tags, {"validated": "twice"})
expect("a deleted model version tag", client.get_model_version("fraud-detector", "1").tags, {})
client.set_registered_model_tag("churn", "team", "growth")
client.delete_registered_model_tag("fraud-detector", "team")
expect("registered model tags", client.get_registered_model("churn").tags, {"team": "growth"})

# ---- search ----
names = [m.name for m in client.search_registered_models()]
expect("search_registered_models, name order", names, ["churn", "fraud-detector"])
expect(
    "search_registered_models LIKE",
    [m.name for m in client.search_registered_models("name LIKE 'fraud%'")],
    ["fraud-detector"],
)
expect(
    "search_registered_models by tag",
    [m.name for m in client.search_registered_models("tags.team = 'growth'")],
    ["churn"],
)
page = client.search_registered_models(max_results=1)
expect("a first page of one", [m.name for m in page], ["churn"])
page = client.search_registered_models(max_results=1, page_token=page.token)
expect("the next page", [m.name for m in page], ["fraud-detector"])
expect_error(
    "OR in a filter",
    lambda: client.search_registered_models("name = 'a' OR name = 'b'"),
    "INVALID_PARAMETER_VALUE",
    "Invalid clause(s) in filter string: OR",
)
found = client.search_model_versions("name = 'fraud-detector'", order_by=["version_number ASC"])
expect("search_model_versions by name", [v.version for v in found], ["1", "2"])
found = client.search_model_versions("name = 'fraud-detector' AND version_number > 1")
expect("search_model_versions by version_number", [v.version for v in found], ["2"])
found = client.search_model_versions("tags.validated = 'twice'")
expect("search_model_versions by tag", [(v.name, v.version) for v in found], [("fraud-detector", "2")])
found = client.search_model_versions("run_id = 'run-2'")
expect("search_model_versions by run_id", [v.version for v in found], ["2"])

# ---- update, rename, delete ----
client.update_registered_model("fraud-detector", description="card and wire fraud")
expect("update_registered_model", client.get_registered_model("fraud-detector").description, "card and wire fraud")
client.update_model_version("fraud-detector", "1", description="retired")
expect("update_model_version", client.get_model_version("fraud-detector", "1").description, "retired")
client.rename_registered_model("fraud-detector", "fraud")
expect("rename_registered_model", client.get_registered_model("fraud").description, "card and wire fraud")
expect("versions follow a rename", client.get_model_version("fraud", "2").source, "s3://models/fraud/2")
expect("aliases follow a rename", client.get_model_version_by_alias("fraud", "champion").version, "2")
expect("the native API sees the rename", native("names/fraud/latest")["version"], "2")
expect_error(
    "the old name is gone",
    lambda: client.get_registered_model("fraud-detector"),
    "RESOURCE_DOES_NOT_EXIST",
    "Registered Model with name=fraud-detector not found",
)
client.delete_model_version("fraud", "1")
expect_error(
    "a deleted version",
    lambda: client.get_model_version("fraud", "1"),
    "RESOURCE_DOES_NOT_EXIST",
    "Model Version (name=fraud, version=1) not found",
)
v3 = client.create_model_version("fraud", "s3://models/fraud/3")
expect("version numbers are not reused", v3.version, "3")
client.delete_registered_model("fraud")
expect("delete_registered_model", [m.name for m in client.search_registered_models()], ["churn"])
expect_error(
    "versions go with their model",
    lambda: client.get_model_version("fraud", "2"),
    "RESOURCE_DOES_NOT_EXIST",
    "Model Version (name=fraud, version=2) not found",
)
log("all checks passed")
