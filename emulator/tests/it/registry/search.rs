//! Search: every filter alone and combined, pagination, ordering, and the read cache's
//! hit counts in `/metrics`.

use emulator::Config;
use serde_json::{Value, json};

use super::{assert_error, call, create, get};
use crate::util::Harness;

/// (model_name, version) of each row of a search answer, in order.
fn keys(page: &Value) -> Vec<(String, String)> {
    page["models"]
        .as_array()
        .unwrap_or_else(|| panic!("no models in {page}"))
        .iter()
        .map(|r| {
            (
                r["model_name"].as_str().unwrap().to_owned(),
                r["version"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect()
}

async fn search(h: &Harness, query: &str) -> Value {
    let response = get(h.addr(), &format!("/registry/v1/models?{query}")).await;
    assert_eq!(response.status, 200, "{query}: {}", response.text());
    response.json()
}

/// Six rows across three models.
async fn seed(h: &Harness) {
    let rows = [
        json!({"model_name": "fraud", "version": "1", "status": "production", "owner": "alice",
               "tags": ["team=risk", "gpu"], "metadata": {"framework": "xgboost", "epochs": 10}}),
        json!({"model_name": "fraud", "version": "2", "status": "staging", "owner": "bob",
               "tags": ["team=risk"], "metadata": {"framework": "torch", "epochs": 20}}),
        json!({"model_name": "fraud-v2", "version": "1", "status": "draft", "owner": "alice",
               "tags": ["team=risk", "experimental"], "metadata": {"framework": "torch"}}),
        json!({"model_name": "churn", "version": "1", "status": "production", "owner": "carol",
               "tags": ["team=growth", "gpu"], "metadata": {"framework": "xgboost", "calibrated": true}}),
        json!({"model_name": "churn", "version": "2", "status": "testing", "owner": "carol",
               "tags": ["team=growth"]}),
        json!({"model_name": "ranker", "version": "1", "status": "draft", "tags": []}),
    ];
    for row in rows {
        create(h.addr(), row).await;
    }
}

#[tokio::test]
async fn each_filter_selects_its_rows_in_name_and_version_order() {
    let h = Harness::start_with(Config::ephemeral()).await;
    seed(&h).await;
    let cases: Vec<(&str, Vec<(&str, &str)>)> = vec![
        (
            "",
            vec![
                ("churn", "1"),
                ("churn", "2"),
                ("fraud", "1"),
                ("fraud", "2"),
                ("fraud-v2", "1"),
                ("ranker", "1"),
            ],
        ),
        ("status=production", vec![("churn", "1"), ("fraud", "1")]),
        ("status=draft", vec![("fraud-v2", "1"), ("ranker", "1")]),
        (
            "tag=team%3Drisk",
            vec![("fraud", "1"), ("fraud", "2"), ("fraud-v2", "1")],
        ),
        ("tag=team%3Drisk&tag=gpu", vec![("fraud", "1")]),
        (
            "any_tag=gpu&any_tag=experimental",
            vec![("churn", "1"), ("fraud", "1"), ("fraud-v2", "1")],
        ),
        (
            "any_tag=gpu&any_tag=team%3Dgrowth",
            vec![("churn", "1"), ("churn", "2"), ("fraud", "1")],
        ),
        ("owner=alice", vec![("fraud", "1"), ("fraud-v2", "1")]),
        ("model_name=fraud", vec![("fraud", "1"), ("fraud", "2")]),
        (
            "model_name_prefix=fraud",
            vec![("fraud", "1"), ("fraud", "2"), ("fraud-v2", "1")],
        ),
        ("model_name_prefix=fr&status=staging", vec![("fraud", "2")]),
        (
            "metadata.framework=torch",
            vec![("fraud", "2"), ("fraud-v2", "1")],
        ),
        ("metadata.epochs=10", vec![("fraud", "1")]),
        ("metadata.calibrated=true", vec![("churn", "1")]),
        (
            "metadata.framework=xgboost&tag=gpu&status=production&owner=carol",
            vec![("churn", "1")],
        ),
        ("tag=gpu&model_name=fraud", vec![("fraud", "1")]),
        ("tag=nothing", vec![]),
        ("model_name=nothing", vec![]),
    ];
    for (query, expected) in cases {
        assert_eq!(keys(&search(&h, query).await), pairs(&expected), "{query}");
    }
    h.stop().await;
}

#[tokio::test]
async fn time_ranges_bound_created_and_updated() {
    let h = Harness::start_with(Config::ephemeral()).await;
    let first = create(h.addr(), json!({"model_name": "a", "version": "1"})).await;
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let second = create(h.addr(), json!({"model_name": "b", "version": "1"})).await;
    let t1 = first["created_at"].as_str().unwrap();
    let t2 = second["created_at"].as_str().unwrap();
    let enc = |t: &str| t.replace(':', "%3A");
    assert_eq!(
        keys(&search(&h, &format!("created_after={}", enc(t1))).await),
        pairs(&[("b", "1")])
    );
    assert_eq!(
        keys(&search(&h, &format!("created_before={}", enc(t2))).await),
        pairs(&[("a", "1")])
    );
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let path = format!(
        "/registry/v1/models/{}",
        first["model_id"].as_str().unwrap()
    );
    let touched = call(h.addr(), "PATCH", &path, &[], Some(&json!({"owner": "z"})))
        .await
        .json();
    let t3 = touched["updated_at"].as_str().unwrap();
    assert!(t3 > t2);
    assert_eq!(
        keys(&search(&h, &format!("updated_after={}", enc(t2))).await),
        pairs(&[("a", "1")])
    );
    assert_eq!(
        keys(
            &search(
                &h,
                &format!("updated_after={}&updated_before={}", enc(t1), enc(t3))
            )
            .await
        ),
        pairs(&[("b", "1")])
    );
    // Offsets other than Z are accepted.
    assert_eq!(
        keys(&search(&h, "created_after=2000-01-01T00%3A00%3A00%2B02%3A00").await).len(),
        2
    );
    assert_error(
        &get(h.addr(), "/registry/v1/models?created_after=yesterday").await,
        400,
        "invalid_argument",
        "created_after must be an RFC 3339 time (got 'yesterday')",
    );
    h.stop().await;
}

#[tokio::test]
async fn pages_follow_the_token_without_gaps_or_repeats() {
    let h = Harness::start_with(Config::ephemeral()).await;
    for i in 0..25 {
        let tags = if i % 3 == 0 {
            json!(["third"])
        } else {
            json!(["other"])
        };
        create(h.addr(), json!({"model_name": format!("m{:02}", i % 7), "version": format!("{i}"), "tags": tags})).await;
    }
    let everything = keys(&search(&h, "limit=1000").await);
    assert_eq!(everything.len(), 25);
    let mut sorted = everything.clone();
    sorted.sort_by(|a, b| (a.0.as_bytes(), a.1.as_bytes()).cmp(&(b.0.as_bytes(), b.1.as_bytes())));
    assert_eq!(everything, sorted, "ordered by (model_name, version) bytes");

    for (filter, expected) in [
        ("", everything.clone()),
        ("any_tag=third&any_tag=other", everything.clone()),
    ] {
        let mut seen = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut query = format!("limit=4&{filter}");
            if let Some(t) = &token {
                query.push_str(&format!("&page_token={t}"));
            }
            let page = search(&h, &query).await;
            let rows = keys(&page);
            assert!(rows.len() <= 4);
            seen.extend(rows);
            match page.get("next_page_token") {
                Some(t) => token = Some(t.as_str().unwrap().to_owned()),
                None => break,
            }
        }
        assert_eq!(seen, expected, "{filter}");
    }
    // The versions of one model, paged the same way.
    let versions = get(h.addr(), "/registry/v1/names/m00/versions?limit=2")
        .await
        .json();
    assert_eq!(keys(&versions), pairs(&[("m00", "0"), ("m00", "14")]));
    let token = versions["next_page_token"].as_str().unwrap();
    let rest = get(
        h.addr(),
        &format!("/registry/v1/names/m00/versions?limit=2&page_token={token}"),
    )
    .await
    .json();
    assert_eq!(keys(&rest), pairs(&[("m00", "21"), ("m00", "7")]));
    assert!(rest.get("next_page_token").is_none());

    for (query, message) in [
        (
            "limit=0",
            "limit must be an integer from 1 to 1000 (got '0')",
        ),
        (
            "limit=1001",
            "limit must be an integer from 1 to 1000 (got '1001')",
        ),
        (
            "page_token=%21%21",
            "page_token is not one this registry issued",
        ),
        (
            "model_name=a&model_name_prefix=b",
            "give at most one of model_name and model_name_prefix",
        ),
        (
            "status=retired",
            "status must be one of draft, testing, staging, production (got 'retired')",
        ),
    ] {
        assert_error(
            &get(h.addr(), &format!("/registry/v1/models?{query}")).await,
            400,
            "invalid_argument",
            message,
        );
    }
    assert_error(
        &get(h.addr(), "/registry/v1/names/m00/versions?status=draft").await,
        400,
        "invalid_argument",
        "unknown query parameter 'status'",
    );
    h.stop().await;
}

fn metric(text: &str, line_start: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(line_start))
        .unwrap_or_else(|| panic!("no {line_start} in metrics"))
        .trim()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn cache_hits_and_misses_appear_in_metrics() {
    let h = Harness::start_with(Config::ephemeral()).await;
    create(
        h.addr(),
        json!({"model_name": "m", "version": "1", "status": "staging"}),
    )
    .await;
    for _ in 0..4 {
        assert_eq!(
            get(h.addr(), "/registry/v1/names/m/versions/1")
                .await
                .status,
            200
        );
        assert_eq!(
            get(h.addr(), "/registry/v1/names/m/latest").await.status,
            404
        );
    }
    let text = get(h.addr(), "/metrics").await.text();
    let hits = |cache: &str| {
        metric(
            &text,
            &format!("drydock_registry_cache_hits_total{{cache=\"{cache}\"}}"),
        )
    };
    let misses = |cache: &str| {
        metric(
            &text,
            &format!("drydock_registry_cache_misses_total{{cache=\"{cache}\"}}"),
        )
    };
    assert_eq!((hits("name_version"), misses("name_version")), (3.0, 1.0));
    assert_eq!(
        (hits("latest_production"), misses("latest_production")),
        (3.0, 1.0)
    );
    assert_eq!(metric(&text, "drydock_registry_cache_hit_ratio "), 0.75);
    assert!(text.contains(
        "drydock_requests_total{service=\"registry\",operation=\"GetModelVersionByName\"} 4"
    ));
    assert!(text.contains(
        "drydock_errors_total{service=\"registry\",operation=\"GetLatestModelVersion\",code=\"not_found\"} 4"
    ));
    h.stop().await;
}
