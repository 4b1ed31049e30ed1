"""MySQL wire-protocol constants, one namespace per class (as PyMySQL's constants package)."""

from __future__ import annotations

from enum import IntEnum, IntFlag


class Command(IntEnum):
    SLEEP = 0x00
    QUIT = 0x01
    INIT_DB = 0x02
    QUERY = 0x03
    FIELD_LIST = 0x04
    CREATE_DB = 0x05
    DROP_DB = 0x06
    REFRESH = 0x07
    SHUTDOWN = 0x08
    STATISTICS = 0x09
    PROCESS_INFO = 0x0A
    CONNECT = 0x0B
    PROCESS_KILL = 0x0C
    DEBUG = 0x0D
    PING = 0x0E
    TIME = 0x0F
    DELAYED_INSERT = 0x10
    CHANGE_USER = 0x11
    BINLOG_DUMP = 0x12
    TABLE_DUMP = 0x13
    CONNECT_OUT = 0x14
    REGISTER_SLAVE = 0x15
    STMT_PREPARE = 0x16
    STMT_EXECUTE = 0x17
    STMT_SEND_LONG_DATA = 0x18
    STMT_CLOSE = 0x19
    STMT_RESET = 0x1A
    SET_OPTION = 0x1B
    STMT_FETCH = 0x1C
    DAEMON = 0x1D
    BINLOG_DUMP_GTID = 0x1E
    RESET_CONNECTION = 0x1F


class Capability(IntFlag):
    LONG_PASSWORD = 1 << 0  # MariaDB: CLIENT_MYSQL
    FOUND_ROWS = 1 << 1
    LONG_FLAG = 1 << 2
    CONNECT_WITH_DB = 1 << 3
    NO_SCHEMA = 1 << 4
    COMPRESS = 1 << 5
    ODBC = 1 << 6
    LOCAL_FILES = 1 << 7
    IGNORE_SPACE = 1 << 8
    PROTOCOL_41 = 1 << 9
    INTERACTIVE = 1 << 10
    SSL = 1 << 11
    IGNORE_SIGPIPE = 1 << 12
    TRANSACTIONS = 1 << 13
    RESERVED = 1 << 14
    SECURE_CONNECTION = 1 << 15
    MULTI_STATEMENTS = 1 << 16
    MULTI_RESULTS = 1 << 17
    PS_MULTI_RESULTS = 1 << 18
    PLUGIN_AUTH = 1 << 19
    CONNECT_ATTRS = 1 << 20
    PLUGIN_AUTH_LENENC_CLIENT_DATA = 1 << 21
    CAN_HANDLE_EXPIRED_PASSWORDS = 1 << 22
    SESSION_TRACK = 1 << 23
    DEPRECATE_EOF = 1 << 24
    OPTIONAL_RESULTSET_METADATA = 1 << 25
    ZSTD_COMPRESSION = 1 << 26
    QUERY_ATTRIBUTES = 1 << 27
    MULTI_FACTOR_AUTHENTICATION = 1 << 28
    CAPABILITY_EXTENSION = 1 << 29
    SSL_VERIFY_SERVER_CERT = 1 << 30
    REMEMBER_OPTIONS = 1 << 31


#: Capabilities the proxy never lets a client negotiate: it relays packets without decompressing
#: or decrypting them, and does not parse the optional extensions below.
MASKED_CAPABILITIES = (
    Capability.COMPRESS
    | Capability.SSL
    | Capability.ZSTD_COMPRESSION
    | Capability.QUERY_ATTRIBUTES
    | Capability.OPTIONAL_RESULTSET_METADATA
    | Capability.MULTI_FACTOR_AUTHENTICATION
    | Capability.CAPABILITY_EXTENSION
    | Capability.SSL_VERIFY_SERVER_CERT
)


class ServerStatus(IntFlag):
    IN_TRANS = 0x0001
    AUTOCOMMIT = 0x0002
    MORE_RESULTS_EXISTS = 0x0008
    NO_GOOD_INDEX_USED = 0x0010
    NO_INDEX_USED = 0x0020
    CURSOR_EXISTS = 0x0040
    LAST_ROW_SENT = 0x0080
    DB_DROPPED = 0x0100
    NO_BACKSLASH_ESCAPES = 0x0200
    METADATA_CHANGED = 0x0400
    QUERY_WAS_SLOW = 0x0800
    PS_OUT_PARAMS = 0x1000
    IN_TRANS_READONLY = 0x2000
    SESSION_STATE_CHANGED = 0x4000


class FieldType(IntEnum):
    DECIMAL = 0
    TINY = 1
    SHORT = 2
    LONG = 3
    FLOAT = 4
    DOUBLE = 5
    NULL = 6
    TIMESTAMP = 7
    LONGLONG = 8
    INT24 = 9
    DATE = 10
    TIME = 11
    DATETIME = 12
    YEAR = 13
    NEWDATE = 14
    VARCHAR = 15
    BIT = 16
    TIMESTAMP2 = 17
    DATETIME2 = 18
    TIME2 = 19
    VECTOR = 242
    JSON = 245
    NEWDECIMAL = 246
    ENUM = 247
    SET = 248
    TINY_BLOB = 249
    MEDIUM_BLOB = 250
    LONG_BLOB = 251
    BLOB = 252
    VAR_STRING = 253
    STRING = 254
    GEOMETRY = 255


class ER(IntEnum):
    """Server error codes branchdb produces itself (mysqld_error.h numbering)."""

    CON_COUNT_ERROR = 1040
    HANDSHAKE_ERROR = 1043
    DBACCESS_DENIED_ERROR = 1044
    ACCESS_DENIED_ERROR = 1045
    NO_DB_ERROR = 1046
    UNKNOWN_COM_ERROR = 1047
    BAD_DB_ERROR = 1049
    TABLE_EXISTS_ERROR = 1050
    BAD_TABLE_ERROR = 1051
    BAD_FIELD_ERROR = 1054
    DUP_ENTRY = 1062
    PARSE_ERROR = 1064
    NET_PACKET_TOO_LARGE = 1153
    NET_READ_ERROR = 1158
    NET_PACKETS_OUT_OF_ORDER = 1156
    NO_SUCH_TABLE = 1146
    NOT_SUPPORTED_YET = 1235
    UNKNOWN_STMT_HANDLER = 1243
    UNKNOWN_ERROR = 1105
    OPTION_PREVENTS_STATEMENT = 1290
    ACCESS_DENIED_NO_PASSWORD = 1698


class CR(IntEnum):
    """Client-side error codes (errmsg.h): what a client library reports for a broken link."""

    CONNECTION_ERROR = 2002
    CONN_HOST_ERROR = 2003
    SERVER_GONE_ERROR = 2006
    SERVER_LOST = 2013


#: Largest payload of one physical packet; a payload this long continues in the next packet.
MAX_PACKET_PAYLOAD = 0xFFFFFF
