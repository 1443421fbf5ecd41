"""Score a logged model on a holdout set and log the metrics to an MLflow run.

  python jobs/evaluate.py --model-uri URI --holdout s3://bucket/churn-holdout.csv --run-id RUN --target churned

URI: models:/<model_id>, models:/<name>/<version>, models:/<name>@<alias> or mlflow-artifacts:/...
Logs auc, accuracy, log_loss, holdout_rows, p50_latency_ms and p99_latency_ms (single-row predict_proba
latency over min(--latency-rows, rows) rows). Run status as in train.py; exit codes: see _common.py.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import BadInput, binary_target, log, read_csv, run_job  # noqa: E402

JOB = "evaluate"


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description="Evaluate a model on a holdout set into an MLflow run.")
    p.add_argument("--model-uri", required=True, help="models:/..., runs:/... or mlflow-artifacts:/... URI")
    p.add_argument("--holdout", required=True, help="holdout CSV: s3://bucket/key or file:///path")
    p.add_argument("--run-id", required=True, help="existing MLflow run to log into")
    p.add_argument("--target", required=True, help="binary label column")
    p.add_argument("--latency-rows", type=int, default=500, help="rows timed one by one for the latency metrics")
    return p.parse_args()


def main() -> None:
    args = parse_args()
    if not os.environ.get("MLFLOW_TRACKING_URI"):
        raise BadInput("MLFLOW_TRACKING_URI is not set; point it at the MLflow server")
    if args.latency_rows < 1:
        raise BadInput("--latency-rows must be at least 1")

    log(JOB, f"reading {args.holdout}")
    df = read_csv(args.holdout, "--holdout")
    y = binary_target(df, args.target, "--holdout")
    if y.nunique() < 2:
        raise BadInput(f"--holdout: target {args.target!r} has a single class; AUC needs both 0 and 1")

    import mlflow
    import mlflow.sklearn
    import numpy as np
    from sklearn.metrics import accuracy_score, log_loss, roc_auc_score

    log(JOB, f"loading {args.model_uri}")
    model = mlflow.sklearn.load_model(args.model_uri)
    features = list(getattr(model, "feature_names_in_", [c for c in df.columns if c != args.target]))
    missing = [c for c in features if c not in df.columns]
    if missing:
        raise BadInput(f"--holdout lacks the model's feature column(s) {missing}")
    X = df[features]

    proba = model.predict_proba(X)[:, 1]
    metrics = {
        "auc": float(roc_auc_score(y, proba)),
        "accuracy": float(accuracy_score(y, (proba >= 0.5).astype(int))),
        "log_loss": float(log_loss(y, proba, labels=[0, 1])),
        "holdout_rows": float(len(X)),
    }
    n = min(args.latency_rows, len(X))
    timings = np.empty(n)
    for i in range(n):
        row = X.iloc[[i]]
        started = time.perf_counter()
        model.predict_proba(row)
        timings[i] = (time.perf_counter() - started) * 1000.0
    metrics["p50_latency_ms"] = float(np.percentile(timings, 50))
    metrics["p99_latency_ms"] = float(np.percentile(timings, 99))
    log(JOB, "metrics " + ", ".join(f"{k}={v:.4f}" for k, v in metrics.items()))

    with mlflow.start_run(run_id=args.run_id):
        mlflow.log_metrics(metrics)
        mlflow.set_tags({"sluice.evaluated_model_uri": args.model_uri[:250], "sluice.holdout_uri": args.holdout[:250]})
    log(JOB, f"logged metrics to run {args.run_id}")
    log(JOB, "done")


if __name__ == "__main__":
    run_job(JOB, main)
