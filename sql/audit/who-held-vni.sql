-- Who held VNI :vni at time :at?
--
-- A VNI is held from its 'allocated' event until its 'freed' event (between 'released' and
-- 'freed' it is quarantined: the materialization is deleted but some host may still carry it).
-- Answers one row per holding that covers :at, with the state it was in at that moment.
SELECT a.materialization,
       a.holder,
       a.at    AS allocated_at,
       a.actor AS allocated_by,
       r.at    AS released_at,
       f.at    AS freed_at,
       CASE WHEN r.at IS NULL OR r.at > :'at'::timestamptz THEN 'held' ELSE 'quarantined' END AS state_at_time
FROM plumb.allocation_history a
LEFT JOIN LATERAL (SELECT h.at FROM plumb.allocation_history h
                   WHERE h.mid = a.mid AND h.kind = a.kind AND h.value = a.value AND h.event = 'released'
                   ORDER BY h.id LIMIT 1) r ON true
LEFT JOIN LATERAL (SELECT h.at FROM plumb.allocation_history h
                   WHERE h.mid = a.mid AND h.kind = a.kind AND h.value = a.value AND h.event = 'freed'
                   ORDER BY h.id LIMIT 1) f ON true
WHERE a.kind = 'vni'
  AND a.value = :'vni'
  AND a.event = 'allocated'
  AND a.at <= :'at'::timestamptz
  AND (f.at IS NULL OR f.at > :'at'::timestamptz)
ORDER BY a.at;
