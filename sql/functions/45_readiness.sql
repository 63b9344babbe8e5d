-- Readiness: whether each host a materialization touches has applied it, and applied it without
-- errors for its items.

-- The item errors a host last reported (hosts.errors) that concern one materialization's
-- allocations on that host, in the order reported. An error names its item as the agent does
-- (Sources/PlumbAgentKit, Planner+Networks.swift and Planner+PCI.swift):
--   'tap NAME'          the materialization's virtio NIC with that tap on this hypervisor
--   'vf PF/INDEX'       its vfio NIC on VF INDEX of PF on this hypervisor
--   'pf PF'             its vfio NICs on PF (a PF whose VFs cannot be set up fails all of them)
--   'passthrough PCI'   its passthrough NIC whose PF has that PCI address
--   'network VNI'       its network with that VNI, where this host carries it (a hypervisor with
--                       virtio NICs on it, a leaf that maps it)
-- Any other item (another materialization's, or a device Plumb gives back) concerns no materialization.
CREATE FUNCTION plumb.item_errors(p_mid bigint, p_kind text, p_host text) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT coalesce(jsonb_agg(jsonb_build_object('item', e.item, 'message', e.message) ORDER BY e.ord), '[]')
    FROM plumb.hosts h
    CROSS JOIN LATERAL ROWS FROM (jsonb_to_recordset(h.errors) AS (item text, message text)) WITH ORDINALITY AS e (item, message, ord)
    WHERE h.kind = p_kind AND h.name = p_host
      AND (EXISTS (SELECT 1 FROM plumb.vm_nics n
                   LEFT JOIN plumb.host_nics hn ON hn.hypervisor = n.hypervisor AND hn.name = n.pf
                   WHERE p_kind = 'hypervisor' AND n.mid = p_mid AND n.hypervisor = p_host
                     AND e.item IN ('tap ' || n.tap,
                                    'vf ' || n.pf || '/' || n.vf_index,
                                    CASE n.mechanism WHEN 'vfio' THEN 'pf ' || n.pf END,
                                    CASE n.mechanism WHEN 'passthrough' THEN 'passthrough ' || hn.pci_address END))
           OR EXISTS (SELECT 1 FROM plumb.networks x
                      WHERE x.mid = p_mid AND e.item = 'network ' || x.vni
                        AND CASE p_kind
                            WHEN 'hypervisor' THEN EXISTS (SELECT 1 FROM plumb.vm_nics n
                                                           WHERE n.mid = x.mid AND n.network = x.name
                                                             AND n.hypervisor = p_host AND n.mechanism = 'virtio')
                            ELSE EXISTS (SELECT 1 FROM plumb.network_vlans v
                                         WHERE v.mid = x.mid AND v.network = x.name AND v.leaf = p_host) END))
$$;

-- Readiness of one materialization on each host it touches: ready once the host applied the
-- generation that carries it with no error for its items, failed if it applied it with some.
CREATE FUNCTION plumb.host_readiness(p_mid bigint, p_unresponsive_after interval)
RETURNS TABLE (kind text, host text, required_generation bigint, applied_generation bigint, last_seen timestamptz,
               state text, errors jsonb)
LANGUAGE sql STABLE AS $$
    SELECT mh.kind, mh.host, mh.required_generation, h.applied_generation, h.last_seen,
           CASE WHEN h.applied_generation >= mh.required_generation THEN
                    CASE WHEN e.errors = '[]' THEN 'ready' ELSE 'failed' END
                WHEN coalesce(h.last_seen, m.created_at) < now() - p_unresponsive_after THEN 'unresponsive'
                ELSE 'pending' END,
           CASE WHEN h.applied_generation >= mh.required_generation THEN e.errors ELSE '[]' END
    FROM plumb.materialization_hosts mh
    JOIN plumb.hosts h ON h.kind = mh.kind AND h.name = mh.host
    JOIN plumb.materializations m ON m.mid = mh.mid
    CROSS JOIN LATERAL (SELECT plumb.item_errors(mh.mid, mh.kind, mh.host) AS errors) e
    WHERE mh.mid = p_mid
$$;

-- failed if any host is (it needs someone to act), else unresponsive if any host is, else pending
-- if any host is, else ready.
CREATE FUNCTION plumb.overall_state(p_states text[]) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN 'failed' = ANY (p_states) THEN 'failed'
                WHEN 'unresponsive' = ANY (p_states) THEN 'unresponsive'
                WHEN 'pending' = ANY (p_states) THEN 'pending'
                ELSE 'ready' END
$$;
