-- Allocations whose materialization is gone: identifiers still held although the materialization
-- that had them was deleted, with the hosts that have not yet reported a generation without them
-- (force their release with the admin API if such a host is gone for good).
SELECT c.kind, c.value, c.scope, c.materialization, c.holder, c.released_at,
       (SELECT string_agg(format('%s %s (applied %s of %s, last seen %s)', mh.kind, mh.host,
                                 coalesce(h.applied_generation::text, 'nothing'), mh.release_generation,
                                 coalesce(h.last_seen::text, 'never')), '; ' ORDER BY mh.kind, mh.host)
        FROM plumb.materialization_hosts mh
        JOIN plumb.materializations m ON m.mid = mh.mid
        JOIN plumb.hosts h ON h.kind = mh.kind AND h.name = mh.host
        WHERE m.id = c.materialization AND m.state = 'released') AS waiting_for
FROM plumb.current_allocations c
WHERE c.state = 'quarantined'
UNION ALL
-- Values the history says are held although no allocation row holds them: should never appear.
SELECT h.kind, h.value, h.scope, h.materialization, h.holder, NULL, 'LOST: no allocation row holds it'
FROM (SELECT DISTINCT ON (kind, scope, value) kind, scope, value, materialization, holder, event
      FROM plumb.allocation_history
      ORDER BY kind, scope, value, id DESC) h
WHERE h.event <> 'freed'
  AND NOT EXISTS (SELECT 1 FROM plumb.current_allocations c
                  WHERE c.kind = h.kind AND c.scope = h.scope AND c.value = h.value)
ORDER BY 4, 1, 2;
