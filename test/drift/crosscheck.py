"""Expected drift numbers for test/unit/drift-crosscheck.test.ts, computed at test time.

Usage: crosscheck.py OUT.json

Generates random datasets with numpy (seeded), and computes every statistic Sluice reports with the reference
implementations: scipy.stats (ks_2samp, chisquare, wasserstein_distance, kstwo, chi2, norm), scipy.spatial.distance
.jensenshannon, numpy (quantile, histogram) and Evidently 0.7.23's own legacy stattests where the variant is
Evidently's (binning, chi-square GOF, z-test, normed Wasserstein, default test choice).

Evidently 0.7.23's top-level package does not import under pandas 3 (evidently/__init__ pulls in modules that use
the removed pandas.core.dtypes.common.infer_dtype_from_object); the stattest modules themselves work, so the package
is registered as a bare namespace and only the stattest modules are imported.
"""

import importlib.util
import json
import sys
import types
import warnings

import numpy as np
import pandas as pd
from scipy import stats
from scipy.spatial import distance

_spec = importlib.util.find_spec("evidently")
_pkg = types.ModuleType("evidently")
_pkg.__path__ = list(_spec.submodule_search_locations)
sys.modules["evidently"] = _pkg

from evidently.legacy.calculations.stattests.chisquare_stattest import _chi_stat_test  # noqa: E402
from evidently.legacy.calculations.stattests.jensenshannon import _jensenshannon  # noqa: E402
from evidently.legacy.calculations.stattests.ks_stattest import _ks_stat_test  # noqa: E402
from evidently.legacy.calculations.stattests.registry import _get_default_stattest  # noqa: E402
from evidently.legacy.calculations.stattests.utils import get_binned_data  # noqa: E402
from evidently.legacy.calculations.stattests.wasserstein_distance_norm import _wasserstein_distance_norm  # noqa: E402
from evidently.legacy.calculations.stattests.z_stattest import (  # noqa: E402
    _z_stat_test,
    proportions_diff_z_stat_ind,
)
from evidently.legacy.core import ColumnType  # noqa: E402

warnings.filterwarnings("ignore", category=RuntimeWarning)  # scipy warns on the inf chi-square it is asked for

METHOD_NAMES = {"ks": "ks", "chisquare": "chisquare", "z": "ztest", "wasserstein": "wasserstein",
                "jensenshannon": "jensenshannon"}
THRESHOLDS = {"ks": 0.05, "chisquare": 0.05, "ztest": 0.05, "wasserstein": 0.1, "jensenshannon": 0.1}


def enc(values):
    """JSON-safe numbers: non-finite values as strings."""
    out = []
    for v in values:
        v = float(v)
        out.append(v if np.isfinite(v) else ("nan" if np.isnan(v) else ("inf" if v > 0 else "-inf")))
    return out


def clean(values):
    s = pd.Series(values, dtype="float64")
    return s.replace([np.inf, -np.inf], np.nan).dropna()


def psi_deciles(r, c, eps=1e-4):
    q = np.quantile(r, [i / 10 for i in range(1, 10)])
    edges = np.unique(np.concatenate([[-np.inf], q, [np.inf]]))
    rp = np.histogram(r, edges)[0] / len(r)
    cp = np.histogram(c, edges)[0] / len(c)
    rp, cp = np.clip(rp, eps, None), np.clip(cp, eps, None)
    return float(np.sum((cp - rp) * np.log(cp / rp)))


def numeric_case(name, ref_raw, cur_raw):
    r, c = clean(ref_raw), clean(cur_raw)
    ctype = ColumnType.Numerical
    n_unique = pd.concat([r, c]).nunique()
    exp = {}
    ks = stats.ks_2samp(r.to_numpy(), c.to_numpy())
    exp["ks"] = {"statistic": float(ks.statistic), "pValue": float(ks.pvalue)}
    assert _ks_stat_test(r, c, ctype, 0.05)[0] == ks.pvalue
    w, _ = _wasserstein_distance_norm(r, c, ctype, 0.1)
    w_scipy = stats.wasserstein_distance(r, c) / max(float(np.std(r.to_numpy())), 0.001)
    exp["wasserstein"] = {"statistic": float(w), "scipy": float(w_scipy)}
    js, _ = _jensenshannon(r, c, ctype, 0.1)
    exp["jensenshannon"] = {"statistic": float(js)}
    rp, cp = get_binned_data(r, c, ctype, 30, feel_zeroes=False)
    exp["linf"] = {"statistic": float(np.max(np.abs(rp - cp)))}
    exp["psi"] = {"statistic": psi_deciles(r.to_numpy(), c.to_numpy())}
    if n_unique <= 20:
        p = _chi_stat_test(r, c, ctype, 0.05)[0]
        keys = sorted(set(r.unique()) | set(c.unique()))
        rv, cv = r.value_counts(), c.value_counts()
        f_obs = [int(cv.get(k, 0)) for k in keys]
        f_exp = [rv.get(k, 0) * len(c) / len(r) for k in keys]
        if len(keys) > 1 and all(e > 0 for e in f_exp):
            exp["chisquare"] = {"statistic": float(stats.chisquare(f_obs, f_exp).statistic), "pValue": float(p)}
        elif len(keys) > 1:
            exp["chisquare"] = {"pValue": float(p)}
    if n_unique <= 2:
        exp["ztest"] = z_entry(r, c, ctype)
    exp["auto"] = auto(r, c, ctype)
    return {"name": name, "type": "numeric", "ref": enc(ref_raw), "cur": enc(cur_raw),
            "rows": [len(r), len(c)], "expected": exp}


def categorical_case(name, ref_values, cur_values):
    r, c = pd.Series(ref_values, dtype="object"), pd.Series(cur_values, dtype="object")
    ctype = ColumnType.Categorical
    exp = {}
    js, _ = _jensenshannon(r, c, ctype, 0.1)
    exp["jensenshannon"] = {"statistic": float(js)}
    rp, cp = get_binned_data(r, c, ctype, 30, feel_zeroes=False)
    exp["linf"] = {"statistic": float(np.max(np.abs(rp - cp)))}
    rpc, cpc = np.clip(rp, 1e-4, None), np.clip(cp, 1e-4, None)
    exp["psi"] = {"statistic": float(np.sum((cpc - rpc) * np.log(cpc / rpc)))}
    keys = sorted(set(r.unique()) | set(c.unique()))
    if len(keys) > 1:
        p = _chi_stat_test(r, c, ctype, 0.05)[0]
        rv, cv = r.value_counts(), c.value_counts()
        f_exp = [rv.get(k, 0) * len(c) / len(r) for k in keys]
        entry = {"pValue": float(p)}
        if all(e > 0 for e in f_exp):
            entry["statistic"] = float(stats.chisquare([int(cv.get(k, 0)) for k in keys], f_exp).statistic)
        exp["chisquare"] = entry
    if len(keys) <= 2:
        exp["ztest"] = z_entry(r, c, ctype)
    exp["auto"] = auto(r, c, ctype)
    counts = lambda s: {str(k): int(v) for k, v in s.value_counts().items()}  # noqa: E731
    return {"name": name, "type": "string", "ref": counts(r), "cur": counts(c), "rows": [len(r), len(c)],
            "expected": exp}


def z_entry(r, c, ctype):
    """Evidently's z-test p-value, and its z statistic (first sorted key → 0) when there are two values."""
    entry = {"pValue": float(_z_stat_test(r, c, ctype, 0.05)[0])}
    keys = sorted(set(r.unique()) | set(c.unique()))
    if len(keys) == 2:
        z = proportions_diff_z_stat_ind(r.apply(lambda x: 0 if x == keys[0] else 1),
                                        c.apply(lambda x: 0 if x == keys[0] else 1))
        entry["statistic"] = float(z)
    return entry


def auto(r, c, ctype):
    """Evidently's default test for the column, run with its default threshold."""
    method = METHOD_NAMES[_get_default_stattest(r, c, ctype).name]
    impl = {"ks": _ks_stat_test, "chisquare": _chi_stat_test, "ztest": _z_stat_test,
            "wasserstein": _wasserstein_distance_norm, "jensenshannon": _jensenshannon}[method]
    value, drifted = impl(r, c, ctype, THRESHOLDS[method])
    return {"method": method, "value": float(value), "drifted": bool(drifted), "threshold": THRESHOLDS[method]}


def main(out_path):
    rng = np.random.default_rng(20261105)
    cases = []
    # continuous: small (exact KS, auto ks), medium (exact, auto wasserstein), equal sizes (closed-form exact)
    cases.append(numeric_case("normal_small_same", rng.normal(0, 1, 800), rng.normal(0, 1, 700)))
    cases.append(numeric_case("normal_small_shift", rng.normal(0, 1, 600), rng.normal(0.3, 1.2, 450)))
    cases.append(numeric_case("normal_5000_shift", rng.normal(10, 2, 5000), rng.normal(10.2, 2, 4000)))
    cases.append(numeric_case("equal_sizes_3000", rng.normal(0, 1, 3000), rng.normal(0.05, 1, 3000)))
    cases.append(numeric_case("exponential_10000", rng.exponential(1, 10000), rng.exponential(1.05, 9999)))
    # asymptotic KS (max n > 10000): small p (smirnov tail), large p (Durbin / Pelz-Good), tiny current side (n<=140)
    cases.append(numeric_case("asymp_shift", rng.normal(0, 1, 20000), rng.normal(0.04, 1, 15000)))
    cases.append(numeric_case("asymp_same", rng.normal(0, 1, 30000), rng.normal(0, 1, 25000)))
    cases.append(numeric_case("asymp_large_n", rng.normal(0, 1, 120000), rng.normal(0.004, 1, 100000)))
    cases.append(numeric_case("asymp_unbalanced", rng.normal(0, 1, 12000), rng.normal(0.2, 1, 60)))
    # ties and non-finite values (dropped first)
    ties_r = np.round(rng.normal(5, 1, 3000), 1)
    ties_c = np.round(rng.normal(5.1, 1, 2500), 1)
    ties_r[:7] = np.nan
    ties_r[7:9] = np.inf
    ties_c[:3] = -np.inf
    cases.append(numeric_case("ties_nonfinite", ties_r, ties_c))
    cases.append(numeric_case("ties_small", np.round(rng.normal(0, 1, 300), 1), np.round(rng.normal(0, 1, 280), 1)))
    # discrete few uniques: numeric chi-square (<= 1000 rows) and per-value JS (> 1000)
    cases.append(numeric_case("discrete5_small", rng.integers(0, 5, 500).astype(float),
                              rng.choice(5, 400, p=[0.1, 0.2, 0.3, 0.2, 0.2]).astype(float)))
    cases.append(numeric_case("discrete4_large", rng.integers(0, 4, 3000).astype(float),
                              rng.integers(0, 4, 2000).astype(float)))
    cases.append(numeric_case("discrete12", rng.integers(0, 12, 900).astype(float),
                              rng.integers(1, 12, 800).astype(float)))
    # binary numeric
    cases.append(numeric_case("binary_small", (rng.random(700) < 0.4).astype(float),
                              (rng.random(650) < 0.47).astype(float)))
    cases.append(numeric_case("binary_large", (rng.random(5000) < 0.4).astype(float),
                              (rng.random(4000) < 0.42).astype(float)))
    # categorical and binary strings
    cats = np.array(["red", "green", "blue", "amber", "violet", "teal"])
    cases.append(categorical_case("cat_small", rng.choice(cats, 900, p=[0.3, 0.2, 0.2, 0.1, 0.1, 0.1]),
                                  rng.choice(cats, 800, p=[0.25, 0.25, 0.2, 0.1, 0.1, 0.1])))
    cases.append(categorical_case("cat_large", rng.choice(cats, 6000, p=[0.3, 0.2, 0.2, 0.1, 0.1, 0.1]),
                                  rng.choice(cats, 5000, p=[0.3, 0.2, 0.2, 0.1, 0.15, 0.05])))
    cases.append(categorical_case("cat_new_in_current", rng.choice(cats[:4], 500), rng.choice(cats, 500)))
    cases.append(categorical_case("cat_binary_small", rng.choice(["no", "yes"], 800, p=[0.7, 0.3]),
                                  rng.choice(["no", "yes"], 700, p=[0.64, 0.36])))
    cases.append(categorical_case("cat_binary_large", rng.choice(["N", "Y"], 2000, p=[0.7, 0.3]),
                                  rng.choice(["N", "Y"], 1700, p=[0.7, 0.3])))

    # exact KS on many size pairs (unequal, equal, tiny)
    ks_pairs = []
    for n1, n2 in [(1, 1), (1, 7), (3, 5), (5, 5), (10, 7), (17, 40), (60, 60), (100, 37), (250, 249), (999, 1000),
                   (2000, 60), (4000, 4000), (7000, 3), (10000, 9999)]:
        a = np.round(rng.normal(0, 1, n1), 2)
        b = np.round(rng.normal(0.1, 1.1, n2), 2)
        res = stats.ks_2samp(a, b)
        ks_pairs.append({"a": enc(a), "b": enc(b), "statistic": float(res.statistic), "pValue": float(res.pvalue)})

    # distribution functions over their dispatch regions
    kstwo = []
    for n in [1, 2, 3, 5, 10, 30, 80, 140, 141, 500, 857, 5000, 20000, 100000, 100001, 500000, 1500000]:
        for d in [0.001, 0.004, 0.01, 0.02, 0.03, 0.05, 0.08, 0.1, 0.15, 0.2, 0.3, 0.45, 0.5, 0.6, 0.8, 0.95]:
            kstwo.append([d, n, float(stats.kstwo.sf(d, n))])
    chi2 = [[x, df, float(stats.chi2.sf(x, df))] for df in [1, 2, 3, 5, 10, 49, 200, 2000]
            for x in [0.01, 0.5, 1, 3, 7.8, 15, 40, 100, 300, 1000, 2100, 3000]]
    norm = [[x, float(stats.norm.cdf(x))] for x in np.linspace(-12, 12, 97)] + \
           [[x, float(stats.norm.cdf(x))] for x in [0.3, 0.7071, 0.70711, 1.9591793788175267, 2.5, 5.5, 8.2, 9]]

    with open(out_path, "w") as f:
        json.dump({"cases": cases, "ks_pairs": ks_pairs, "kstwo": kstwo, "chi2": chi2, "norm": norm}, f)


if __name__ == "__main__":
    main(sys.argv[1])
