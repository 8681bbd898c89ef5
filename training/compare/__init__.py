"""Evaluation and comparison reports of model bundles (``hotich models eval`` / ``compare``)."""

from training.compare.htr_eval import HtrEval, LineEval, evaluate_htr_bundle
from training.compare.layout_eval import LayoutEval, evaluate_layout_bundle
from training.compare.report import Evals, write_compare_report, write_eval_report

__all__ = ["Evals", "HtrEval", "LayoutEval", "LineEval", "evaluate_htr_bundle", "evaluate_layout_bundle",
           "write_compare_report", "write_eval_report"]
