"""Generate the bundled churn demo dataset (deterministic: same seed, same bytes).

Usage: python examples/data/generate.py [--seed 42] [--out examples/data]
Writes churn-train.csv (4000 rows) and churn-holdout.csv (1000 rows). The label is drawn
from a logistic model of tenure, support tickets, autopay, plan and spend, so a simple
classifier reaches an AUC of about 0.8 (not 1.0: the Bernoulli draw adds irreducible noise).
"""

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

PLANS = np.array(["basic", "pro", "enterprise"])
REGIONS = np.array(["north", "south", "east", "west"])


def make_rows(rng: np.random.Generator, n: int, first_id: int) -> pd.DataFrame:
    age = rng.integers(18, 91, size=n)
    tenure = np.minimum(rng.geometric(1 / 18, size=n) - 1, 120)
    plan = rng.choice(PLANS, size=n, p=[0.55, 0.33, 0.12])
    base_spend = np.select([plan == "basic", plan == "pro"], [19.0, 49.0], 149.0)
    spend = np.round(base_spend * rng.lognormal(0.0, 0.25, size=n), 2)
    tickets = rng.poisson(1.2, size=n)
    region = rng.choice(REGIONS, size=n)
    autopay = rng.random(n) < 0.55

    # Churn drivers: new customers, many tickets, no autopay, basic plan, high spend per plan tier.
    logit = (
        -0.2
        - 0.07 * tenure
        + 0.75 * tickets
        - 1.3 * autopay
        + np.select([plan == "basic", plan == "pro"], [0.6, 0.0], -0.8)
        + 1.2 * (spend / base_spend - 1.0)
        + 0.25 * (region == "south")
        - 0.004 * (age - 45)
    )
    churned = rng.random(n) < 1.0 / (1.0 + np.exp(-logit))
    return pd.DataFrame(
        {
            "user_id": [f"u{i:06d}" for i in range(first_id, first_id + n)],
            "age": age,
            "tenure_months": tenure,
            "monthly_spend": spend,
            "support_tickets": tickets,
            "plan": plan,
            "region": region,
            "autopay": np.where(autopay, "true", "false"),
            "churned": np.where(churned, "true", "false"),
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--train-rows", type=int, default=4000)
    parser.add_argument("--holdout-rows", type=int, default=1000)
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent))
    args = parser.parse_args()

    rng = np.random.default_rng(args.seed)
    train = make_rows(rng, args.train_rows, 1)
    holdout = make_rows(rng, args.holdout_rows, args.train_rows + 1)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    # "\n" line endings regardless of platform so the committed files are byte-stable.
    train.to_csv(out / "churn-train.csv", index=False, lineterminator="\n")
    holdout.to_csv(out / "churn-holdout.csv", index=False, lineterminator="\n")
    print(f"wrote {len(train)} train rows and {len(holdout)} holdout rows to {out}")


if __name__ == "__main__":
    main()
