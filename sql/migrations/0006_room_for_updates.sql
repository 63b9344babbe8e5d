-- A facility change of thousands of hypervisors rewrites all their host rows (a new generation) and hypervisor rows
-- (an MTU, say) at once, and agents' status reports rewrite host rows all the time. Room left on each page keeps a
-- row's new version on its page (a heap-only tuple): no index entry is written for it, and for a hypervisor no
-- check of its deferred VTEP uniqueness is queued for the commit. On full pages every such update moved the row
-- and wrote both. Tables declared before this take it up page by page as their rows move (VACUUM FULL at once).
ALTER TABLE plumb.hosts SET (fillfactor = 50);
ALTER TABLE plumb.hypervisors SET (fillfactor = 50);
