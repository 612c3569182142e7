"""In-sample comparison of fitted models: PSIS-LOO with stacking weights (``az.compare``).

Out-of-sample skill is measured by backtests (:mod:`forecast.evaluation.backtest`); LOO is
the quick in-sample check of notebook 05.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence

import arviz as az
import pandas as pd

from forecast.errors import ConfigError
from forecast.models import BaseModel


def compare_models(
    models: Mapping[str, BaseModel] | Sequence[BaseModel], method: str = "stacking"
) -> pd.DataFrame:
    """PSIS-LOO comparison of fitted models with stacking weights (``az.compare``).

    LOO compares the models' predictions of the *same* months, so every model
    must be fitted to the same training months and target (``recent_rate``,
    which fits only the last 24 months, cannot join the others).

    Parameters
    ----------
    models : mapping of name to BaseModel, or sequence of BaseModel
        Fitted models (their pointwise log-likelihood is computed when missing).
    method : {"stacking", "BB-pseudo-BMA", "pseudo-BMA"}
        How ``az.compare`` weights the models.

    Returns
    -------
    DataFrame
        ``az.compare``'s table (ArviZ 1): ``rank``, ``elpd``, ``p``, ``elpd_diff``,
        ``weight`` (sums to 1), ``se``, ``dse``, ``warning``.
    """
    if not isinstance(models, Mapping):
        models = {m.name: m for m in models}
    if len(models) < 2:
        raise ConfigError("models", "fewer than two models to compare", "give two or more fits")
    idatas, reference = {}, None
    for name, model in models.items():
        if getattr(model, "idata", None) is None:
            raise ConfigError(name, "not fitted", "fit it with forecast.runs.fit_run")
        idata = model.log_likelihood()
        months = tuple(pd.to_datetime(model.training["month"]))
        shape = idata["log_likelihood"]["y"].shape[2:]
        key = (model.observed_target, months, shape)
        if reference is None:
            reference = (name, key)
        elif key != reference[1]:
            raise ConfigError(
                name,
                f"fitted to other observations than {reference[0]} (target, training months "
                "or series differ), so PSIS-LOO cannot compare them",
                "fit every model to the same months and target (recent_rate and "
                "class_hierarchical only compare with their own kind)",
            )
        idatas[name] = idata
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return az.compare(idatas, method=method, var_name="y")


def loo_check(model: BaseModel) -> tuple[dict, pd.DataFrame]:
    """PSIS-LOO of one fitted model, month by month (which months surprise it?).

    ArviZ's warning about large Pareto shapes is not printed: the returned table carries
    every month's shape ``k`` and the threshold above which ArviZ calls it bad, for the
    reader to see.

    Parameters
    ----------
    model : BaseModel
        A model fitted in this session (its pointwise log-likelihood is computed when
        missing).

    Returns
    -------
    summary : dict
        ``elpd``, ``se``, ``p`` (effective number of parameters), ``good_k`` (ArviZ's
        threshold for the Pareto shape, ``min(1 - 1 / log10(draws), 0.7)``), ``n_bad``
        (months above it) and ``n`` (months).
    months : DataFrame
        One row per training month: ``month``, the observed count (the model's
        ``observed_target``: launch days for ``ar_level``'s missiles), ``pareto_k``
        and ``elpd_i`` (its log predictive density left out).
    """
    idata = model.log_likelihood()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        loo = az.loo(idata, var_name="y", pointwise=True)
    k = pd.Series(loo.pareto_k.values).to_numpy()
    months = pd.DataFrame(
        {
            "month": pd.to_datetime(model.training["month"]).to_numpy(),
            model.observed_target: model.training[model.observed_target].to_numpy(),
            "pareto_k": k,
            "elpd_i": pd.Series(loo.elpd_i.values).to_numpy(),
        }
    )
    summary = {
        "elpd": float(loo.elpd),
        "se": float(loo.se),
        "p": float(loo.p),
        "good_k": float(loo.good_k),
        "n_bad": int((k > loo.good_k).sum()),
        "n": len(k),
    }
    return summary, months
