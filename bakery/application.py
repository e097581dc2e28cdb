"""The Flask class the shop runs on."""

from __future__ import annotations

from collections.abc import Callable
from inspect import iscoroutinefunction
from typing import Any

from flask import Flask


class BakeryFlask(Flask):
    """Flask, remembering which hooks and views are coroutine functions.

    Flask asks it of every hook and view on every request, a dozen times, and the answer never
    changes for a function: asked once, it costs nothing after.
    """

    _MAX_REMEMBERED = 4096

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._coroutine_functions: dict[Callable, bool] = {}

    def ensure_sync(self, func: Callable) -> Callable:
        target = getattr(func, "__func__", func)
        coroutine = self._coroutine_functions.get(target)
        if coroutine is None:
            if len(self._coroutine_functions) >= self._MAX_REMEMBERED:
                self._coroutine_functions.clear()
            coroutine = self._coroutine_functions[target] = iscoroutinefunction(func)
        return self.async_to_sync(func) if coroutine else func
