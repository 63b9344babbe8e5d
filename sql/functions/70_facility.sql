-- PUT /v1/facility: declarative and idempotent. The document has been validated on its own by
-- the controller; here it is checked against what is in use (quarantined allocations included),
-- then written, raising the generation of every host whose facts changed. A host that holds
-- quarantined identifiers still has their rows (VLANs, VM NICs), so it counts as in use until it
-- reports or is force-released.

CREATE FUNCTION plumb.facility_leaves(p_doc jsonb)
RETURNS TABLE (ordinal int, name text, doc jsonb, vtep_ip inet, vlan_first int, vlan_last int, reserved_vlans int[], mtu int,
               bridge text, vxlan_device text, underlay_port text, vlan_protocol text)
LANGUAGE sql IMMUTABLE AS $$
    SELECT (e.ord - 1)::int, e.doc->>'name', e.doc, (e.doc->>'vtep_ip')::inet,
           (e.doc->'vlan_range'->>'first')::int, (e.doc->'vlan_range'->>'last')::int,
           ARRAY(SELECT jsonb_array_elements_text(coalesce(e.doc->'reserved_vlans', '[]'))::int), (e.doc->>'mtu')::int,
           e.doc->>'bridge', e.doc->>'vxlan_device', e.doc->>'underlay_port', e.doc->>'vlan_protocol'
    FROM jsonb_array_elements(coalesce(p_doc->'leaves', '[]')) WITH ORDINALITY e(doc, ord)
$$;

CREATE FUNCTION plumb.facility_hypervisors(p_doc jsonb)
RETURNS TABLE (ordinal int, name text, doc jsonb, vtep_ip inet, leaf text, underlay_nic text, underlay_mtu int,
               reserved_vlans int[])
LANGUAGE sql IMMUTABLE AS $$
    SELECT (e.ord - 1)::int, e.doc->>'name', e.doc, (e.doc->>'vtep_ip')::inet, e.doc->>'leaf', e.doc->>'underlay_nic',
           coalesce((e.doc->>'underlay_mtu')::int, 1500),
           ARRAY(SELECT jsonb_array_elements_text(coalesce(e.doc->'reserved_vlans', '[]'))::int)
    FROM jsonb_array_elements(coalesce(p_doc->'hypervisors', '[]')) WITH ORDINALITY e(doc, ord)
$$;

CREATE FUNCTION plumb.facility_nics(p_doc jsonb)
RETURNS TABLE (field text, hypervisor text, name text, pci_address text, leaf_port text, vf_limit int, may_mix boolean,
               can_stack_vlans boolean, passthrough boolean)
LANGUAGE sql IMMUTABLE AS $$
    SELECT format('hypervisors[%s].nics[%s]', h.ord - 1, n.ord - 1), h.doc->>'name', n.doc->>'name',
           n.doc->>'pci_address', n.doc->>'leaf_port', coalesce((n.doc->>'vf_limit')::int, 0),
           coalesce((n.doc->>'may_mix')::boolean, true), coalesce((n.doc->>'can_stack_vlans')::boolean, false),
           coalesce((n.doc->>'passthrough')::boolean, false)
    FROM jsonb_array_elements(coalesce(p_doc->'hypervisors', '[]')) WITH ORDINALITY h(doc, ord)
    CROSS JOIN LATERAL jsonb_array_elements(coalesce(h.doc->'nics', '[]')) WITH ORDINALITY n(doc, ord)
$$;

-- What holds an allocation row, for messages: "materialization X (VM/NIC)".
CREATE FUNCTION plumb.holder_text(p_mid bigint, p_holder text) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT format('materialization %s (%s)%s', m.id, p_holder,
                  CASE m.state WHEN 'released' THEN ', quarantined until its hosts report' ELSE '' END)
    FROM plumb.materializations m WHERE m.mid = p_mid
$$;

-- PATCH /v1/facility: begins a facility change (it waits for every writer and every writer for it) and answers
-- the facility to patch: NULL when its revision is still p_known_revision (the caller holds that facility
-- decoded), else the stored document; no row before the first declaration. The caller then declares the
-- patched facility with plumb.put_facility in the same transaction.
CREATE FUNCTION plumb.begin_facility_patch(p_actor text, p_known_revision text)
RETURNS TABLE (document jsonb) LANGUAGE plpgsql AS $$
BEGIN
    PERFORM plumb.begin_change(p_actor, true);
    RETURN QUERY SELECT CASE WHEN f.revision::text = p_known_revision THEN NULL ELSE f.document END FROM plumb.facility f;
END $$;

-- Returns {"revision": UUID, "networks": [...], "leaves": [...]}: the facility's revision now (drawn anew by every
-- change of the document; PATCH /v1/facility knows by it whether its copy is current), every live network with an MTU and what it spans
-- under the new facts (its hypervisors' underlay MTUs, its VF and passthrough members' leaves'
-- MTUs), and every leaf that carries VLANs (quarantined ones included) with the devices and tag
-- protocol it had before this change and one holder. The controller checks with the MTU rule
-- (NetworkMTU.swift) that no network would have to go lower and with LiveLeafDevices.swift that no
-- such leaf changes its devices or tag protocol, and refuses the change otherwise, which rolls this
-- back.
--
-- Its statements are planned once per session (generic plans), not for each call with the document as a constant:
-- planned that way, the planner folded the megabytes of a large facility into each statement as it planned it,
-- which took longer than running them (at 3,000 hypervisors the in-use checks took 70–130 ms, and 30–40 planned once).
CREATE FUNCTION plumb.put_facility(p_doc jsonb, p_actor text) RETURNS jsonb LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    v_old jsonb;
    v_hypervisors_new text[];
    v_hypervisors_raised text[];
    v_nics_changed text[];
    v_leaves_new text[];
    v_leaves_raised text[];
    v_live_leaves jsonb;
BEGIN
    -- A facility change waits for every writer and every writer for it.
    PERFORM plumb.begin_change(p_actor, true);
    SELECT f.document INTO v_old FROM plumb.facility f;
    IF v_old = p_doc THEN
        RETURN jsonb_build_object('networks', '[]'::jsonb, 'leaves', '[]'::jsonb,
                                  'revision', (SELECT f.revision FROM plumb.facility f));
    END IF;

    -- Nothing in use may change under its holders.
    PERFORM plumb.refuse_first(coalesce(jsonb_agg(x.problem), '[]')) FROM (
        -- VNIs held must stay inside the ranges and unreserved.
        SELECT plumb.problem(1, n.vni, 0, 409, 'in_use',
                   format('VNI %s is held by %s; the new vni_ranges leave it out', n.vni,
                          plumb.holder_text(n.mid, 'network ' || n.name)), 'vni_ranges') AS problem
        FROM plumb.networks n
        WHERE NOT EXISTS (SELECT 1 FROM jsonb_array_elements(p_doc->'vni_ranges') r
                          WHERE n.vni BETWEEN (r->>'first')::int AND (r->>'last')::int)
        UNION ALL
        SELECT plumb.problem(1, n.vni, 1, 409, 'in_use',
                   format('VNI %s is held by %s; it cannot become reserved', n.vni,
                          plumb.holder_text(n.mid, 'network ' || n.name)), 'reserved_vnis')
        FROM plumb.networks n
        WHERE n.vni IN (SELECT jsonb_array_elements_text(coalesce(p_doc->'reserved_vnis', '[]'))::int)
        -- Leaves with VLANs handed out: stay, keep their VTEP, keep the tags in range and unreserved.
        UNION ALL
        SELECT plumb.problem(2, 0, 0, 409, 'in_use',
                   format('leaf %s is in use: VLAN %s is held by %s', v.leaf, v.vlan,
                          plumb.holder_text(v.mid, 'network ' || v.network)), 'leaves')
        FROM plumb.network_vlans v
        WHERE v.leaf NOT IN (SELECT l.name FROM plumb.facility_leaves(p_doc) l)
        UNION ALL
        SELECT plumb.problem(2, nl.ordinal, 1, 409, 'in_use',
                   format('leaf %s is in use (VLAN %s is held by %s); its VTEP cannot change', v.leaf, v.vlan,
                          plumb.holder_text(v.mid, 'network ' || v.network)), format('leaves[%s].vtep_ip', nl.ordinal))
        FROM plumb.network_vlans v
        JOIN plumb.facility_leaves(p_doc) nl ON nl.name = v.leaf
        JOIN plumb.leaves ol ON ol.name = v.leaf
        WHERE nl.vtep_ip <> ol.vtep_ip
        UNION ALL
        SELECT plumb.problem(2, nl.ordinal, 2, 409, 'in_use',
                   format('VLAN %s of leaf %s is held by %s; the new vlan_range leaves it out', v.vlan, v.leaf,
                          plumb.holder_text(v.mid, 'network ' || v.network)), format('leaves[%s].vlan_range', nl.ordinal))
        FROM plumb.network_vlans v JOIN plumb.facility_leaves(p_doc) nl ON nl.name = v.leaf
        WHERE v.vlan NOT BETWEEN nl.vlan_first AND nl.vlan_last
        UNION ALL
        SELECT plumb.problem(2, nl.ordinal, 3, 409, 'in_use',
                   format('VLAN %s of leaf %s is held by %s; it cannot become reserved', v.vlan, v.leaf,
                          plumb.holder_text(v.mid, 'network ' || v.network)), format('leaves[%s].reserved_vlans', nl.ordinal))
        FROM plumb.network_vlans v JOIN plumb.facility_leaves(p_doc) nl ON nl.name = v.leaf
        WHERE v.vlan = ANY (nl.reserved_vlans)
        UNION ALL
        SELECT plumb.problem(3, nh.ordinal, 0, 409, 'in_use',
                   format('VLAN %s of leaf %s is held by %s; hypervisor %s behind that leaf cannot reserve it', v.vlan,
                          v.leaf, plumb.holder_text(v.mid, 'network ' || v.network), nh.name),
                   format('hypervisors[%s].reserved_vlans', nh.ordinal))
        FROM plumb.network_vlans v JOIN plumb.facility_hypervisors(p_doc) nh ON nh.leaf = v.leaf
        WHERE v.vlan = ANY (nh.reserved_vlans)
        -- Hypervisors with VM NICs (quarantined ones included): stay, keep their VTEP and leaf; the underlay
        -- NIC of virtio NICs stays.
        UNION ALL
        SELECT plumb.problem(4, 0, 0, 409, 'in_use',
                   format('hypervisor %s is in use by %s', u.name, u.holder), 'hypervisors')
        FROM (SELECT DISTINCT ON (n.hypervisor) n.hypervisor AS name, plumb.holder_text(n.mid, n.vm || '/' || n.nic) AS holder
              FROM plumb.vm_nics n ORDER BY n.hypervisor, n.mid) u
        WHERE u.name NOT IN (SELECT h.name FROM plumb.facility_hypervisors(p_doc) h)
        UNION ALL
        SELECT plumb.problem(4, nh.ordinal, c.o, 409, 'in_use',
                   format('hypervisor %s is in use by %s; its %s cannot change', oh.name,
                          plumb.holder_text(n.mid, n.vm || '/' || n.nic), c.what),
                   format('hypervisors[%s].%s', nh.ordinal, c.what))
        FROM plumb.hypervisors oh
        JOIN plumb.facility_hypervisors(p_doc) nh ON nh.name = oh.name
        JOIN LATERAL (SELECT * FROM plumb.vm_nics n WHERE n.hypervisor = oh.name ORDER BY n.mid LIMIT 1) n ON true
        CROSS JOIN LATERAL (VALUES (1, 'vtep_ip', nh.vtep_ip <> oh.vtep_ip),
                                   (2, 'leaf', nh.leaf <> oh.leaf),
                                   (3, 'underlay_nic', nh.underlay_nic IS DISTINCT FROM oh.underlay_nic
                                       AND EXISTS (SELECT 1 FROM plumb.vm_nics v
                                                   WHERE v.hypervisor = oh.name AND v.mechanism = 'virtio'))) c (o, what, changed)
        WHERE c.changed
        -- NICs with VFs or passed through: stay, and keep what their users depend on.
        UNION ALL
        SELECT plumb.problem(5, 0, 0, 409, 'in_use',
                   format('NIC %s of %s is in use by %s', u.pf, u.hypervisor, u.holder),
                   coalesce((SELECT format('hypervisors[%s].nics', h.ordinal) FROM plumb.facility_hypervisors(p_doc) h
                             WHERE h.name = u.hypervisor), 'hypervisors'))
        FROM (SELECT DISTINCT ON (n.hypervisor, n.pf) n.hypervisor, n.pf, plumb.holder_text(n.mid, n.vm || '/' || n.nic) AS holder
              FROM plumb.vm_nics n WHERE n.pf IS NOT NULL ORDER BY n.hypervisor, n.pf, n.mid) u
        WHERE NOT EXISTS (SELECT 1 FROM plumb.facility_nics(p_doc) f WHERE f.hypervisor = u.hypervisor AND f.name = u.pf)
        UNION ALL
        SELECT plumb.problem(5, 1, c.o, 409, 'in_use',
                   format('NIC %s of %s is in use by %s; %s', o.name, o.hypervisor,
                          plumb.holder_text(u.mid, u.vm || '/' || u.nic), c.why),
                   f.field || '.' || c.what)
        -- Driven by the NICs in use (their first user each), not by every NIC of the facility.
        FROM (SELECT DISTINCT ON (n.hypervisor, n.pf) n.hypervisor, n.pf, n.mid, n.vm, n.nic FROM plumb.vm_nics n
              WHERE n.pf IS NOT NULL ORDER BY n.hypervisor, n.pf, n.mid, n.vm, n.nic) u
        JOIN plumb.host_nics o ON o.hypervisor = u.hypervisor AND o.name = u.pf
        JOIN plumb.facility_nics(p_doc) f ON f.hypervisor = o.hypervisor AND f.name = o.name
        CROSS JOIN LATERAL (VALUES
            (1, 'pci_address', 'its PCI address cannot change', f.pci_address <> o.pci_address),
            (2, 'leaf_port', 'its leaf port cannot change', f.leaf_port <> o.leaf_port),
            (3, 'vf_limit', format('VF %s is in use or quarantined', (SELECT max(n.vf_index) FROM plumb.vm_nics n
                                                                        WHERE n.hypervisor = o.hypervisor AND n.pf = o.name)),
                f.vf_limit <= coalesce((SELECT max(n.vf_index) FROM plumb.vm_nics n
                                        WHERE n.hypervisor = o.hypervisor AND n.pf = o.name), -1)),
            (4, 'can_stack_vlans', 'VFs on it stack VLAN tags (802.1ad)',
                NOT f.can_stack_vlans AND EXISTS (SELECT 1 FROM plumb.vm_nics n WHERE n.hypervisor = o.hypervisor
                                                  AND n.pf = o.name AND n.vlan_protocol = '802.1ad')),
            (5, 'passthrough', 'it is passed through',
                NOT f.passthrough AND EXISTS (SELECT 1 FROM plumb.vm_nics n WHERE n.hypervisor = o.hypervisor
                                              AND n.pf = o.name AND n.mechanism = 'passthrough')),
            (6, 'may_mix', 'it serves both virtio NICs (as the underlay) and VFs',
                NOT f.may_mix AND EXISTS (SELECT 1 FROM plumb.vm_nics n WHERE n.hypervisor = o.hypervisor
                                          AND n.pf = o.name AND n.mechanism = 'vfio')
                AND EXISTS (SELECT 1 FROM plumb.vm_nics n WHERE n.hypervisor = o.hypervisor AND n.mechanism = 'virtio')
                AND (SELECT h.underlay_nic FROM plumb.facility_hypervisors(p_doc) h WHERE h.name = o.hypervisor) = o.name)
        ) c (o, what, why, changed)
        WHERE c.changed
    ) x;

    -- Leaves with VLANs as they are before the change (the rows are written below).
    SELECT coalesce(jsonb_agg(jsonb_build_object(
               'name', l.name, 'bridge', l.bridge, 'vxlan_device', l.vxlan_device, 'vlan_protocol', l.vlan_protocol,
               'holder', format('VLAN %s is held by %s', v.vlan, plumb.holder_text(v.mid, 'network ' || v.network)))
               ORDER BY l.name), '[]')
    INTO v_live_leaves
    FROM plumb.leaves l
    JOIN LATERAL (SELECT * FROM plumb.network_vlans v WHERE v.leaf = l.name ORDER BY v.mid, v.vlan LIMIT 1) v ON true;

    -- What changes, in one pass over each kind of both documents: hosts that are new, hosts whose facts differ
    -- (they get a new generation), and hypervisors whose NICs are declared otherwise (new ones included). Only
    -- these are written below: one fact changed on a few hypervisors of thousands touches only their rows.
    SELECT coalesce(array_agg(n.name) FILTER (WHERE o.name IS NULL), '{}'),
           coalesce(array_agg(n.name) FILTER (WHERE o.name IS NOT NULL AND o.doc <> n.doc), '{}'),
           coalesce(array_agg(n.name) FILTER (WHERE o.doc->'nics' IS DISTINCT FROM n.doc->'nics'), '{}')
    INTO v_hypervisors_new, v_hypervisors_raised, v_nics_changed
    FROM plumb.facility_hypervisors(p_doc) n LEFT JOIN plumb.facility_hypervisors(v_old) o ON o.name = n.name;
    SELECT coalesce(array_agg(n.name) FILTER (WHERE o.name IS NULL), '{}'),
           coalesce(array_agg(n.name) FILTER (WHERE o.name IS NOT NULL AND o.doc <> n.doc), '{}')
    INTO v_leaves_new, v_leaves_raised
    FROM plumb.facility_leaves(p_doc) n LEFT JOIN plumb.facility_leaves(v_old) o ON o.name = n.name;

    -- Write it. New hosts start at generation 1; hosts whose facts changed get a new generation.
    INSERT INTO plumb.hosts (kind, name)
    SELECT 'leaf', l FROM unnest(v_leaves_new) l
    UNION ALL
    SELECT 'hypervisor', h FROM unnest(v_hypervisors_new) h
    ON CONFLICT (kind, name) DO NOTHING;

    UPDATE plumb.hosts s SET generation = s.generation + 1
    FROM (SELECT 'leaf' AS kind, l AS name FROM unnest(v_leaves_raised) l
          UNION ALL SELECT 'hypervisor', h FROM unnest(v_hypervisors_raised) h) c
    WHERE s.kind = c.kind AND s.name = c.name;

    INSERT INTO plumb.leaves (name, vtep_ip, vlan_first, vlan_last, reserved_vlans, mtu, bridge, vxlan_device, underlay_port,
                              vlan_protocol)
    SELECT l.name, l.vtep_ip, l.vlan_first, l.vlan_last, l.reserved_vlans, l.mtu, l.bridge, l.vxlan_device, l.underlay_port,
           l.vlan_protocol
    FROM plumb.facility_leaves(p_doc) l
    WHERE l.name IN (SELECT unnest(v_leaves_new || v_leaves_raised))
    ON CONFLICT (name) DO UPDATE
    SET vtep_ip = excluded.vtep_ip, vlan_first = excluded.vlan_first, vlan_last = excluded.vlan_last,
        reserved_vlans = excluded.reserved_vlans, mtu = excluded.mtu, bridge = excluded.bridge,
        vxlan_device = excluded.vxlan_device, underlay_port = excluded.underlay_port, vlan_protocol = excluded.vlan_protocol
    -- Rows that stay as they are are not written.
    WHERE (plumb.leaves.vtep_ip, plumb.leaves.vlan_first, plumb.leaves.vlan_last, plumb.leaves.reserved_vlans, plumb.leaves.mtu,
           plumb.leaves.bridge, plumb.leaves.vxlan_device, plumb.leaves.underlay_port, plumb.leaves.vlan_protocol)
          IS DISTINCT FROM (excluded.vtep_ip, excluded.vlan_first, excluded.vlan_last, excluded.reserved_vlans, excluded.mtu,
                            excluded.bridge, excluded.vxlan_device, excluded.underlay_port, excluded.vlan_protocol);

    INSERT INTO plumb.hypervisors (name, vtep_ip, leaf, underlay_nic, underlay_mtu, reserved_vlans)
    SELECT h.name, h.vtep_ip, h.leaf, h.underlay_nic, h.underlay_mtu, h.reserved_vlans FROM plumb.facility_hypervisors(p_doc) h
    WHERE h.name IN (SELECT unnest(v_hypervisors_new || v_hypervisors_raised))
    ON CONFLICT (name) DO UPDATE
    SET vtep_ip = excluded.vtep_ip, leaf = excluded.leaf, underlay_nic = excluded.underlay_nic,
        underlay_mtu = excluded.underlay_mtu, reserved_vlans = excluded.reserved_vlans
    -- Rows that stay as they are are not written (a facility of thousands changes a few at a time).
    WHERE (plumb.hypervisors.vtep_ip, plumb.hypervisors.leaf, plumb.hypervisors.underlay_nic,
           plumb.hypervisors.underlay_mtu, plumb.hypervisors.reserved_vlans)
          IS DISTINCT FROM (excluded.vtep_ip, excluded.leaf, excluded.underlay_nic, excluded.underlay_mtu,
                            excluded.reserved_vlans);

    -- Only hypervisors whose NICs are declared otherwise than before (new ones included) have their NICs
    -- written: one fact changed on thousands of hypervisors (an underlay MTU) rewrites none of their NICs.
    INSERT INTO plumb.host_nics (hypervisor, name, pci_address, leaf_port, vf_limit, may_mix, can_stack_vlans, passthrough)
    SELECT n.hypervisor, n.name, n.pci_address, n.leaf_port, n.vf_limit, n.may_mix, n.can_stack_vlans, n.passthrough
    FROM plumb.facility_nics(p_doc) n
    WHERE n.hypervisor IN (SELECT unnest(v_nics_changed))
    ON CONFLICT (hypervisor, name) DO UPDATE
    SET pci_address = excluded.pci_address, leaf_port = excluded.leaf_port, vf_limit = excluded.vf_limit,
        may_mix = excluded.may_mix, can_stack_vlans = excluded.can_stack_vlans, passthrough = excluded.passthrough
    WHERE (plumb.host_nics.pci_address, plumb.host_nics.leaf_port, plumb.host_nics.vf_limit, plumb.host_nics.may_mix,
           plumb.host_nics.can_stack_vlans, plumb.host_nics.passthrough)
          IS DISTINCT FROM (excluded.pci_address, excluded.leaf_port, excluded.vf_limit, excluded.may_mix,
                            excluded.can_stack_vlans, excluded.passthrough);

    DELETE FROM plumb.host_nics o
    WHERE o.hypervisor IN (SELECT unnest(v_nics_changed))
      AND NOT EXISTS (SELECT 1 FROM plumb.facility_nics(p_doc) n WHERE n.hypervisor = o.hypervisor AND n.name = o.name);

    -- Removing a host row removes its leaf or hypervisor row (and NICs) with it.
    DELETE FROM plumb.hosts s
    WHERE s.kind = 'hypervisor' AND s.name NOT IN (SELECT h.name FROM plumb.facility_hypervisors(p_doc) h);
    DELETE FROM plumb.hosts s
    WHERE s.kind = 'leaf' AND s.name NOT IN (SELECT l.name FROM plumb.facility_leaves(p_doc) l);

    DELETE FROM plumb.vni_ranges;
    INSERT INTO plumb.vni_ranges (first, last)
    SELECT (r->>'first')::int, (r->>'last')::int FROM jsonb_array_elements(p_doc->'vni_ranges') r;
    DELETE FROM plumb.reserved_vnis;
    INSERT INTO plumb.reserved_vnis (vni)
    SELECT DISTINCT jsonb_array_elements_text(coalesce(p_doc->'reserved_vnis', '[]'))::int;

    INSERT INTO plumb.facility (document, updated_by) VALUES (p_doc, p_actor)
    ON CONFLICT (singleton) DO UPDATE SET document = excluded.document, revision = gen_random_uuid(),
                                          updated_at = now(), updated_by = excluded.updated_by;

    RETURN jsonb_build_object('revision', (SELECT f.revision FROM plumb.facility f),
                              'leaves', v_live_leaves, 'networks', coalesce((
        SELECT jsonb_agg(jsonb_build_object(
                   'materialization', m.id, 'network', x.name, 'mtu', x.mtu, 'guest_vlans', x.guest_vlans,
                   'hypervisors', (SELECT jsonb_agg(DISTINCT jsonb_build_object('name', h.name, 'underlay_mtu', h.underlay_mtu))
                                   FROM plumb.vm_nics n JOIN plumb.hypervisors h ON h.name = n.hypervisor
                                   WHERE n.mid = x.mid AND n.network = x.name),
                   'leaves', coalesce((SELECT jsonb_agg(DISTINCT jsonb_build_object('name', l.name, 'mtu', l.mtu))
                                       FROM plumb.vm_nics n JOIN plumb.leaves l ON l.name = n.leaf
                                       WHERE n.mid = x.mid AND n.network = x.name AND n.mechanism <> 'virtio'), '[]'))
               ORDER BY m.id, x.ordinal)
        FROM plumb.networks x JOIN plumb.materializations m ON m.mid = x.mid AND m.state = 'active'
        WHERE x.mtu IS NOT NULL AND EXISTS (SELECT 1 FROM plumb.vm_nics n WHERE n.mid = x.mid AND n.network = x.name)), '[]'));
END $$;
