"""Score tables for the eye: the best value of each column marked.

A benchmark table (:func:`saliency_course.benchmark.benchmark_table`, an
``evaluate`` mean) mixes metrics where higher is better with EMD and KL, where
lower is; :func:`mark_best` says which is which, as the MIT benchmark's tables
do (Bylinskii et al., TPAMI 2018), and leaves reference rows (the ceiling and
the floor) out of the contest.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

__all__ = ["best_cells", "mark_best"]


def _directions(table: pd.DataFrame, higher_is_better) -> dict[str, bool]:
    if higher_is_better is None:
        from ..benchmark import HIGHER_IS_BETTER
        from ..metrics import METRICS

        higher_is_better = {
            **HIGHER_IS_BETTER,
            **{name: info.higher_is_better for name, info in METRICS.items()},
        }
    return {c: bool(higher_is_better[c]) for c in table.columns if c in higher_is_better}


def best_cells(
    table: pd.DataFrame,
    higher_is_better: Mapping[str, bool] | None = None,
    reference_rows: Sequence = (),
) -> pd.DataFrame:
    """``True`` where a cell holds the best value of its column (ties all ``True``).

    ``higher_is_better`` maps column -> direction (default: the lecture's
    columns and the metric names); other columns are never marked. Rows in
    ``reference_rows`` and NaN cells do not compete.
    """
    if not isinstance(table, pd.DataFrame):
        raise ValueError(f"table must be a pandas DataFrame, got {type(table).__name__}")
    unknown = [r for r in reference_rows if r not in table.index]
    if unknown:
        raise ValueError(f"reference_rows must be rows of table, got {unknown}")
    best = pd.DataFrame(False, index=table.index, columns=table.columns)
    contenders = [r for r in table.index if r not in set(reference_rows)]
    for column, higher in _directions(table, higher_is_better).items():
        scores = pd.to_numeric(table.loc[contenders, column], errors="coerce").dropna()
        if scores.empty:
            continue
        target = scores.max() if higher else scores.min()
        best.loc[scores.index[scores == target], column] = True
    return best


def mark_best(
    table: pd.DataFrame,
    higher_is_better: Mapping[str, bool] | None = None,
    reference_rows: Sequence = (),
    precision: int = 3,
):
    """A pandas ``Styler`` of ``table`` with the best value of each column in bold.

    Arguments as :func:`best_cells`; ``precision`` digits after the point.
    In a notebook the last line ``viz.mark_best(table, reference_rows=[...])``
    shows the table.
    """
    best = best_cells(table, higher_is_better, reference_rows)

    def bold(column):
        return ["font-weight: bold" if b else "" for b in best[column.name]]

    return table.style.apply(bold).format(precision=precision, na_rep="-")
