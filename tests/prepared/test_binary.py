"""proxy.binary fed bytes: COM_STMT_EXECUTE decoding, literals, placeholders, PREPARE_OK."""

from __future__ import annotations

import struct

import pytest

from branchdb.proxy import binary
from branchdb.proxy.constants import Capability, FieldType
from branchdb.proxy.wire import ProtocolError


def _execute(stmt_id: int, nulls: bytes, types: bytes | None, values: bytes) -> bytes:
    head = b"\x17" + struct.pack("<IBI", stmt_id, 0, 1) + nulls
    if types is None:
        return head + b"\x00" + values
    return head + b"\x01" + types + values


def _t(code: int, unsigned: bool = False) -> bytes:
    return bytes((code, 0x80 if unsigned else 0))


def test_decode_every_parameter_kind() -> None:
    types = (
        _t(FieldType.TINY)
        + _t(FieldType.LONGLONG, unsigned=True)
        + _t(FieldType.DOUBLE)
        + _t(FieldType.FLOAT)
        + _t(FieldType.VAR_STRING)
        + _t(FieldType.DATETIME)
        + _t(FieldType.TIME)
        + _t(FieldType.NEWDECIMAL)
        + _t(FieldType.LONG)  # NULL
        + _t(FieldType.DATE)
    )
    values = (
        b"\xff"
        + struct.pack("<Q", 2**64 - 1)
        + struct.pack("<d", 0.1)
        + struct.pack("<f", 1.5)
        + b"\x03a'b"
        + b"\x0b"
        + struct.pack("<HBBBBBI", 2024, 2, 29, 1, 2, 3, 45)
        + b"\x0c"
        + struct.pack("<BIBBBI", 1, 1, 6, 0, 1, 5)
        + b"\x05-1.50"
        + b"\x04"
        + struct.pack("<HBB", 1999, 12, 31)
    )
    nulls = bytes((0, 0b1))  # parameter 8 (0-based) is NULL
    req = binary.decode_execute(_execute(7, nulls, types, values), 10, None, {})
    assert req.statement_id == 7
    assert req.values == [
        -1,
        2**64 - 1,
        0.1,
        1.5,
        b"a'b",
        "2024-02-29 01:02:03.000045",
        "-30:00:01.000005",
        b"-1.50",
        None,
        "1999-12-31",
    ]
    lits = [binary.sql_literal(v, req.types[2 * i], False) for i, v in enumerate(req.values)]  # type: ignore[index]
    assert lits == [
        "-1",
        "18446744073709551615",
        "0.1e0",
        "1.5e0",
        "'a\\'b'",
        "'2024-02-29 01:02:03.000045'",
        "'-30:00:01.000005'",
        "-1.50",
        "NULL",
        "'1999-12-31'",
    ]


def test_types_kept_from_previous_execute_and_long_data() -> None:
    types = _t(FieldType.LONG) + _t(FieldType.BLOB)
    first = binary.decode_execute(
        _execute(1, b"\x00", types, struct.pack("<i", 5) + b"\x01x"), 2, None, {}
    )
    assert first.types == types
    # New-params-bound 0: the previous types apply; parameter 1 came as long data.
    again = binary.decode_execute(
        _execute(1, b"\x00", None, struct.pack("<i", -9)), 2, types, {1: b"\x00\xff"}
    )
    assert again.values == [-9, b"\x00\xff"]
    assert again.types is None
    assert binary.sql_literal(b"\x00\xff", FieldType.BLOB, False) == "X'00ff'"
    with pytest.raises(ProtocolError):
        binary.decode_execute(_execute(1, b"\x00", None, b"\x00" * 4), 2, None, {})


def test_with_types_injects_previous_types() -> None:
    types = _t(FieldType.LONG)
    plain = _execute(3, b"\x00", None, struct.pack("<i", 1))
    bound = binary.with_types(plain, 1, types)
    assert bound == _execute(3, b"\x00", types, struct.pack("<i", 1))
    assert binary.bound_types(bound, 1) == types
    assert binary.bound_types(plain, 1) is None
    assert binary.with_statement_id(bound, 9)[1:5] == b"\x09\0\0\0"
    assert binary.statement_id_of(bound) == 3


@pytest.mark.parametrize(
    ("value", "nbe", "literal"),
    [
        (b"O'Re\\illy\n", False, "'O\\'Re\\\\illy\\n'"),
        (b"O'Re\\illy\n", True, "'O''Re\\illy\n'"),
        ("é✓".encode(), False, "'é✓'"),
        (b"\xff\xfe", False, "'\udcff\udcfe'"),  # bytes kept: the session re-encodes them as is
    ],
)
def test_string_literals_keep_bytes(value: bytes, nbe: bool, literal: str) -> None:
    assert binary.sql_literal(value, FieldType.VAR_STRING, nbe) == literal
    assert literal.encode("utf-8", "surrogateescape").count(b"\xff") == value.count(b"\xff")


def test_placeholders_outside_quotes_and_comments() -> None:
    sql = "SELECT ?, '?', \"?\", `?`, /* ? */ /*!50000 ? */ ? -- ?\n, ? # ?\n"
    assert len(binary.placeholder_positions(sql)) == 4
    assert (
        binary.substitute("INSERT INTO t VALUES (?, '?', ?)", ["1", "'x'"])
        == "INSERT INTO t VALUES (1, '?', 'x')"
    )
    with pytest.raises(ValueError):
        binary.substitute("SELECT ?", [])


@pytest.mark.parametrize("deprecate_eof", [True, False])
def test_prepare_reply_round_trip(deprecate_eof: bool) -> None:
    caps = int(Capability.PROTOCOL_41) | (int(Capability.DEPRECATE_EOF) if deprecate_eof else 0)
    ok = binary.PrepareOk(statement_id=0x7F000001, columns=0, params=2, warnings=0)
    payloads = binary.prepare_reply(ok, binary.fabricated_params(2), [], caps, 2)
    assert binary.parse_prepare_ok(payloads[0]) == ok
    assert len(payloads) == (3 if deprecate_eof else 4)
    # MariaDB's own definition of a `?`: name "?", binary charset, type NULL, BINARY flag.
    assert payloads[1] == (
        b"\x03def\x00\x00\x00\x01?\x00\x0c?\x00\x00\x00\x00\x00\x06\x80\x00\x00\x00\x00"
    )


def test_markers_map_repeated_and_reordered_parameters() -> None:
    """A rewrite may repeat or reorder the client's parameters: each marker names its own."""
    from branchdb.proxy.prepared import _marker, fill_markers, unmark

    rewrite = (
        f"SELECT * FROM (SELECT * FROM o WHERE b = {_marker(1)} AND a = {_marker(0)}"
        f" UNION ALL SELECT * FROM t WHERE a = {_marker(0)}) AS t WHERE a = {_marker(0)}"
        f" LIMIT {_marker(2)}"
    )
    assert fill_markers(rewrite, ["'x'", "7", "3"]) == (
        "SELECT * FROM (SELECT * FROM o WHERE b = 7 AND a = 'x'"
        " UNION ALL SELECT * FROM t WHERE a = 'x') AS t WHERE a = 'x' LIMIT 3"
    )
    assert unmark(rewrite).count("?") == 5
    assert unmark("SELECT 17391046205000000001, a7391046205000000001") == (
        "SELECT 17391046205000000001, a7391046205000000001"
    )
