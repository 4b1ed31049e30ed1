"""Copy-on-write branches: catalog, overlay storage, copy-up writes, merged reads, lifecycle.

Wiring (what the proxy does):

    control = await AioMysqlExecutor.connect(host, port, user, password)   # branchdb's own
    engine = BranchEngine(control); await engine.start()                   # catalog on first use
    branch = await engine.branch("feat-x")          # one shared BranchInfo per branch
    await engine.lifecycle.connected(branch.id)     # TTL accounting (disconnected() on close)
    await engine.prepare(branch, current_db)        # at connect / COM_INIT_DB / USE
    # per statement of the session:
    if kind is WRITE or DDL or LOCKING_READ or engine.may_touch_dirty(branch, sql):
        outcome = await engine.plan_and_run(StatementContext(...), client_executor)
    else: forward bytes unchanged

Outcomes: Passthrough (forward the original bytes), RelayQuery(sql) (send this text instead and
relay the reply), OkReply / ResultReply / ErrorReply (answer the client with this packet; the
engine already ran its work on the client's own upstream connection through `client_executor`).
"""
