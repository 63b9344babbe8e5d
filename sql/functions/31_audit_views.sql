-- Every identifier held now, active or quarantined.
CREATE VIEW plumb.current_allocations AS
    SELECT i.kind, i.value, i.scope, m.id AS materialization, i.holder,
           CASE m.state WHEN 'active' THEN 'held' ELSE 'quarantined' END AS state,
           m.created_at AS allocated_at, m.released_at
    FROM plumb.materialization_items i JOIN plumb.materializations m ON m.mid = i.mid;

-- Per pool: values held by live materializations, values quarantined, values still free.
--   vni          one pool for the testbed (the vni_ranges minus reserved_vnis)
--   vlan         one pool per leaf (its range minus its reserved tags and those of every hypervisor behind it)
--   vf           one pool per PF (indices below its VF limit)
--   passthrough  one pool per hypervisor (its NICs that may be passed through)
--   mac          one pool for the testbed (02:00:00:00:00:01 … 02:ff:ff:ff:ff:ff; requested MACs elsewhere are not counted)
CREATE VIEW plumb.pool_usage AS
WITH vni_size AS (
    SELECT coalesce(sum(r.last - r.first + 1), 0)
           - (SELECT count(*) FROM plumb.reserved_vnis v
              WHERE EXISTS (SELECT 1 FROM plumb.vni_ranges r2 WHERE v.vni BETWEEN r2.first AND r2.last)) AS size
    FROM plumb.vni_ranges r
),
vlan_size AS (
    SELECT l.name AS scope,
           (l.vlan_last - l.vlan_first + 1)
           - (SELECT count(DISTINCT t) FROM (
                  SELECT unnest(l.reserved_vlans) AS t
                  UNION SELECT unnest(h.reserved_vlans) FROM plumb.hypervisors h WHERE h.leaf = l.name) r
              WHERE t BETWEEN l.vlan_first AND l.vlan_last) AS size
    FROM plumb.leaves l
),
pools AS (
    SELECT 'vni' AS pool, '' AS scope, (SELECT size FROM vni_size) AS size
    UNION ALL SELECT 'vlan', scope, size FROM vlan_size
    UNION ALL SELECT 'vf', hypervisor || '/' || name, vf_limit FROM plumb.host_nics WHERE vf_limit > 0
    UNION ALL SELECT 'passthrough', hypervisor, count(*) FROM plumb.host_nics WHERE passthrough GROUP BY hypervisor
    UNION ALL SELECT 'mac', '', 1099511627775
),
-- The same kinds and scopes as the items functions of 30_audit_history.sql, counted straight from
-- the tables (this view is read on every metrics scrape).
held AS (
    SELECT 'vni' AS pool, '' AS scope, n.mid FROM plumb.networks n
    UNION ALL SELECT 'vlan', v.leaf, v.mid FROM plumb.network_vlans v
    UNION ALL SELECT 'vf', n.hypervisor || '/' || n.pf, n.mid FROM plumb.vm_nics n WHERE n.mechanism = 'vfio'
    UNION ALL SELECT 'passthrough', n.hypervisor, n.mid FROM plumb.vm_nics n WHERE n.mechanism = 'passthrough'
    UNION ALL SELECT 'mac', '', n.mid FROM plumb.vm_nics n WHERE n.mac BETWEEN 2199023255553 AND 3298534883327
),
used AS (
    SELECT h.pool, h.scope,
           count(*) FILTER (WHERE m.state = 'active') AS allocated,
           count(*) FILTER (WHERE m.state = 'released') AS quarantined
    FROM held h JOIN plumb.materializations m ON m.mid = h.mid
    GROUP BY h.pool, h.scope
)
SELECT p.pool, p.scope, p.size,
       coalesce(u.allocated, 0) AS allocated,
       coalesce(u.quarantined, 0) AS quarantined,
       greatest(p.size - coalesce(u.allocated, 0) - coalesce(u.quarantined, 0), 0) AS free
FROM pools p LEFT JOIN used u ON u.pool = p.pool AND u.scope = p.scope;

-- One row per holding of an identifier: its 'allocated' event with the times its holder released it
-- and the pool got it back (NULL while that has not happened). Between released_at and freed_at the
-- value is quarantined. plumb.vni_holdings (below) reads holdings from here, so that "who held it, from
-- when to when" is written once.
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

-- Who held VNI p_vni at p_at: its holdings that covered that moment (allocated at or before it and not
-- yet freed), or every holding of it when p_at is NULL; oldest first, each in the state it was in then
-- (or is in now): held, quarantined or freed. GET /v1/audit/vni/{n} and the operator query
-- sql/audit/who-held-vni.sql both ask it here.
CREATE FUNCTION plumb.vni_holdings(p_vni int, p_at timestamptz)
RETURNS TABLE (materialization text, holder text, allocated_at timestamptz, allocated_by text,
               released_at timestamptz, freed_at timestamptz, state text)
LANGUAGE sql STABLE AS $$
    SELECT h.materialization, h.holder, h.allocated_at, h.allocated_by, h.released_at, h.freed_at,
           CASE WHEN h.freed_at <= coalesce(p_at, now()) THEN 'freed'
                WHEN h.released_at <= coalesce(p_at, now()) THEN 'quarantined'
                ELSE 'held' END
    FROM plumb.holdings h
    WHERE h.kind = 'vni' AND h.value = p_vni::text
      AND (p_at IS NULL OR (h.allocated_at <= p_at AND (h.freed_at IS NULL OR h.freed_at > p_at)))
    ORDER BY h.allocated_at, h.id
$$;
