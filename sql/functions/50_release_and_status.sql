-- Release with quarantine, host status, and materialization documents with readiness.

-- Readiness of one materialization on each host it touches.
CREATE FUNCTION plumb.host_readiness(p_mid bigint, p_unresponsive_after interval)
RETURNS TABLE (kind text, host text, required_generation bigint, applied_generation bigint, last_seen timestamptz, state text)
LANGUAGE sql STABLE AS $$
    SELECT mh.kind, mh.host, mh.required_generation, h.applied_generation, h.last_seen,
           CASE WHEN h.applied_generation >= mh.required_generation THEN 'ready'
                WHEN coalesce(h.last_seen, m.created_at) < now() - p_unresponsive_after THEN 'unresponsive'
                ELSE 'pending' END
    FROM plumb.materialization_hosts mh
    JOIN plumb.hosts h ON h.kind = mh.kind AND h.name = mh.host
    JOIN plumb.materializations m ON m.mid = mh.mid
    WHERE mh.mid = p_mid
$$;

-- unresponsive if any host is, else pending if any host is, else ready.
CREATE FUNCTION plumb.overall_state(p_states text[]) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN 'unresponsive' = ANY (p_states) THEN 'unresponsive'
                WHEN 'pending' = ANY (p_states) THEN 'pending'
                ELSE 'ready' END
$$;

-- The Materialization document (wire form, snake_case) of one materialization.
CREATE FUNCTION plumb.materialization_document(p_mid bigint, p_unresponsive_after interval)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'id', m.id,
        'networks', coalesce((
            SELECT jsonb_agg(jsonb_build_object('name', n.name, 'vni', n.vni, 'allow_local', n.allow_local,
                                                'guest_vlans', n.guest_vlans) ORDER BY n.ordinal)
            FROM plumb.networks n WHERE n.mid = m.mid), '[]'),
        'vms', coalesce((
            SELECT jsonb_agg(jsonb_build_object(
                       'name', v.doc->>'name', 'hypervisor', v.doc->>'hypervisor',
                       'nics', coalesce((
                           SELECT jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
                                      'name', n.nic, 'network', n.network, 'mechanism', n.mechanism,
                                      'mac', plumb.mac_text(n.mac), 'tap', n.tap, 'pf', n.pf,
                                      'pf_pci_address', hn.pci_address, 'vf_index', n.vf_index, 'vlan', n.vlan,
                                      'vlan_protocol', n.vlan_protocol)) ORDER BY n.nic_ordinal)
                           FROM plumb.vm_nics n
                           LEFT JOIN plumb.host_nics hn ON hn.hypervisor = n.hypervisor AND hn.name = n.pf
                           WHERE n.mid = m.mid AND n.vm = v.doc->>'name'), '[]'))
                   ORDER BY v.ord)
            FROM jsonb_array_elements(m.spec->'vms') WITH ORDINALITY v(doc, ord)), '[]'),
        'status', (
            SELECT jsonb_build_object(
                'state', plumb.overall_state(coalesce(array_agg(r.state), '{}')),
                'hosts', coalesce(jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
                             'host', r.host, 'kind', r.kind, 'required_generation', r.required_generation,
                             'applied_generation', r.applied_generation, 'last_seen', plumb.iso(r.last_seen),
                             'state', r.state)) ORDER BY r.kind, r.host), '[]'))
            FROM plumb.host_readiness(m.mid, p_unresponsive_after) r))
    FROM plumb.materializations m
    WHERE m.mid = p_mid
$$;

CREATE FUNCTION plumb.materialization_by_id(p_id text, p_unresponsive_after interval)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT plumb.materialization_document(m.mid, p_unresponsive_after)
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

-- Frees every released materialization that no host holds any more: its identifiers return to
-- their pools (the delete cascades to its allocation rows, and their triggers record 'freed').
CREATE FUNCTION plumb.free_released() RETURNS void LANGUAGE sql AS $$
    DELETE FROM plumb.materializations m
    WHERE m.state = 'released'
      AND NOT EXISTS (SELECT 1 FROM plumb.materialization_hosts mh WHERE mh.mid = m.mid)
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
    -- Each host it touched gets a generation without it; the identifiers stay quarantined until
    -- the host reports that generation applied.
    WITH bumped AS (
        UPDATE plumb.hosts h SET generation = h.generation + 1
        FROM plumb.materialization_hosts mh
        WHERE mh.mid = v_mid AND h.kind = mh.kind AND h.name = mh.host
        RETURNING h.kind, h.name, h.generation
    )
    UPDATE plumb.materialization_hosts mh SET release_generation = b.generation
    FROM bumped b WHERE mh.mid = v_mid AND mh.kind = b.kind AND mh.host = b.name;
    PERFORM plumb.free_released();
    RETURN true;
END $$;

-- PUT /v1/hosts/{name}/status. Ends the quarantine of whatever this host no longer holds.
CREATE FUNCTION plumb.report_status(p_kind text, p_name text, p_applied bigint, p_errors jsonb, p_inventory jsonb,
                                    p_agent_version text, p_actor text)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    v_generation bigint;
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
    DELETE FROM plumb.materialization_hosts
    WHERE kind = p_kind AND host = p_name AND release_generation <= p_applied;
    PERFORM plumb.free_released();
END $$;

-- Admin: the host is gone; end the quarantine it holds. Returns how many materializations it held.
CREATE FUNCTION plumb.force_release(p_kind text, p_name text, p_actor text) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
    v_count int;
BEGIN
    PERFORM plumb.begin_change(p_actor);
    PERFORM plumb.lock_hosts(ARRAY[p_kind || ':' || p_name]);
    IF NOT EXISTS (SELECT 1 FROM plumb.hosts h WHERE h.kind = p_kind AND h.name = p_name) THEN
        PERFORM plumb.refuse(404, 'not_found', format('unknown %s %s', p_kind, p_name), NULL);
    END IF;
    DELETE FROM plumb.materialization_hosts
    WHERE kind = p_kind AND host = p_name AND release_generation IS NOT NULL;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    PERFORM plumb.free_released();
    RETURN v_count;
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
