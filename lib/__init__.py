"""Helpers shared by the course's notebooks: data, plots, device choice, visible checks.

Notebooks use it as ``import lib`` and then ``lib.data.sinusoid(...)``,
``lib.checks.check_close(...)``, ``lib.device.best_device()``.
"""

from lib import checks, data, device, logistic, plotting, regularization

__all__ = ["checks", "data", "device", "logistic", "plotting", "regularization"]
