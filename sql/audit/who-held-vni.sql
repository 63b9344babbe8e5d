-- Who held VNI :vni at time :at?
--
-- A VNI is held from its 'allocated' event until its 'freed' event (between 'released' and
-- 'freed' it is quarantined: the materialization is deleted but some host may still carry it).
-- Answers one row per holding that covers :at, with the state it was in at that moment. The
-- question is plumb.vni_holdings (sql/functions/31_audit_views.sql), which GET /v1/audit/vni asks too.
SELECT materialization,
       holder,
       allocated_at,
       allocated_by,
       released_at,
       freed_at,
       state AS state_at_time
FROM plumb.vni_holdings(:'vni'::int, :'at'::timestamptz);
