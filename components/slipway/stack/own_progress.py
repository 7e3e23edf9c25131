"""The recorded release progress for a bare `pulumi up` or `pulumi preview`.

The `slipway` tool hands the program its stack's recorded progress (stack/progress.py). A
platform engineer may still run the Pulumi CLI directly; without the progress the program
would take every service file's version as already released: a canary under way would jump
to 100% with no gate and the recorded progress would be overwritten. So, when nothing was
handed over, the program reads its own stack's outputs itself, through the Automation API
(one `pulumi stack output --json` that decrypts nothing, stack_outputs.py; it takes no lock,
so it runs inside the update that holds one). The program starts that read first thing
(own_outputs.py) and hands it over here as `pending`.
If they cannot be read, the run stops: guessing would skip the gates.
"""

from __future__ import annotations

from pathlib import Path

from pulumi import automation as auto

from ..release_state import ReleaseState
from ..spec.errors import SpecError
from ..spec.secret_values import scrub
from .own_outputs import PendingOutputs, read_in_background
from .progress import ENV, Handoff, from_outputs, running_strategies
from .stack_outputs import cli_error_reasons


def read_own_progress(stack: str, project_dir: Path,
                      legacy: dict[str, ReleaseState] | None = None, *,
                      qualified: str | None = None,
                      pending: PendingOutputs | None = None) -> Handoff:
    """What the tool would hand over: the progress `stack`'s last update recorded (nothing for
    a stack never updated) and the strategy each service runs; `legacy` (the old config key,
    while present) is the newest word on the services it names. `qualified`
    (org/project/stack) names the stack whatever organization the CLI defaults to; `pending`
    is that read already started (own_outputs.start_own_read)."""
    try:
        outputs = (pending or read_in_background(project_dir, qualified or stack)).result()
    except (auto.errors.CommandError, OSError) as err:
        reasons = ([f"the pulumi CLI is not on PATH: {err.strerror}"] if isinstance(err, OSError)
                   else cli_error_reasons(err))
        # The CLI's words may name the backend URL, credentials included: scrubbed.
        raise SpecError([scrub(
            f"stack {stack}: its recorded release progress (output releases) could not be read "
            f"({'; '.join(reasons) or 'pulumi stack output failed'}); nothing was changed. "
            f"Run `slipway up --stack {stack}` (it hands the progress over in {ENV}), or fix "
            "access to the backend")]) from None
    return Handoff(recorded={**from_outputs(outputs, stack), **(legacy or {})},
                   running=running_strategies(outputs.get("services")))

