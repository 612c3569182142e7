"""Launch days by weapon class, with state effects partially pooled across classes.

For class ``c`` in month ``t``::

    log mu[t, c] = level[year(t)] + class_log_share[c] + state_effect[c, state(t)]
                   + season[month_of_year(t)] + beta_exercise * exercise_share[t]
    state_effect[c, s] = state_effect_mean[s] + state_pooling_sd * z[c, s]   (s != no_talks)

Nuclear tests get their own rare-event term with strongly regularised priors::

    nuclear_tests[t] ~ Poisson(exp(nuclear_log_rate + nuclear_state_effect[state(t)]))

so ``P(nuclear test)`` comes with honest width from six events. The class shares
are ``softmax(class_offset)``, so in the reference state ``exp(level)`` is the
expected total over classes, as in the single-series models.
"""

from __future__ import annotations

import numpy as np
import pymc as pm
import pytensor.tensor as pt
import xarray as xr

from forecast.data.panel import CLASS_COLUMNS
from forecast.errors import ConfigError
from forecast.models import components as C
from forecast.models.base import BaseModel
from forecast.models.count import COMPONENT_PRIORS, CountModel

#: Weapon-class groups modelled, with the CNS classes in each.
WEAPON_CLASSES: dict[str, tuple[str, ...]] = {
    "SRBM": ("SRBM",),
    "MRBM/IRBM": ("MRBM", "IRBM"),
    "ICBM": ("ICBM",),
    "SLBM/SLV/other": ("SLBM", "SLV", "HGV", "unknown"),
}


def class_group_columns() -> dict[str, list[str]]:
    """Panel columns summed into each weapon-class group."""
    return {g: [CLASS_COLUMNS[c] for c in classes] for g, classes in WEAPON_CLASSES.items()}


class ClassHierarchical(CountModel):
    """Launch days per weapon class with partially pooled state effects, plus nuclear tests.

    A day with launches in two classes counts once in each, so the sum over
    classes can exceed the month's launch days (rarely: about 1 month in 20 of
    the Kim Jong Un era).
    """

    name = "class_hierarchical"
    components = ("level", "state", "season", "exercise")
    default_priors = {
        **{k: v for k, v in COMPONENT_PRIORS.items() if not k.startswith("excitation")},
        # class offsets; shares are softmax(offset), so sd 1 lets one class dominate
        "class_offset": {"sigma": 1.0},
        # sd of a class's state effect around the pooled mean effect
        "state_pooling": {"sigma": 0.5},
        # nuclear tests: log rate per month (6 tests in 432 months is about exp(-4.3))
        "nuclear_log_rate": {"mu": -4.5, "sigma": 1.0},
        # nuclear state effects: strongly regularised toward no effect
        "nuclear_state_effect": {"sigma": 0.5},
    }
    summary_vars = (
        "state_effect_mean",
        "state_pooling_sd",
        "class_log_share",
        "level_step_sd",
        "alpha",
        "nuclear_log_rate",
        "nuclear_state_effect",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.target != "launch_days":
            raise ConfigError(
                "--target",
                f"{self.name} models launch days by class, not {self.target!r}",
                "use --target launch_days",
            )

    def columns(self) -> list[str]:
        cols = [c for group in class_group_columns().values() for c in group]
        return [*super().columns(), *cols, "nuclear_tests"]

    def class_counts(self):
        """Counts per class group of every panel row, shape ``(n_months, n_classes)``."""
        return np.column_stack(
            [self.panel[cols].sum(axis=1).to_numpy() for cols in class_group_columns().values()]
        )

    def design(self) -> C.Design:
        panel = self.panel.assign(
            **{f"_group_{i}": col for i, col in enumerate(self.class_counts().T)}
        )
        groups = [f"_group_{i}" for i in range(len(WEAPON_CLASSES))]
        return C.design(panel, groups, start=self.grid_start)

    def _train_data(self) -> dict:
        rows = slice(self.start, self.stop)
        return {
            **BaseModel._train_data(self),
            "y_train": self.class_counts()[rows].astype("int64"),
            "nuclear_train": self.panel["nuclear_tests"].to_numpy()[rows].astype("int64"),
        }

    def _coords(self, d: C.Design) -> dict:
        return {**super()._coords(d), "weapon_class": list(WEAPON_CLASSES)}

    def _build(self) -> pm.Model:
        d = self.design()
        p = self.priors
        data = self._train_data()
        with pm.Model(coords=self._coords(d)) as model:
            train_idx = pm.Data("train_idx", data["train_idx"], dims="train_month")
            y_train = pm.Data("y_train", data["y_train"], dims=("train_month", "weapon_class"))
            nuclear = pm.Data("nuclear_train", data["nuclear_train"], dims="train_month")
            grid = C.grid_data(d, ["year_idx", "state_idx", "moy_idx", "exercise_share"])
            level = C.level_walk(p, len(d.years))[grid["year_idx"]]
            offset = pm.ZeroSumNormal(
                "class_offset", sigma=p["class_offset"]["sigma"], dims="weapon_class"
            )
            log_share = pm.Deterministic(
                "class_log_share", offset - pt.logsumexp(offset), dims="weapon_class"
            )
            mean_raw = pm.Normal(
                "state_effect_mean_raw", 0.0, p["state_effect"]["sigma"], dims="state_contrast"
            )
            pool_sd = pm.HalfNormal("state_pooling_sd", sigma=p["state_pooling"]["sigma"])
            z = pm.Normal("state_effect_z", 0.0, 1.0, dims=("weapon_class", "state_contrast"))
            raw = mean_raw[None, :] + pool_sd * z
            zeros = pt.zeros((len(WEAPON_CLASSES), 1))  # a constant shape, so JAX can trace it
            effect = pm.Deterministic(
                "state_effect", pt.concatenate([zeros, raw], axis=1), dims=("weapon_class", "state")
            )
            pm.Deterministic(
                "state_effect_mean", pt.concatenate([pt.zeros(1), mean_raw]), dims="state"
            )
            season = C.seasonality(p)[grid["moy_idx"]]
            exercise = C.exercise_term(p) * grid["exercise_share"]
            common = level + season + exercise
            log_mu = common[:, None] + log_share[None, :] + effect[:, grid["state_idx"]].T
            mu = pm.Deterministic("mu", pt.exp(log_mu), dims=("month", "weapon_class"))
            alpha = C.dispersion(p, dims="weapon_class")
            pm.NegativeBinomial(
                "y",
                mu=mu[train_idx],
                alpha=alpha[None, :],
                observed=y_train,
                dims=("train_month", "weapon_class"),
            )

            nuc_rate = pm.Normal("nuclear_log_rate", **p["nuclear_log_rate"])
            nuc_raw = pm.Normal(
                "nuclear_state_effect_raw",
                0.0,
                p["nuclear_state_effect"]["sigma"],
                dims="state_contrast",
            )
            nuc_effect = pm.Deterministic(
                "nuclear_state_effect", pt.concatenate([pt.zeros(1), nuc_raw]), dims="state"
            )
            nuclear_rate = pt.exp(nuc_rate + nuc_effect[grid["state_idx"]])
            pm.Poisson("nuclear", mu=nuclear_rate[train_idx], observed=nuclear, dims="train_month")
        return model

    def _simulate(self, post: xr.Dataset, fut: dict, rng: np.random.Generator) -> dict:
        last_year = self._last_train_year()
        level = post["level"].sel(year=last_year).values
        ahead = fut["year"] - last_year
        path = C.walk_forward(level, post["level_step_sd"].values, ahead.max(), rng)
        common = (
            path[:, ahead]
            + post["season"].values[:, fut["moy_idx"]]
            + post["beta_exercise"].values[:, None] * fut["exercise_share"]
        )
        effect = C.by_state(post["state_effect"].values, fut["state_idx"])  # draw, class, month
        log_mu = common[:, :, None] + post["class_log_share"].values[:, None, :]
        log_mu = log_mu + np.moveaxis(effect, 1, 2)
        rate = np.exp(log_mu)
        counts = C.negbin(rate, post["alpha"].values[:, None, :], rng)
        nuc_log = post["nuclear_log_rate"].values[:, None] + C.by_state(
            post["nuclear_state_effect"].values, fut["state_idx"]
        )
        nuclear = rng.poisson(np.exp(nuc_log))
        return {
            "counts": (("draw", "month"), counts.sum(axis=2)),
            "rate": (("draw", "month"), rate.sum(axis=2)),
            "class_counts": (("draw", "month", "weapon_class"), counts),
            "class_rate": (("draw", "month", "weapon_class"), rate),
            "nuclear_tests": (("draw", "month"), nuclear),
        }

    def _sim_coords(self) -> dict:
        return {"weapon_class": list(WEAPON_CLASSES)}


__all__ = ["WEAPON_CLASSES", "ClassHierarchical", "class_group_columns"]
