-- Allocation: the database's part of a materialization. The decisions are made in Swift by the pure
-- allocator (Sources/PlumbController/Allocation/, one file per rule); here the request's scopes are
-- locked and what the allocator needs is read (one call), then what it decided is written, set-based
-- whatever its size (one call). The constraints and triggers of the tables check everything again.

-- The lowest free VNIs (in the ranges, not reserved, not held or quarantined), p_count of them,
-- each claimed by this transaction. Values another writer is claiming are skipped; if that leaves
-- too few, the transaction is retried (serialization_failure) rather than refused.
CREATE FUNCTION plumb.claim_free_vnis(p_count int) RETURNS int[] LANGUAGE plpgsql AS $$
DECLARE
    v_claimed int[] := '{}';
    v_vni int;
    v_contended boolean := false;
BEGIN
    IF p_count = 0 THEN
        RETURN v_claimed;
    END IF;
    FOR v_vni IN
        SELECT v FROM plumb.vni_ranges r
        CROSS JOIN LATERAL generate_series(r.first, least(r.last::bigint,
            r.first::bigint + (SELECT count(*) FROM plumb.networks) + (SELECT count(*) FROM plumb.reserved_vnis) + p_count + 64)::int) v
        WHERE NOT EXISTS (SELECT 1 FROM plumb.reserved_vnis x WHERE x.vni = v)
          AND NOT EXISTS (SELECT 1 FROM plumb.networks n WHERE n.vni = v)
        ORDER BY v
    LOOP
        IF NOT pg_try_advisory_xact_lock(7391104, v_vni) THEN
            v_contended := true;
        -- Seen free before the claim; still free now that nobody else can take it?
        ELSIF NOT EXISTS (SELECT 1 FROM plumb.networks n WHERE n.vni = v_vni) THEN
            v_claimed := v_claimed || v_vni;
            EXIT WHEN cardinality(v_claimed) = p_count;
        END IF;
    END LOOP;
    IF cardinality(v_claimed) < p_count AND v_contended THEN
        RAISE EXCEPTION 'VNIs are being claimed by concurrent writers' USING ERRCODE = 'serialization_failure';
    END IF;
    RETURN v_claimed;
END $$;

-- The lowest free pool MACs (not held, quarantined or requested by this request), p_count of
-- them, claimed by blocks of 256 so that a large request takes few locks. Like claim_free_vnis. The
-- free values are found from the gaps between the held ones (one index-only scan), not by probing
-- the pool value by value.
CREATE FUNCTION plumb.claim_free_macs(p_count int, p_requested bigint[]) RETURNS bigint[] LANGUAGE plpgsql AS $$
DECLARE
    c_first constant bigint := plumb.mac_pool_first();
    c_last constant bigint := plumb.mac_pool_last();
    c_block constant bigint := 256;
    -- Blocks another writer holds that may be skipped before giving up (and retrying).
    c_skips constant int := 64;
    v_claimed bigint[] := '{}';
    v_gap_first bigint;
    v_gap_last bigint;
    v_block bigint;
    v_skipped int := 0;
BEGIN
    IF p_count = 0 THEN
        RETURN v_claimed;
    END IF;
    FOR v_gap_first, v_gap_last IN
        WITH taken AS (
            SELECT n.mac FROM plumb.vm_nics n WHERE n.mac BETWEEN c_first AND c_last
            UNION SELECT r FROM unnest(p_requested) r WHERE r BETWEEN c_first AND c_last
            UNION ALL SELECT c_last + 1
        )
        SELECT g.gap_first, g.gap_last
        FROM (SELECT coalesce(lag(t.mac) OVER (ORDER BY t.mac), c_first - 1) + 1 AS gap_first, t.mac - 1 AS gap_last
              FROM taken t) g
        WHERE g.gap_first <= g.gap_last
        ORDER BY g.gap_first
    LOOP
        v_block := (v_gap_first - c_first) / c_block;
        WHILE c_first + v_block * c_block <= v_gap_last LOOP
            IF pg_try_advisory_xact_lock(7391105 * 4294967296 + v_block) THEN
                -- Seen free before the claim; still free now that nobody else can take them?
                v_claimed := v_claimed || ARRAY(
                    SELECT m FROM generate_series(greatest(v_gap_first, c_first + v_block * c_block),
                                                  least(v_gap_last, c_first + v_block * c_block + c_block - 1)) m
                    WHERE NOT EXISTS (SELECT 1 FROM plumb.vm_nics n WHERE n.mac = m)
                    ORDER BY m LIMIT p_count - cardinality(v_claimed));
                IF cardinality(v_claimed) = p_count THEN
                    RETURN v_claimed;
                END IF;
            ELSE
                v_skipped := v_skipped + 1;
                IF v_skipped > c_skips THEN
                    RAISE EXCEPTION 'MACs are being claimed by concurrent writers' USING ERRCODE = 'serialization_failure';
                END IF;
            END IF;
            v_block := v_block + 1;
        END LOOP;
    END LOOP;
    IF v_skipped > 0 THEN
        RAISE EXCEPTION 'MACs are being claimed by concurrent writers' USING ERRCODE = 'serialization_failure';
    END IF;
    RETURN v_claimed;
END $$;

-- Starts a materialization: locks its scopes (its hypervisors; the leaves of those with VF or
-- passthrough NICs), answers an earlier identical request, and reads what the allocator needs
-- (Sources/PlumbController/Allocation/AllocationSnapshot.swift), claiming the VNIs and pool MACs
-- it may take. Returns {"existing": <materialization_record>} or {"snapshot": AllocationSnapshot}.
CREATE FUNCTION plumb.allocation_snapshot(p_id text, p_spec jsonb, p_actor text, p_hypervisors text[],
                                          p_leaf_hypervisors text[], p_requested_macs bigint[], p_networks int,
                                          p_pool_macs int, p_unresponsive_after interval)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v_mid bigint;
    v_spec jsonb;
    v_leaves text[];
    v_vnis int[];
    v_macs bigint[];
BEGIN
    PERFORM plumb.begin_change(p_actor);
    v_leaves := ARRAY(SELECT DISTINCT h.leaf FROM plumb.hypervisors h WHERE h.name = ANY (p_leaf_hypervisors));
    PERFORM plumb.lock_hosts(ARRAY(SELECT 'hypervisor:' || h FROM unnest(p_hypervisors) h
                                   UNION ALL SELECT 'leaf:' || l FROM unnest(v_leaves) l));

    -- Idempotency: the same body answers what it answered before; another body is a conflict.
    SELECT m.mid, m.spec INTO v_mid, v_spec FROM plumb.materializations m WHERE m.id = p_id AND m.state = 'active';
    IF FOUND THEN
        IF v_spec = p_spec THEN
            RETURN jsonb_build_object('existing', plumb.materialization_record(v_mid, p_unresponsive_after));
        END IF;
        PERFORM plumb.refuse(409, 'materialization_exists',
            format('materialization %s exists with a different body; DELETE it first', p_id), 'id');
    END IF;

    v_vnis := plumb.claim_free_vnis(p_networks);
    v_macs := plumb.claim_free_macs(p_pool_macs, p_requested_macs);
    RETURN jsonb_build_object('snapshot', jsonb_build_object(
        'hypervisors', coalesce((
            SELECT jsonb_agg(jsonb_build_object(
                       'name', h.name, 'leaf', h.leaf, 'underlay_nic', h.underlay_nic, 'underlay_mtu', h.underlay_mtu,
                       'has_virtio', EXISTS (SELECT 1 FROM plumb.vm_nics n WHERE n.hypervisor = h.name AND n.mechanism = 'virtio'),
                       'nics', coalesce((
                           SELECT jsonb_agg(jsonb_build_object(
                                      'name', hn.name, 'pci_address', hn.pci_address, 'vf_limit', hn.vf_limit, 'may_mix', hn.may_mix,
                                      'can_stack_vlans', hn.can_stack_vlans, 'passthrough', hn.passthrough,
                                      'used_vfs', coalesce((SELECT jsonb_agg(n.vf_index) FROM plumb.vm_nics n
                                                            WHERE n.hypervisor = hn.hypervisor AND n.pf = hn.name
                                                              AND n.mechanism = 'vfio'), '[]'),
                                      'passed_through_to', (SELECT m.id FROM plumb.vm_nics n JOIN plumb.materializations m ON m.mid = n.mid
                                                            WHERE n.hypervisor = hn.hypervisor AND n.pf = hn.name
                                                              AND n.mechanism = 'passthrough')))
                           FROM plumb.host_nics hn WHERE hn.hypervisor = h.name), '[]')))
            FROM plumb.hypervisors h WHERE h.name = ANY (p_hypervisors)), '[]'),
        'leaves', coalesce((
            SELECT jsonb_agg(jsonb_build_object(
                       'name', l.name, 'vlan_first', l.vlan_first, 'vlan_last', l.vlan_last, 'mtu', l.mtu,
                       'vlan_protocol', l.vlan_protocol,
                       'reserved_vlans', to_jsonb(l.reserved_vlans || ARRAY(SELECT unnest(h.reserved_vlans) FROM plumb.hypervisors h
                                                                             WHERE h.leaf = l.name)),
                       'used_vlans', coalesce((SELECT jsonb_agg(v.vlan) FROM plumb.network_vlans v WHERE v.leaf = l.name), '[]')))
            FROM plumb.leaves l WHERE l.name = ANY (v_leaves)), '[]'),
        'mac_holders', coalesce((
            SELECT jsonb_agg(jsonb_build_object('mac', plumb.mac_text(n.mac), 'materialization', m.id, 'vm', n.vm, 'nic', n.nic,
                                                'released', m.state = 'released'))
            FROM plumb.vm_nics n JOIN plumb.materializations m ON m.mid = n.mid
            WHERE n.mac = ANY (p_requested_macs)), '[]'),
        'free_vnis', to_jsonb(v_vnis),
        'free_macs', coalesce((SELECT jsonb_agg(plumb.mac_text(m) ORDER BY m) FROM unnest(v_macs) m), '[]')));
END $$;

-- Writes what the allocator decided (Sources/PlumbController/Allocation/AllocationPlan.swift), set-
-- based whatever its size, raises the generation of every host that must apply it, and answers its
-- readiness (the controller builds the rest of the answer from the plan it sent). The constraints and triggers of the tables check it all again.
CREATE FUNCTION plumb.write_materialization(p_id text, p_spec jsonb, p_actor text, p_plan jsonb,
                                            p_unresponsive_after interval)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v_mid bigint;
BEGIN
    INSERT INTO plumb.materializations (id, spec, created_by) VALUES (p_id, p_spec, p_actor) RETURNING mid INTO v_mid;

    INSERT INTO plumb.networks (mid, name, ordinal, vni, allow_local, guest_vlans, mtu)
    SELECT v_mid, n.name, n.ordinal, n.vni, n.allow_local, n.guest_vlans, n.mtu
    FROM jsonb_to_recordset(p_plan->'networks') AS n (name text, ordinal int, vni int, allow_local boolean, guest_vlans boolean,
                                                      mtu int);

    INSERT INTO plumb.network_vlans (mid, network, leaf, vlan)
    SELECT v_mid, v.network, v.leaf, v.vlan FROM jsonb_to_recordset(p_plan->'vlans') AS v (network text, leaf text, vlan int);

    INSERT INTO plumb.vm_nics (mid, vm, vm_ordinal, nic, nic_ordinal, hypervisor, network, mechanism, mac, tap,
                               pf, vf_index, leaf, vlan, vlan_protocol)
    SELECT v_mid, n.vm, n.vm_ordinal, n.nic, n.nic_ordinal, n.hypervisor, n.network, n.mechanism, plumb.mac_value(n.mac), n.tap,
           n.pf, n.vf_index, n.leaf, n.vlan, n.vlan_protocol
    FROM jsonb_to_recordset(p_plan->'nics') AS n (vm text, vm_ordinal int, nic text, nic_ordinal int, hypervisor text,
                                                  network text, mechanism text, mac text, tap text, pf text, vf_index int,
                                                  leaf text, vlan int, vlan_protocol text);

    WITH touched AS (
        SELECT DISTINCT 'hypervisor' AS kind, n.hypervisor AS name FROM plumb.vm_nics n WHERE n.mid = v_mid
        UNION
        SELECT DISTINCT 'leaf', n.leaf FROM plumb.vm_nics n WHERE n.mid = v_mid AND n.leaf IS NOT NULL
    ),
    bumped AS (
        UPDATE plumb.hosts h SET generation = h.generation + 1
        FROM touched t WHERE h.kind = t.kind AND h.name = t.name
        RETURNING h.kind, h.name, h.generation
    )
    INSERT INTO plumb.materialization_hosts (mid, kind, host, required_generation)
    SELECT v_mid, b.kind, b.name, b.generation FROM bumped b;

    RETURN plumb.materialization_status(v_mid, p_unresponsive_after);
END $$;

