-- Who held VNI :vni at time :at?
--
-- A VNI is held from its 'allocated' event until its 'freed' event (between 'released' and
-- 'freed' it is quarantined: the materialization is deleted but some host may still carry it).
-- Answers one row per holding that covers :at, with the state it was in at that moment.
SELECT materialization,
       holder,
       allocated_at,
       allocated_by,
       released_at,
       freed_at,
       CASE WHEN released_at IS NULL OR released_at > :'at'::timestamptz THEN 'held' ELSE 'quarantined' END AS state_at_time
FROM plumb.holdings
WHERE kind = 'vni'
  AND value = :'vni'
  AND allocated_at <= :'at'::timestamptz
  AND (freed_at IS NULL OR freed_at > :'at'::timestamptz)
ORDER BY allocated_at;
