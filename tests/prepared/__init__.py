"""Server-side prepared statements on a branch (issue 6).

Every end-to-end test runs the same steps on a branch through the proxy and on a real copy of
what the branch starts from (directly), and compares what the client sees:

- test_go_scenario: the DEVELOPERS.md scenario with go-sql-driver/mysql, every statement
  prepared (tests/go/scenario, built offline), modes `all` and `empty`;
- test_connector: mysql-connector-python prepared=True, pure and C extension;
- test_differential_prepared: the copy-on-write differential sequence with literals as `?`;
- test_types: binary rows of every MySQL type, branch vs copy and the proxy's encoder vs server;
- test_protocol: COM_STMT_* at byte level (re-prepare, bound types, cursors, RESET, CLOSE);
- test_sql_prepare: PREPARE / EXECUTE … USING / EXECUTE IMMEDIATE / DEALLOCATE;
- test_binary: proxy.binary fed bytes.

Run: /work/venv/bin/pytest -q tests/prepared (BRANCHDB_DIFF_STATEMENTS / BRANCHDB_DIFF_SEED tune
the differential run). Connections use autocommit=1 while the engine's 1412 bug stands.
"""
