"""Per-issue reference for the issues: the age (hours) at which an unfixed issue escalates.

:func:`escalation_age` integrates the doubling hazard by quadrature and solves for the age,
where :mod:`model.sim.issues` uses the closed form (docs/ODD.md, section 7.3).
"""

from __future__ import annotations

from scipy import integrate, optimize


def escalation_age(base_per_1000h: float, doubling_h: float, budget: float) -> float:
    """Age at which the integrated hazard ``h0 2^(a/d)`` reaches the budget (quadrature)."""
    h0 = base_per_1000h / 1000.0

    def cumulative(age: float) -> float:
        return integrate.quad(lambda a: h0 * 2.0 ** (a / doubling_h), 0.0, age, limit=200)[0]

    upper = 1.0
    while cumulative(upper) < budget:
        upper *= 2.0
    return optimize.brentq(lambda a: cumulative(a) - budget, 0.0, upper, xtol=1e-10, rtol=1e-12)
