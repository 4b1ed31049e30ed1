"""The real-copy helper itself: a copy must be indistinguishable from its source.

Every comparison in this folder trusts it, so it is tested on both seeds (the FK of the Alembic
shop; the FKs Django names itself).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from .dbsnap import differences, reference_order, snapshot
from .django_runner import django_seed
from .links import Target, direct
from .realcopy import real_copy
from .seed import seed_shop_target

pytestmark = pytest.mark.timeout(60)


@pytest.mark.parametrize("seed", [seed_shop_target, django_seed], ids=["shop", "django"])
def test_real_copy_equals_source(
    upstream: Any, schema: str, seed: Callable[[Target], None]
) -> None:
    seed(direct(upstream, schema))
    with real_copy(upstream, schema) as copy:
        conn = upstream.connect(autocommit=True)
        try:
            order = reference_order(conn, schema)
            names = (schema, copy)
            source = snapshot(conn, schema, order_by=order, names=names, checksum=True)
            copied = snapshot(conn, copy, order_by=order, names=names, checksum=True)
        finally:
            conn.close()
    assert isinstance(source.tables, list) and len(source.tables) >= 3
    assert differences(copied, source, label="copy") == []
