"""Before a precision edit is saved: the plan with it must still export verified.

``set-precision LAYER float`` (or ``int16``) passes the plan's own rules (:mod:`core.plan.precision`) and
still can make a session the export refuses: the converter does not always return to int8 right after a
float op's readers (on MobileNetV2 a float ``expanded_conv_project`` leaves ``block_1_pad``, a PAD after
the conv reading it, stored as float32, which the verifier refuses). Rather than guess the converter's
rules, the edited plan is converted and verified in memory (nothing written) and a refusal names the
op, the value and the verifier's first problem; the session file is then left untouched.
"""

from __future__ import annotations

from ..plan.checks import PlanError

SHOWN = 3                             # verifier problems the refusal quotes
CHECK_GRANULARITY = "per-channel"     # the export's --weights default; the float region does not depend on it


def check_precision_exports(session, layer: str, value: str, progress=None) -> None:
    """A :class:`PlanError` when ``session``'s plan (already holding the edit) does not export verified."""
    from ..export.export import convert_int8
    from ..models.loading import load_model
    from ..progress import NULL_PROGRESS
    from ..session import SessionError

    try:
        model_path = session.require_model()
    except SessionError as exc:
        raise PlanError(f"{layer}: {value} needs a verified export of the edited plan to be accepted, and {exc}") \
            from None
    plan = session.plan
    model = load_model(model_path)
    _, ver, _ = convert_int8(model, plan.tensors, plan.ranges(), CHECK_GRANULARITY,
                             progress=progress or NULL_PROGRESS, weight_plan=plan)
    if not ver.ok:
        # a problem naming a plan tensor (e.g. "tensor block_1_pad: stored as float32 ...") says more to the
        # user than one about the converter's own tensors
        names = [t.name for t in plan.tensors]
        named = [p for p in ver.problems if any(f"tensor {n}:" in p for n in names)]
        shown = (named + [p for p in ver.problems if p not in named])[:SHOWN] or ["the verifier refused it"]
        more = f" (and {len(ver.problems) - len(shown)} more)" if len(ver.problems) > len(shown) else ""
        raise PlanError(f"{layer}: {value} refused: the export of the plan with it does not verify: "
                        f"{'; '.join(shown)}{more}; the session is unchanged")
