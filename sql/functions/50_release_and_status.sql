-- Release with quarantine, host status, and materializations as stored with their readiness
-- (45_readiness.sql).

-- Readiness of one materialization (MaterializationStatus, wire form): its state and each host's.
CREATE FUNCTION plumb.materialization_status(p_mid bigint, p_unresponsive_after interval)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'state', plumb.overall_state(coalesce(array_agg(r.state), '{}')),
        'hosts', coalesce(jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
                     'host', r.host, 'kind', r.kind, 'required_generation', r.required_generation,
                     'applied_generation', r.applied_generation, 'last_seen', plumb.iso(r.last_seen),
                     'state', r.state, 'errors', r.errors)) ORDER BY r.kind, r.host), '[]'))
    FROM plumb.host_readiness(p_mid, p_unresponsive_after) r
$$;

-- One materialization as stored, for the controller to answer it (Materialization+Plan.swift builds
-- the wire document from it, as from a fresh allocation): its id and spec, its networks and NICs in
-- the allocator's plan form (AllocationPlan.swift), its readiness, and the attachments its
-- hypervisors reported for its NICs, each once that hypervisor has applied the generation this
-- materialization needs there (before that, what it reported is about an older document).
CREATE FUNCTION plumb.materialization_record(p_mid bigint, p_unresponsive_after interval)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'id', m.id,
        'spec', m.spec,
        'plan', jsonb_build_object(
            'networks', coalesce((
                SELECT jsonb_agg(jsonb_strip_nulls(jsonb_build_object('ordinal', n.ordinal, 'name', n.name, 'vni', n.vni,
                                                    'allow_local', n.allow_local, 'guest_vlans', n.guest_vlans, 'mtu', n.mtu))
                                 ORDER BY n.ordinal)
                FROM plumb.networks n WHERE n.mid = m.mid), '[]'),
            'vlans', coalesce((
                SELECT jsonb_agg(jsonb_build_object('network', v.network, 'leaf', v.leaf, 'vlan', v.vlan)
                                 ORDER BY v.leaf, v.vlan)
                FROM plumb.network_vlans v WHERE v.mid = m.mid), '[]'),
            'nics', coalesce((
                SELECT jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
                           'vm', n.vm, 'vm_ordinal', n.vm_ordinal, 'nic', n.nic, 'nic_ordinal', n.nic_ordinal,
                           'hypervisor', n.hypervisor, 'network', n.network, 'mechanism', n.mechanism,
                           'mac', plumb.mac_text(n.mac), 'tap', n.tap, 'pf', n.pf, 'pf_pci_address', hn.pci_address,
                           'vf_index', n.vf_index, 'leaf', n.leaf, 'vlan', n.vlan, 'vlan_protocol', n.vlan_protocol))
                                 ORDER BY n.vm_ordinal, n.nic_ordinal)
                FROM plumb.vm_nics n
                LEFT JOIN plumb.host_nics hn ON hn.hypervisor = n.hypervisor AND hn.name = n.pf
                WHERE n.mid = m.mid), '[]')),
        'attachments', coalesce((
            SELECT jsonb_agg(a.attachment ORDER BY n.vm_ordinal, n.nic_ordinal)
            FROM plumb.vm_nics n
            JOIN plumb.materialization_hosts mh ON mh.mid = n.mid AND mh.kind = 'hypervisor' AND mh.host = n.hypervisor
            JOIN plumb.hosts h ON h.kind = 'hypervisor' AND h.name = n.hypervisor
            JOIN plumb.vm_nic_attachments a ON a.hypervisor = n.hypervisor AND a.materialization = m.id
                                           AND a.vm = n.vm AND a.nic = n.nic
            WHERE n.mid = m.mid AND h.applied_generation >= mh.required_generation), '[]'),
        'status', plumb.materialization_status(m.mid, p_unresponsive_after))
    FROM plumb.materializations m
    WHERE m.mid = p_mid
$$;

CREATE FUNCTION plumb.materialization_by_id(p_id text, p_unresponsive_after interval)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT plumb.materialization_record(m.mid, p_unresponsive_after)
    FROM plumb.materializations m WHERE m.id = p_id AND m.state = 'active'
$$;

-- GET /v1/materializations: one line per live materialization.
CREATE FUNCTION plumb.materialization_list(p_unresponsive_after interval)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('materializations', coalesce(jsonb_agg(jsonb_build_object(
               'id', m.id,
               'state', (SELECT plumb.overall_state(coalesce(array_agg(r.state), '{}'))
                         FROM plumb.host_readiness(m.mid, p_unresponsive_after) r),
               'networks', (SELECT count(*) FROM plumb.networks n WHERE n.mid = m.mid),
               'nics', (SELECT count(*) FROM plumb.vm_nics n WHERE n.mid = m.mid),
               'created_at', plumb.iso(m.created_at)) ORDER BY m.id), '[]'))
    FROM plumb.materializations m WHERE m.state = 'active'
$$;

-- Quarantine per identifier and host. A released materialization keeps its rows until each is free;
-- a host's hold on it is its materialization_hosts row, deleted once the host has reported applied
-- a generation without the materialization (or was force-released). An identifier is free once
-- every host that carried it has let go; a host that never carried it is never waited for:
--   a VM NIC (MAC, tap, VF, passthrough PF, and the NIC-mode pin it implies): its hypervisor;
--   a network's VLAN tag on a leaf: that leaf, and the hypervisors whose NICs used the tag (their
--     VM NICs, which reference it, go first);
--   a network's VNI: the hypervisors with virtio NICs on it and the leaves that map it, so once no
--     VM NIC and no leaf VLAN of the network remains (a network with no NICs: at once);
--   the materialization: once nothing of it remains.
-- Rows are deleted bottom-up, each kind in its own statement, so that the history triggers record
-- 'freed' per identifier when it happens. Only the materializations p_mids are looked at: those a
-- host just let go of, or the one just released.
--
-- Their rows are locked first, in a fixed order: two hosts letting go of one materialization at once
-- (say its hypervisor and its leaf) then free one after the other, and the second, reading after the
-- first committed, frees what only both together make free (the tag, the VNI).
CREATE FUNCTION plumb.free_released(p_mids bigint[]) RETURNS void LANGUAGE sql AS $$
    SELECT 1 FROM plumb.materializations m WHERE m.mid = ANY (p_mids) ORDER BY m.mid FOR UPDATE;
    DELETE FROM plumb.vm_nics n
    USING plumb.materializations m
    WHERE m.mid = ANY (p_mids) AND m.state = 'released' AND n.mid = m.mid
      AND NOT EXISTS (SELECT 1 FROM plumb.materialization_hosts mh
                      WHERE mh.mid = n.mid AND mh.kind = 'hypervisor' AND mh.host = n.hypervisor);
    DELETE FROM plumb.network_vlans v
    USING plumb.materializations m
    WHERE m.mid = ANY (p_mids) AND m.state = 'released' AND v.mid = m.mid
      AND NOT EXISTS (SELECT 1 FROM plumb.materialization_hosts mh
                      WHERE mh.mid = v.mid AND mh.kind = 'leaf' AND mh.host = v.leaf)
      AND NOT EXISTS (SELECT 1 FROM plumb.vm_nics n WHERE n.mid = v.mid AND n.network = v.network AND n.leaf = v.leaf);
    DELETE FROM plumb.networks x
    USING plumb.materializations m
    WHERE m.mid = ANY (p_mids) AND m.state = 'released' AND x.mid = m.mid
      AND NOT EXISTS (SELECT 1 FROM plumb.vm_nics n WHERE n.mid = x.mid AND n.network = x.name)
      AND NOT EXISTS (SELECT 1 FROM plumb.network_vlans v WHERE v.mid = x.mid AND v.network = x.name);
    DELETE FROM plumb.materializations m
    WHERE m.mid = ANY (p_mids) AND m.state = 'released'
      AND NOT EXISTS (SELECT 1 FROM plumb.networks x WHERE x.mid = m.mid);
$$;

-- DELETE /v1/materializations/{id}: release into quarantine. True if it existed.
CREATE FUNCTION plumb.dematerialize(p_id text, p_actor text) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
    v_mid bigint;
BEGIN
    PERFORM plumb.begin_change(p_actor);
    -- Lock the hosts it touched, then look again: a concurrent delete may have released it meanwhile.
    PERFORM plumb.lock_hosts(ARRAY(SELECT mh.kind || ':' || mh.host FROM plumb.materialization_hosts mh
                                   JOIN plumb.materializations m ON m.mid = mh.mid
                                   WHERE m.id = p_id AND m.state = 'active'));
    SELECT m.mid INTO v_mid FROM plumb.materializations m WHERE m.id = p_id AND m.state = 'active';
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    UPDATE plumb.materializations SET state = 'released', released_at = now(), released_by = p_actor
    WHERE mid = v_mid AND state = 'active';
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    -- Each host it touched gets a generation without it; what a host carried stays quarantined
    -- until it reports that generation applied. What no host carried is free at once.
    WITH bumped AS (
        UPDATE plumb.hosts h SET generation = h.generation + 1
        FROM plumb.materialization_hosts mh
        WHERE mh.mid = v_mid AND h.kind = mh.kind AND h.name = mh.host
        RETURNING h.kind, h.name, h.generation
    )
    UPDATE plumb.materialization_hosts mh SET release_generation = b.generation
    FROM bumped b WHERE mh.mid = v_mid AND mh.kind = b.kind AND mh.host = b.name;
    PERFORM plumb.free_released(ARRAY[v_mid]);
    RETURN true;
END $$;

-- PUT /v1/hosts/{name}/status. Ends the quarantine of whatever this host no longer holds, and frees
-- what that leaves held by no host. A hypervisor's attachments replace what it reported before.
CREATE FUNCTION plumb.report_status(p_kind text, p_name text, p_applied bigint, p_errors jsonb, p_inventory jsonb,
                                    p_agent_version text, p_attachments jsonb, p_actor text)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    v_generation bigint;
    v_mids bigint[];
BEGIN
    PERFORM plumb.begin_change(p_actor);
    PERFORM plumb.lock_hosts(ARRAY[p_kind || ':' || p_name]);
    SELECT h.generation INTO v_generation FROM plumb.hosts h WHERE h.kind = p_kind AND h.name = p_name;
    IF NOT FOUND THEN
        PERFORM plumb.refuse(404, 'not_found', format('unknown %s %s', p_kind, p_name), NULL);
    END IF;
    IF p_applied > v_generation THEN
        PERFORM plumb.refuse(400, 'invalid_field',
            format('applied generation %s is newer than %s''s generation %s', p_applied, p_name, v_generation),
            'applied_generation');
    END IF;
    UPDATE plumb.hosts
    SET applied_generation = p_applied, last_seen = now(), errors = p_errors, inventory = p_inventory,
        agent_version = p_agent_version
    WHERE kind = p_kind AND name = p_name;
    IF p_kind = 'hypervisor' THEN
        DELETE FROM plumb.vm_nic_attachments a WHERE a.hypervisor = p_name;
        INSERT INTO plumb.vm_nic_attachments (hypervisor, materialization, vm, nic, attachment)
        SELECT DISTINCT ON (e->>'materialization', e->>'vm', e->>'nic') p_name, e->>'materialization', e->>'vm', e->>'nic', e
        FROM jsonb_array_elements(coalesce(p_attachments, '[]')) e
        ORDER BY e->>'materialization', e->>'vm', e->>'nic';
    END IF;
    WITH let_go AS (
        DELETE FROM plumb.materialization_hosts
        WHERE kind = p_kind AND host = p_name AND release_generation <= p_applied
        RETURNING mid
    )
    SELECT array_agg(mid) INTO v_mids FROM let_go;
    PERFORM plumb.free_released(v_mids);
END $$;

-- Admin: the host is gone; end the quarantine it holds. Returns how many materializations it held.
CREATE FUNCTION plumb.force_release(p_kind text, p_name text, p_actor text) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
    v_mids bigint[];
BEGIN
    PERFORM plumb.begin_change(p_actor);
    PERFORM plumb.lock_hosts(ARRAY[p_kind || ':' || p_name]);
    IF NOT EXISTS (SELECT 1 FROM plumb.hosts h WHERE h.kind = p_kind AND h.name = p_name) THEN
        PERFORM plumb.refuse(404, 'not_found', format('unknown %s %s', p_kind, p_name), NULL);
    END IF;
    WITH let_go AS (
        DELETE FROM plumb.materialization_hosts
        WHERE kind = p_kind AND host = p_name AND release_generation IS NOT NULL
        RETURNING mid
    )
    SELECT array_agg(mid) INTO v_mids FROM let_go;
    PERFORM plumb.free_released(v_mids);
    RETURN coalesce(cardinality(v_mids), 0);
END $$;

-- GET /v1/hosts.
CREATE FUNCTION plumb.host_list(p_unresponsive_after interval) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('hosts', coalesce(jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
               'name', h.name, 'kind', h.kind, 'generation', h.generation,
               'applied_generation', h.applied_generation, 'last_seen', plumb.iso(h.last_seen),
               'state', CASE WHEN h.last_seen IS NULL THEN 'unknown'
                             WHEN h.last_seen < now() - p_unresponsive_after THEN 'unresponsive'
                             WHEN h.applied_generation >= h.generation THEN 'converged'
                             ELSE 'pending' END,
               'errors', h.errors)) ORDER BY h.kind, h.name), '[]'))
    FROM plumb.hosts h
$$;
