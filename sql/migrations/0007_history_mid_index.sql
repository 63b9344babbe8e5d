-- The freed trigger names a materialization whose row is already gone (deleted by cascade) from
-- its first history event: plumb.materialization_name looks it up by mid. Without an index that
-- was a scan of the whole, ever-growing history per freed row (plumb-bench materialize: 21 s to
-- free 2,000 NICs with 30,000 history events, inside a status report holding the writers' lock).
CREATE INDEX allocation_history_mid ON plumb.allocation_history (mid);
