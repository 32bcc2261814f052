"""Whether an object is freed by reference counting alone, the cycle collector off."""

import gc
import weakref


def freed_by_reference_counting(make) -> bool:
    """Whether what ``make()`` returns is gone once its last reference goes, with the cycle
    collector off (as the window keeps it while a worker runs TensorFlow)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        gone = weakref.ref(make())
        return gone() is None
    finally:
        if enabled:
            gc.enable()
