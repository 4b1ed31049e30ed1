"""The action list of an ALTER TABLE, split and classified from its tokens.

sqlglot does not parse every ALTER form MySQL and MariaDB accept (CONVERT TO, ADD CHECK, IF EXISTS
in several places, …), and the engine never re-renders the user's statement anyway: it needs only
to know what each action does to columns (so base rows can be mapped onto the new schema) and
where its text is (so foreign-key actions can be left out of the trial run on a scratch table).
Anything not recognised is kind `other`, which makes the caller materialize the table: the server
then does the work on a full copy and no mapping has to understand it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot.tokenizer_core import Token, TokenType

#: Kinds that change no column's values (the overlay's ALTER is all there is to do).
NO_VALUE_CHANGE = frozenset({"index", "unique", "column_default", "option", "add_fk", "drop_fk"})

_OPTION_WORDS = frozenset(
    {
        "ENGINE",
        "COMMENT",
        "DEFAULT",
        "CHARACTER",
        "CHARSET",
        "COLLATE",
        "AUTO_INCREMENT",
        "ALGORITHM",
        "LOCK",
        "ROW_FORMAT",
        "KEY_BLOCK_SIZE",
        "STATS_PERSISTENT",
        "STATS_AUTO_RECALC",
        "STATS_SAMPLE_PAGES",
        "PACK_KEYS",
        "CHECKSUM",
        "DELAY_KEY_WRITE",
        "FORCE",
        "ORDER",
        "ENABLE",
        "DISABLE",
        "AVG_ROW_LENGTH",
        "MAX_ROWS",
        "MIN_ROWS",
        "PAGE_CHECKSUM",
        "TRANSACTIONAL",
        "ENCRYPTED",
        "ENCRYPTION_KEY_ID",
        "PAGE_COMPRESSED",
        "PAGE_COMPRESSION_LEVEL",
        "IETF_QUOTES",
        "SEQUENCE",
        "NOWAIT",
        "WAIT",
    }
)
_KEY_WORDS = frozenset({"INDEX", "KEY", "FULLTEXT", "SPATIAL"})
_NAME_TYPES = frozenset({TokenType.IDENTIFIER, TokenType.STRING})


@dataclass(frozen=True)
class Action:
    """One comma-separated action of an ALTER TABLE.

    kind: add_column | drop_column | change_column (MODIFY / CHANGE) | rename_column |
    column_default (ALTER COLUMN … SET/DROP DEFAULT) | index | unique | primary_key | add_fk |
    drop_fk | drop_constraint | rename_table | option | other.
    """

    kind: str
    start: int  # first character of the action's text
    end: int  # one past its last character
    column: str | None = None  # the column acted on, by its name before the ALTER
    new_name: str | None = None  # the column's name after (ADD, CHANGE, RENAME COLUMN)
    if_exists: bool = False  # IF [NOT] EXISTS
    name: str | None = None  # DROP CONSTRAINT's constraint name
    target: tuple[str | None, str] | None = None  # RENAME TO's (db, table)


def _word(t: Token) -> str | None:
    """The keyword a token spells, or None for quoted names and strings."""
    return None if t.token_type in _NAME_TYPES else t.text.upper()


def split_actions(sql: str, tokens: list[Token], after: int) -> list[Action]:
    """The actions of the ALTER TABLE whose table name ends at character `after`."""
    segments: list[list[Token]] = [[]]
    depth = 0
    for t in tokens:
        if t.start < after:
            continue
        if t.token_type == TokenType.SEMICOLON and depth == 0:
            break
        if t.token_type == TokenType.L_PAREN:
            depth += 1
        elif t.token_type == TokenType.R_PAREN:
            depth -= 1
        if t.token_type == TokenType.COMMA and depth == 0:
            segments.append([])
            continue
        segments[-1].append(t)
    return [_classify(seg) for seg in segments if seg]


def _classify(tokens: list[Token]) -> Action:
    span = (tokens[0].start, tokens[-1].end + 1)
    # The tokenizer reads some keyword pairs as one token ("FOREIGN KEY", "PRIMARY KEY"): one
    # entry per word, so positions count words.
    seg: list[Token] = []
    words: list[str | None] = []
    for t in tokens:
        w = _word(t)
        parts = w.split() if w else [None]
        for part in parts:
            seg.append(t)
            words.append(part)
    words += [None, None, None, None]
    w0, w1 = words[0], words[1]

    def act(kind: str, **kw: object) -> Action:
        return Action(kind, *span, **kw)  # type: ignore[arg-type]

    if w0 == "ADD":
        i = 1
        if words[i] == "CONSTRAINT":
            i += 1
            if words[i] == "IF":
                i += 3
            if words[i] not in ("PRIMARY", "UNIQUE", "FOREIGN", "CHECK"):
                i += 1  # the constraint's name
        wi = words[i]
        if wi in _KEY_WORDS:
            return act("index")
        if wi == "UNIQUE":
            return act("unique")
        if wi == "PRIMARY":
            return act("primary_key")
        if wi == "FOREIGN":
            return act("add_fk")
        if i > 1 or wi in ("CHECK", "PARTITION", "PERIOD", "SYSTEM"):
            return act("other")
        if wi == "COLUMN":
            i += 1
        exists = words[i] == "IF"
        if exists:
            i += 3  # IF NOT EXISTS
        if i >= len(seg) or seg[i].token_type == TokenType.L_PAREN:
            return act("other")  # ADD COLUMN (a INT, b INT)
        return act("add_column", new_name=seg[i].text, if_exists=exists)
    if w0 == "DROP":
        if w1 in ("INDEX", "KEY", "CHECK"):
            return act("index")
        if w1 == "PRIMARY":
            return act("primary_key")
        if w1 == "FOREIGN":
            return act("drop_fk")
        if w1 == "CONSTRAINT":
            i = 4 if words[2] == "IF" else 2
            return act("drop_constraint", name=seg[i].text if i < len(seg) else None)
        if w1 in ("PARTITION", "PERIOD", "SYSTEM"):
            return act("other")
        i = 2 if w1 == "COLUMN" else 1
        exists = words[i] == "IF"
        i += 2 if exists else 0
        if i >= len(seg):
            return act("other")
        return act("drop_column", column=seg[i].text, if_exists=exists)
    if w0 in ("MODIFY", "CHANGE"):
        i = 2 if w1 == "COLUMN" else 1
        exists = words[i] == "IF"
        i += 2 if exists else 0
        if i >= len(seg):
            return act("other")
        old = seg[i].text
        new = old if w0 == "MODIFY" else (seg[i + 1].text if i + 1 < len(seg) else None)
        if new is None:
            return act("other")
        return act("change_column", column=old, new_name=new, if_exists=exists)
    if w0 == "RENAME":
        if w1 == "COLUMN" and len(seg) >= 5:
            return act("rename_column", column=seg[2].text, new_name=seg[4].text)
        if w1 in ("INDEX", "KEY"):
            return act("index")
        i = 2 if w1 in ("TO", "AS") else 1
        rest = seg[i:]
        if len(rest) == 3 and rest[1].token_type == TokenType.DOT:
            return act("rename_table", target=(rest[0].text, rest[2].text))
        if len(rest) == 1:
            return act("rename_table", target=(None, rest[0].text))
        return act("other")
    if w0 == "ALTER":
        if w1 in ("INDEX", "KEY", "CHECK", "CONSTRAINT"):
            return act("index")
        i = 2 if w1 == "COLUMN" else 1
        if i < len(seg):
            return act("column_default", column=seg[i].text)
        return act("other")
    if w0 in _OPTION_WORDS:
        return act("option")
    return act("other")
