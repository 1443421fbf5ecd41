"""Train the example churn classifier and log it to an existing MLflow run.

  python jobs/train.py --train s3://bucket/churn-train.csv --run-id RUN --target churned [--drop user_id] [--seed 7]

Numeric columns are standardised, the others one-hot encoded; the model is gradient boosting (default) or
logistic regression. Logs params, train_auc / train_accuracy / train_rows, the fitted pipeline as an MLflow 3
LoggedModel named "model", and run tags sluice.model_source (the model's mlflow-artifacts:/ location),
sluice.model_id and sluice.model_uri (models:/<model_id>) for the orchestrator to register.

Run status: the run ends FINISHED on success and FAILED on error (a retry re-opens it as RUNNING);
the orchestrator's finishRun has the last word. Exit codes: see _common.py.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import BadInput, binary_target, log, read_csv, run_job  # noqa: E402

JOB = "train"


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description="Train the Sluice example churn model into an MLflow run.")
    p.add_argument("--train", required=True, help="training CSV: s3://bucket/key or file:///path")
    p.add_argument("--run-id", required=True, help="existing MLflow run to log into")
    p.add_argument("--target", required=True, help="binary label column")
    p.add_argument("--drop", action="append", default=[], help="column to ignore (id-like); repeatable")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--model", choices=["gbm", "logreg"], default="gbm")
    p.add_argument("--n-estimators", type=int, default=100, help="boosting rounds (gbm)")
    return p.parse_args()


def main() -> None:
    args = parse_args()
    if not os.environ.get("MLFLOW_TRACKING_URI"):
        raise BadInput("MLFLOW_TRACKING_URI is not set; point it at the MLflow server")

    # Data first: bad input fails in about a second, before the slow scikit-learn/MLflow imports.
    log(JOB, f"reading {args.train}")
    df = read_csv(args.train, "--train")
    y = binary_target(df, args.target, "--train")
    missing = [c for c in args.drop if c not in df.columns]
    if missing:
        raise BadInput(f"--drop column(s) {missing} not in --train; columns are {', '.join(map(str, df.columns))}")
    X = df.drop(columns=[args.target, *args.drop])
    if X.shape[1] == 0:
        raise BadInput("--train has no feature columns left after dropping the target and --drop columns")
    if y.nunique() < 2:
        raise BadInput(f"--train: target {args.target!r} has a single class; need both 0 and 1")
    numeric = X.select_dtypes(include="number").columns.tolist()
    categorical = [c for c in X.columns if c not in numeric]
    # Doubles in the model signature, so a served request with a missing (null) number still passes enforcement.
    X = X.astype({c: "float64" for c in numeric})
    log(JOB, f"{len(X)} rows; numeric={numeric} categorical={categorical}; positive rate {y.mean():.3f}")

    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import GradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score, roc_auc_score
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    if args.model == "gbm":
        clf = GradientBoostingClassifier(n_estimators=args.n_estimators, max_depth=3, learning_rate=0.1,
                                         random_state=args.seed)
    else:
        clf = LogisticRegression(max_iter=1000, random_state=args.seed)
    pipeline = Pipeline([
        ("features", ColumnTransformer([
            ("numeric", StandardScaler(), numeric),
            ("categorical", OneHotEncoder(handle_unknown="ignore"), categorical),
        ])),
        ("classifier", clf),
    ])
    started = time.monotonic()
    pipeline.fit(X, y)
    fit_seconds = time.monotonic() - started
    proba = pipeline.predict_proba(X)[:, 1]
    metrics = {
        "train_auc": float(roc_auc_score(y, proba)),
        "train_accuracy": float(accuracy_score(y, (proba >= 0.5).astype(int))),
        "train_rows": float(len(X)),
        "fit_seconds": fit_seconds,
    }
    log(JOB, f"fitted {args.model} in {fit_seconds:.2f}s; train_auc={metrics['train_auc']:.4f}")

    import mlflow
    import mlflow.sklearn
    import pandas as pd
    import sklearn

    params = {
        "model": args.model,
        "seed": args.seed,
        "target": args.target,
        "dropped": ",".join(args.drop) or "-",
        "numeric_features": len(numeric),
        "categorical_features": len(categorical),
        "train_uri": args.train[:250],
    }
    if args.model == "gbm":
        params.update(n_estimators=args.n_estimators, max_depth=3, learning_rate=0.1)
    with mlflow.start_run(run_id=args.run_id):
        log(JOB, f"logging to run {args.run_id} at {os.environ['MLFLOW_TRACKING_URI']}")
        mlflow.log_params(params)
        mlflow.log_metrics(metrics)
        # Explicit requirements skip MLflow's requirement inference, which reloads the model in a subprocess.
        info = mlflow.sklearn.log_model(
            pipeline,
            name="model",
            input_example=X.head(5),
            pip_requirements=[f"scikit-learn=={sklearn.__version__}", f"pandas=={pd.__version__}",
                              f"mlflow=={mlflow.__version__}", "skops"],
            # skops (MLflow's default, no pickle) refuses types off its allow-list; tree node storage is the
            # one GradientBoosting needs. The list is saved in the MLmodel file, so loaders need no flags.
            serialization_format="skops",
            skops_trusted_types=["sklearn.tree._tree.Tree"] if args.model == "gbm" else None,
        )
        source = mlflow.get_logged_model(info.model_id).artifact_location
        mlflow.set_tags({
            "sluice.model_source": source,
            "sluice.model_id": info.model_id,
            "sluice.model_uri": info.model_uri,
        })
        log(JOB, f"logged model {info.model_id} at {source}")
    log(JOB, "done")


if __name__ == "__main__":
    run_job(JOB, main)
