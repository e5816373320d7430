"""Loads MODELS registered models with VERSIONS versions each through MLflow's REST API, each
version tagged team=t<i mod TAGS>: the same data for every target.

    python3 load.py http://127.0.0.1:PORT MODELS VERSIONS TAGS
"""

import json
import sys
import urllib.request

base, models, versions, tags = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])


def post(endpoint, body):
    request = urllib.request.Request(
        f"{base}/api/2.0/mlflow/{endpoint}",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request) as response:
        return json.load(response)


n = 0
for m in range(models):
    post("registered-models/create", {"name": f"bench-m{m}"})
    for _ in range(versions):
        post(
            "model-versions/create",
            {
                "name": f"bench-m{m}",
                "source": "s3://bench/model",
                "tags": [{"key": "team", "value": f"t{n % tags}"}],
            },
        )
        n += 1
print(f"load.py: {models} models, {n} versions", file=sys.stderr)
