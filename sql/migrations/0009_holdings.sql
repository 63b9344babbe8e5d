-- One row per holding of an identifier: its 'allocated' event with the times its holder released it
-- and the pool got it back (NULL while that has not happened). Between released_at and freed_at the
-- value is quarantined. The operator query sql/audit/who-held-vni.sql and GET /v1/audit/vni read
-- holdings from here, so that "who held it, from when to when" is written once.
CREATE VIEW plumb.holdings AS
SELECT a.id, a.kind, a.value, a.scope, a.materialization, a.mid, a.holder,
       a.at AS allocated_at, a.actor AS allocated_by, r.at AS released_at, f.at AS freed_at
FROM plumb.allocation_history a
LEFT JOIN LATERAL (SELECT h.at FROM plumb.allocation_history h
                   WHERE h.mid = a.mid AND h.kind = a.kind AND h.value = a.value AND h.event = 'released'
                   ORDER BY h.id LIMIT 1) r ON true
LEFT JOIN LATERAL (SELECT h.at FROM plumb.allocation_history h
                   WHERE h.mid = a.mid AND h.kind = a.kind AND h.value = a.value AND h.event = 'freed'
                   ORDER BY h.id LIMIT 1) f ON true
WHERE a.event = 'allocated';
