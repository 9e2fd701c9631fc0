"""The one pause of Python's cyclic garbage collector, for work that makes many objects.

The engine and the stores make hundreds of thousands of acyclic objects (rows, tuples, arrays);
a collection in the middle would only rescan the graph, so they pause the collector meanwhile.
"""

from __future__ import annotations

import gc


class no_gc:  # lower case: it reads like a function, ``with no_gc():``
    """Pause the cyclic collector inside ``with no_gc():`` (restored on exit).

    A class, not a ``@contextmanager`` generator: that one allocates on exit, just after the
    collector is back on, and so starts a collection over everything the work just made.
    """

    __slots__ = ("_paused",)

    def __enter__(self) -> None:
        self._paused = gc.isenabled()
        gc.disable()

    def __exit__(self, *exc: object) -> None:
        if self._paused:
            gc.enable()
