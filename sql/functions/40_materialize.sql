-- Allocation: everything the controller decides for one materialization, in one function call
-- (one round trip, one transaction), set-based whatever the number of NICs.

-- Each PF now: limits, capabilities, and what holds it (quarantined NICs included: they are
-- still on the host until it reports).
CREATE VIEW plumb.pf_state AS
SELECT h.hypervisor, h.name AS pf, h.pci_address, h.leaf_port, h.vf_limit, h.may_mix, h.can_stack_vlans,
       h.passthrough AS passthrough_capable,
       coalesce(hv.underlay_nic = h.name, false) AS is_underlay,
       (SELECT count(*) FROM plumb.vm_nics n
         WHERE n.hypervisor = h.hypervisor AND n.pf = h.name AND n.mechanism = 'vfio') AS vfs_used,
       (SELECT m.id FROM plumb.vm_nics n JOIN plumb.materializations m ON m.mid = n.mid
         WHERE n.hypervisor = h.hypervisor AND n.pf = h.name AND n.mechanism = 'passthrough') AS passed_through_to,
       EXISTS (SELECT 1 FROM plumb.vm_nics n WHERE n.hypervisor = h.hypervisor AND n.mechanism = 'virtio') AS host_has_virtio
FROM plumb.host_nics h JOIN plumb.hypervisors hv ON hv.name = h.hypervisor;

-- One VM NIC of a request while it is being planned.
CREATE TYPE plumb.nic_plan AS (
    vm_ordinal    int,
    vm            text,
    hypervisor    text,
    leaf          text,
    nic_ordinal   int,
    nic           text,
    network       text,
    mechanism     text,
    pf            text,
    pf_explicit   boolean,
    requested_mac bigint,
    guest_vlans   boolean,
    mac           bigint,
    vf_index      int,
    vlan          int
);

CREATE FUNCTION plumb.nic_field(p_vm_ordinal int, p_nic_ordinal int) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT format('vms[%s].nics[%s]', p_vm_ordinal, p_nic_ordinal)
$$;

-- The candidate sets below are MATERIALIZED: plumb.materialize works on arrays unnested inside its
-- statements, which PostgreSQL estimates at 10 rows whatever their size. With the candidate NICs
-- inlined it planned nested loops that recomputed the candidate set (the pf_state view over every
-- host NIC) once per wanted NIC: 14 s of one statement for a 2,000-NIC experiment (plumb-bench
-- materialize). Computed once, it is one pass.
-- Allocates everything for a materialization, or refuses with nothing allocated.
-- p_spec is the validated, normalised spec (snake_case keys, every NIC named, mechanism set).
-- Returns {"created": bool, "materialization": <Materialization document>}.
CREATE FUNCTION plumb.materialize(p_id text, p_spec jsonb, p_actor text, p_unresponsive_after interval)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v_mid     bigint;
    v_spec    jsonb;
    v_nics    plumb.nic_plan[];
    v_networks jsonb[];
    v_field   text;
    v_message text;
BEGIN
    PERFORM plumb.begin_change(p_actor);

    -- Idempotency: the same body answers what it answered before; another body is a conflict.
    SELECT m.mid, m.spec INTO v_mid, v_spec FROM plumb.materializations m WHERE m.id = p_id AND m.state = 'active';
    IF FOUND THEN
        IF v_spec = p_spec THEN
            RETURN jsonb_build_object('created', false,
                                      'materialization', plumb.materialization_document(v_mid, p_unresponsive_after));
        END IF;
        PERFORM plumb.refuse(409, 'materialization_exists',
            format('materialization %s exists with a different body; DELETE it first', p_id), 'id');
    END IF;

    SELECT format('vms[%s].hypervisor', v.ord - 1), v.doc->>'hypervisor' INTO v_field, v_message
    FROM jsonb_array_elements(p_spec->'vms') WITH ORDINALITY v(doc, ord)
    WHERE NOT EXISTS (SELECT 1 FROM plumb.hypervisors h WHERE h.name = v.doc->>'hypervisor')
    ORDER BY v.ord LIMIT 1;
    IF FOUND THEN
        PERFORM plumb.refuse(400, 'invalid_field', format('unknown hypervisor %s', v_message), v_field);
    END IF;

    v_nics := ARRAY(
        SELECT ROW(v.ord - 1, v.doc->>'name', h.name, h.leaf,
                   n.ord - 1, n.doc->>'name', n.doc->>'network', n.doc->>'mechanism',
                   n.doc->>'pf', n.doc->>'pf' IS NOT NULL, plumb.mac_value(n.doc->>'mac'),
                   coalesce((SELECT (e->>'guest_vlans')::boolean FROM jsonb_array_elements(p_spec->'networks') e
                             WHERE e->>'name' = n.doc->>'network'), false),
                   NULL, NULL, NULL)::plumb.nic_plan
        FROM jsonb_array_elements(p_spec->'vms') WITH ORDINALITY v(doc, ord)
        JOIN plumb.hypervisors h ON h.name = v.doc->>'hypervisor'
        CROSS JOIN LATERAL jsonb_array_elements(v.doc->'nics') WITH ORDINALITY n(doc, ord)
        ORDER BY v.ord, n.ord);

    -- Named PFs must exist; requested MACs must be free (quarantined ones are not).
    PERFORM plumb.refuse_first(coalesce(jsonb_agg(x.problem), '[]')) FROM (
        SELECT plumb.problem(p.vm_ordinal, p.nic_ordinal, 0, 400, 'invalid_field',
                   format('hypervisor %s has no NIC %s', p.hypervisor, p.pf), plumb.nic_field(p.vm_ordinal, p.nic_ordinal) || '.pf') AS problem
        FROM unnest(v_nics) p
        WHERE p.pf IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM plumb.host_nics h WHERE h.hypervisor = p.hypervisor AND h.name = p.pf)
        UNION ALL
        SELECT plumb.problem(p.vm_ordinal, p.nic_ordinal, 1, 409, 'mac_in_use',
                   format('MAC %s is %s by materialization %s (%s/%s)', plumb.mac_text(p.requested_mac),
                          CASE m.state WHEN 'active' THEN 'used' ELSE 'still quarantined after its release' END,
                          m.id, o.vm, o.nic),
                   plumb.nic_field(p.vm_ordinal, p.nic_ordinal) || '.mac')
        FROM unnest(v_nics) p
        JOIN plumb.vm_nics o ON o.mac = p.requested_mac
        JOIN plumb.materializations m ON m.mid = o.mid
    ) x;

    -- The rules for NICs with a named PF, and for virtio NICs (which use the underlay NIC).
    PERFORM plumb.refuse_first(coalesce(jsonb_agg(x.problem), '[]')) FROM (
        WITH req AS (SELECT * FROM unnest(v_nics)),
        req_pf AS (
            SELECT hypervisor, pf,
                   count(*) FILTER (WHERE mechanism = 'vfio') AS vfio
            FROM req WHERE pf IS NOT NULL GROUP BY hypervisor, pf
        ),
        req_virtio AS (SELECT DISTINCT hypervisor FROM req WHERE mechanism = 'virtio'),
        checked AS (
            SELECT p.*, s.vf_limit, s.may_mix, s.can_stack_vlans, s.passthrough_capable, s.is_underlay, s.vfs_used,
                   s.passed_through_to,
                   (s.is_underlay AND (s.host_has_virtio OR EXISTS (SELECT 1 FROM req_virtio r WHERE r.hypervisor = p.hypervisor)))
                       AS serves_virtio,
                   coalesce(rp.vfio, 0) AS req_vfio,
                   (SELECT min(plumb.nic_field(q.vm_ordinal, q.nic_ordinal)) FROM req q
                     WHERE q.hypervisor = p.hypervisor AND q.pf = p.pf AND q.mechanism = 'passthrough'
                       AND (q.vm_ordinal, q.nic_ordinal) < (p.vm_ordinal, p.nic_ordinal)) AS earlier_passthrough
            FROM req p
            JOIN plumb.pf_state s ON s.hypervisor = p.hypervisor AND s.pf = p.pf
            LEFT JOIN req_pf rp ON rp.hypervisor = p.hypervisor AND rp.pf = p.pf
        )
        SELECT plumb.problem(c.vm_ordinal, c.nic_ordinal, r.rule, r.status, r.code, r.message,
                             plumb.nic_field(c.vm_ordinal, c.nic_ordinal) || r.suffix) AS problem
        FROM checked c
        CROSS JOIN LATERAL (VALUES
            (10, 422, 'no_sriov', '.pf', c.mechanism = 'vfio' AND c.vf_limit = 0,
             format('NIC %s of %s has no SR-IOV VFs (vf_limit 0)', c.pf, c.hypervisor)),
            (11, 422, 'guest_vlans_unsupported', '', c.mechanism = 'vfio' AND c.guest_vlans AND NOT c.can_stack_vlans,
             format('network %s carries guest VLAN tags and NIC %s of %s cannot stack VLAN tags (802.1ad): use virtio',
                    c.network, c.pf, c.hypervisor)),
            -- Within one request, a PF asked for whole and for VFs is refused at the passthrough NIC (17).
            (12, 409, 'pf_in_use', '.pf', c.mechanism = 'vfio' AND c.passed_through_to IS NOT NULL,
             format('NIC %s of %s is passed through whole to materialization %s; it has no VFs to give',
                    c.pf, c.hypervisor, c.passed_through_to)),
            (13, 422, 'mode_pinned', '.pf', c.mechanism = 'vfio' AND NOT c.may_mix AND c.serves_virtio,
             format('NIC %s of %s may not mix virtio and vfio and serves virtio NICs (it carries the underlay)',
                    c.pf, c.hypervisor)),
            (14, 422, 'not_passthrough_capable', '.pf', c.mechanism = 'passthrough' AND NOT c.passthrough_capable,
             format('NIC %s of %s may not be passed through', c.pf, c.hypervisor)),
            (15, 409, 'pf_in_use', '.pf', c.mechanism = 'passthrough' AND c.passed_through_to IS NOT NULL,
             format('NIC %s of %s is already passed through to materialization %s; passthrough NICs are never shared',
                    c.pf, c.hypervisor, c.passed_through_to)),
            (16, 422, 'passthrough_shared', '.pf', c.mechanism = 'passthrough' AND c.earlier_passthrough IS NOT NULL,
             format('NIC %s of %s is already passed through to %s; passthrough NICs are never shared',
                    c.pf, c.hypervisor, c.earlier_passthrough)),
            (17, 409, 'pf_in_use', '.pf', c.mechanism = 'passthrough' AND (c.vfs_used > 0 OR c.req_vfio > 0),
             format('NIC %s of %s carries VFs, so it cannot be passed through whole', c.pf, c.hypervisor)),
            (18, 422, 'pf_in_use', '.pf', c.mechanism = 'passthrough' AND c.serves_virtio,
             format('NIC %s of %s carries the underlay of virtio NICs, so it cannot be passed through', c.pf, c.hypervisor))
        ) r (rule, status, code, suffix, applies, message)
        WHERE r.applies
        UNION ALL
        SELECT plumb.problem(p.vm_ordinal, p.nic_ordinal, 19, 422, 'mode_pinned',
                   CASE WHEN s.passed_through_to IS NOT NULL
                        THEN format('virtio NICs of %s use its underlay NIC %s, which is passed through to materialization %s',
                                    p.hypervisor, s.pf, s.passed_through_to)
                        ELSE format('virtio NICs of %s use its underlay NIC %s, which may not mix virtio and vfio and is pinned to vfio by its VFs',
                                    p.hypervisor, s.pf)
                   END, plumb.nic_field(p.vm_ordinal, p.nic_ordinal))
        -- (Within one request, virtio and VFs on a non-mixing underlay are refused at the VF: rule 13.)
        FROM req p JOIN plumb.pf_state s ON s.hypervisor = p.hypervisor AND s.is_underlay
        WHERE p.mechanism = 'virtio'
          AND (s.passed_through_to IS NOT NULL OR (NOT s.may_mix AND s.vfs_used > 0))
    ) x;

    -- vfio NICs without a named PF: spread over the hypervisor's SR-IOV NICs that may take them.
    -- Those on guest-VLAN networks first, onto NICs that stack tags; then the others, onto
    -- NICs that do not stack tags first.
    v_nics := ARRAY(
        WITH req AS (SELECT * FROM unnest(v_nics)),
        candidates AS MATERIALIZED (
            SELECT s.hypervisor, s.pf, s.can_stack_vlans,
                   s.vf_limit - s.vfs_used - (SELECT count(*) FROM req r
                                              WHERE r.hypervisor = s.hypervisor AND r.pf = s.pf AND r.mechanism = 'vfio') AS free
            FROM plumb.pf_state s
            WHERE s.vf_limit > 0 AND s.passed_through_to IS NULL
              AND NOT EXISTS (SELECT 1 FROM req r WHERE r.hypervisor = s.hypervisor AND r.pf = s.pf AND r.mechanism = 'passthrough')
              AND NOT (NOT s.may_mix AND s.is_underlay
                       AND (s.host_has_virtio OR EXISTS (SELECT 1 FROM req r WHERE r.hypervisor = s.hypervisor AND r.mechanism = 'virtio')))
        ),
        stacked_req AS (
            SELECT r.vm_ordinal, r.nic_ordinal, r.hypervisor,
                   row_number() OVER (PARTITION BY r.hypervisor ORDER BY r.vm_ordinal, r.nic_ordinal) AS k
            FROM req r WHERE r.mechanism = 'vfio' AND r.pf IS NULL AND r.guest_vlans
        ),
        stacked_cap AS (
            SELECT c.*, sum(greatest(c.free, 0)) OVER (PARTITION BY c.hypervisor ORDER BY c.pf) AS upto
            FROM candidates c WHERE c.can_stack_vlans
        ),
        stacked AS (
            SELECT r.vm_ordinal, r.nic_ordinal, c.hypervisor, c.pf
            FROM stacked_req r JOIN stacked_cap c
              ON c.hypervisor = r.hypervisor AND r.k > c.upto - greatest(c.free, 0) AND r.k <= c.upto
        ),
        plain_req AS (
            SELECT r.vm_ordinal, r.nic_ordinal, r.hypervisor,
                   row_number() OVER (PARTITION BY r.hypervisor ORDER BY r.vm_ordinal, r.nic_ordinal) AS k
            FROM req r WHERE r.mechanism = 'vfio' AND r.pf IS NULL AND NOT r.guest_vlans
        ),
        plain_cap AS (
            SELECT c.hypervisor, c.pf, x.left_over,
                   sum(x.left_over) OVER (PARTITION BY c.hypervisor ORDER BY c.can_stack_vlans, c.pf) AS upto
            FROM candidates c
            CROSS JOIN LATERAL (SELECT greatest(c.free - (SELECT count(*) FROM stacked s
                                                          WHERE s.hypervisor = c.hypervisor AND s.pf = c.pf), 0) AS left_over) x
        ),
        plain AS (
            SELECT r.vm_ordinal, r.nic_ordinal, c.hypervisor, c.pf
            FROM plain_req r JOIN plain_cap c
              ON c.hypervisor = r.hypervisor AND r.k > c.upto - c.left_over AND r.k <= c.upto
        ),
        chosen AS (SELECT * FROM stacked UNION ALL SELECT * FROM plain)
        SELECT ROW(p.vm_ordinal, p.vm, p.hypervisor, p.leaf, p.nic_ordinal, p.nic, p.network, p.mechanism,
                   coalesce(p.pf, c.pf), p.pf_explicit, p.requested_mac, p.guest_vlans, NULL, NULL, NULL)::plumb.nic_plan
        FROM req p LEFT JOIN chosen c ON c.vm_ordinal = p.vm_ordinal AND c.nic_ordinal = p.nic_ordinal
        ORDER BY p.vm_ordinal, p.nic_ordinal);

    PERFORM plumb.refuse_first(coalesce(jsonb_agg(x.problem), '[]')) FROM (
        SELECT plumb.problem(p.vm_ordinal, p.nic_ordinal, 20,
                   CASE WHEN k.has_nic THEN 409 ELSE 422 END,
                   CASE WHEN k.has_nic THEN 'pool_exhausted' WHEN p.guest_vlans THEN 'guest_vlans_unsupported' ELSE 'no_sriov' END,
                   CASE WHEN k.has_nic
                        THEN format('VF pool of %s is exhausted: no SR-IOV NIC%s has a free VF',
                                    p.hypervisor, CASE WHEN p.guest_vlans THEN ' that stacks VLAN tags' ELSE '' END)
                        WHEN p.guest_vlans
                        THEN format('network %s carries guest VLAN tags and no NIC of %s can give a VF that stacks VLAN tags (802.1ad): use virtio',
                                    p.network, p.hypervisor)
                        ELSE format('no NIC of %s can give a VF (none has SR-IOV VFs free of passthrough and of virtio pinning)', p.hypervisor)
                   END,
                   plumb.nic_field(p.vm_ordinal, p.nic_ordinal)) AS problem
        FROM unnest(v_nics) p
        -- Is there a NIC that could give this VF if it had one free?
        CROSS JOIN LATERAL (SELECT EXISTS (
            SELECT 1 FROM plumb.pf_state s
            WHERE s.hypervisor = p.hypervisor AND s.vf_limit > 0 AND (s.can_stack_vlans OR NOT p.guest_vlans)
              AND s.passed_through_to IS NULL AND NOT (NOT s.may_mix AND s.is_underlay AND s.host_has_virtio)) AS has_nic) k
        WHERE p.mechanism = 'vfio' AND p.pf IS NULL
    ) x;

    -- passthrough NICs without a named PF: the free passthrough-capable NICs, by name.
    v_nics := ARRAY(
        WITH req AS (SELECT * FROM unnest(v_nics)),
        candidates AS MATERIALIZED (
            SELECT s.hypervisor, s.pf, row_number() OVER (PARTITION BY s.hypervisor ORDER BY s.pf) AS k
            FROM plumb.pf_state s
            WHERE s.passthrough_capable AND s.passed_through_to IS NULL AND s.vfs_used = 0
              AND NOT EXISTS (SELECT 1 FROM req r WHERE r.hypervisor = s.hypervisor AND r.pf = s.pf)
              AND NOT (s.is_underlay
                       AND (s.host_has_virtio OR EXISTS (SELECT 1 FROM req r WHERE r.hypervisor = s.hypervisor AND r.mechanism = 'virtio')))
        ),
        wanted AS (
            SELECT r.vm_ordinal, r.nic_ordinal, r.hypervisor,
                   row_number() OVER (PARTITION BY r.hypervisor ORDER BY r.vm_ordinal, r.nic_ordinal) AS k
            FROM req r WHERE r.mechanism = 'passthrough' AND r.pf IS NULL
        ),
        chosen AS (
            SELECT w.vm_ordinal, w.nic_ordinal, c.pf FROM wanted w JOIN candidates c ON c.hypervisor = w.hypervisor AND c.k = w.k
        )
        SELECT ROW(p.vm_ordinal, p.vm, p.hypervisor, p.leaf, p.nic_ordinal, p.nic, p.network, p.mechanism,
                   coalesce(p.pf, c.pf), p.pf_explicit, p.requested_mac, p.guest_vlans, NULL, NULL, NULL)::plumb.nic_plan
        FROM req p LEFT JOIN chosen c ON c.vm_ordinal = p.vm_ordinal AND c.nic_ordinal = p.nic_ordinal
        ORDER BY p.vm_ordinal, p.nic_ordinal);

    PERFORM plumb.refuse_first(coalesce(jsonb_agg(x.problem), '[]')) FROM (
        SELECT plumb.problem(p.vm_ordinal, p.nic_ordinal, 30,
                   CASE WHEN k.has_nic THEN 409 ELSE 422 END,
                   CASE WHEN k.has_nic THEN 'pool_exhausted' ELSE 'not_passthrough_capable' END,
                   CASE WHEN k.has_nic THEN format('passthrough pool of %s is exhausted: no free NIC may be passed through', p.hypervisor)
                        ELSE format('no NIC of %s may be passed through', p.hypervisor) END,
                   plumb.nic_field(p.vm_ordinal, p.nic_ordinal)) AS problem
        FROM unnest(v_nics) p
        CROSS JOIN LATERAL (SELECT EXISTS (SELECT 1 FROM plumb.host_nics h
                                           WHERE h.hypervisor = p.hypervisor AND h.passthrough) AS has_nic) k
        WHERE p.mechanism = 'passthrough' AND p.pf IS NULL
    ) x;

    -- VF indices: the lowest free ones (quarantined ones are not free) below each PF's limit.
    v_nics := ARRAY(
        WITH req AS (SELECT * FROM unnest(v_nics)),
        wanted AS (
            SELECT r.vm_ordinal, r.nic_ordinal, r.hypervisor, r.pf,
                   row_number() OVER (PARTITION BY r.hypervisor, r.pf ORDER BY r.vm_ordinal, r.nic_ordinal) AS k
            FROM req r WHERE r.mechanism = 'vfio'
        ),
        free AS (
            SELECT h.hypervisor, h.name AS pf, i AS vf_index,
                   row_number() OVER (PARTITION BY h.hypervisor, h.name ORDER BY i) AS k
            FROM plumb.host_nics h
            CROSS JOIN LATERAL generate_series(0, h.vf_limit - 1) i
            WHERE EXISTS (SELECT 1 FROM wanted w WHERE w.hypervisor = h.hypervisor AND w.pf = h.name)
              AND NOT EXISTS (SELECT 1 FROM plumb.vm_nics n WHERE n.hypervisor = h.hypervisor AND n.pf = h.name AND n.vf_index = i)
        ),
        chosen AS (
            SELECT w.vm_ordinal, w.nic_ordinal, f.vf_index
            FROM wanted w JOIN free f ON f.hypervisor = w.hypervisor AND f.pf = w.pf AND f.k = w.k
        )
        SELECT ROW(p.vm_ordinal, p.vm, p.hypervisor, p.leaf, p.nic_ordinal, p.nic, p.network, p.mechanism,
                   p.pf, p.pf_explicit, p.requested_mac, p.guest_vlans, NULL, c.vf_index, NULL)::plumb.nic_plan
        FROM req p LEFT JOIN chosen c ON c.vm_ordinal = p.vm_ordinal AND c.nic_ordinal = p.nic_ordinal
        ORDER BY p.vm_ordinal, p.nic_ordinal);

    PERFORM plumb.refuse_first(coalesce(jsonb_agg(x.problem), '[]')) FROM (
        SELECT plumb.problem(p.vm_ordinal, p.nic_ordinal, 40, 409, 'vf_limit',
                   format('VF pool of %s/%s is exhausted: VF limit %s, %s in use or quarantined', p.hypervisor, p.pf,
                          s.vf_limit, s.vfs_used),
                   plumb.nic_field(p.vm_ordinal, p.nic_ordinal) || CASE WHEN p.pf_explicit THEN '.pf' ELSE '' END) AS problem
        FROM unnest(v_nics) p JOIN plumb.pf_state s ON s.hypervisor = p.hypervisor AND s.pf = p.pf
        WHERE p.mechanism = 'vfio' AND p.vf_index IS NULL
    ) x;

    -- VLAN tags: one per (leaf, network) with VF or passthrough NICs behind that leaf, the lowest
    -- free tag of the leaf's range that neither the leaf nor any hypervisor behind it reserves.
    v_nics := ARRAY(
        WITH req AS (SELECT * FROM unnest(v_nics)),
        wanted AS (
            SELECT w.leaf, w.network, row_number() OVER (PARTITION BY w.leaf ORDER BY w.first_use) AS k
            FROM (SELECT r.leaf, r.network, min(ARRAY[r.vm_ordinal, r.nic_ordinal]) AS first_use
                  FROM req r WHERE r.mechanism IN ('vfio', 'passthrough') GROUP BY r.leaf, r.network) w
        ),
        free AS (
            SELECT l.name AS leaf, t AS vlan, row_number() OVER (PARTITION BY l.name ORDER BY t) AS k
            FROM plumb.leaves l
            CROSS JOIN LATERAL generate_series(l.vlan_first, l.vlan_last) t
            WHERE EXISTS (SELECT 1 FROM wanted w WHERE w.leaf = l.name)
              AND t <> ALL (l.reserved_vlans)
              AND NOT EXISTS (SELECT 1 FROM plumb.hypervisors h WHERE h.leaf = l.name AND t = ANY (h.reserved_vlans))
              AND NOT EXISTS (SELECT 1 FROM plumb.network_vlans v WHERE v.leaf = l.name AND v.vlan = t)
        ),
        chosen AS (SELECT w.leaf, w.network, f.vlan FROM wanted w JOIN free f ON f.leaf = w.leaf AND f.k = w.k)
        SELECT ROW(p.vm_ordinal, p.vm, p.hypervisor, p.leaf, p.nic_ordinal, p.nic, p.network, p.mechanism,
                   p.pf, p.pf_explicit, p.requested_mac, p.guest_vlans, NULL, p.vf_index, c.vlan)::plumb.nic_plan
        FROM req p LEFT JOIN chosen c ON c.leaf = p.leaf AND c.network = p.network AND p.mechanism IN ('vfio', 'passthrough')
        ORDER BY p.vm_ordinal, p.nic_ordinal);

    PERFORM plumb.refuse_first(coalesce(jsonb_agg(x.problem), '[]')) FROM (
        SELECT plumb.problem(p.vm_ordinal, p.nic_ordinal, 50, 409, 'pool_exhausted',
                   format('VLAN pool of leaf %s is exhausted: no free tag for network %s', p.leaf, p.network),
                   plumb.nic_field(p.vm_ordinal, p.nic_ordinal)) AS problem
        FROM unnest(v_nics) p WHERE p.mechanism IN ('vfio', 'passthrough') AND p.vlan IS NULL
    ) x;

    -- MACs: the requested ones, else the lowest free in 02:00:00:00:00:01 … 02:ff:ff:ff:ff:ff.
    v_nics := ARRAY(
        WITH req AS (SELECT * FROM unnest(v_nics)),
        wanted AS (
            SELECT r.vm_ordinal, r.nic_ordinal, row_number() OVER (ORDER BY r.vm_ordinal, r.nic_ordinal) AS k
            FROM req r WHERE r.mechanism <> 'passthrough' AND r.requested_mac IS NULL
        ),
        taken AS (
            SELECT n.mac FROM plumb.vm_nics n WHERE n.mac BETWEEN plumb.mac_pool_first() AND plumb.mac_pool_last()
            UNION SELECT r.requested_mac FROM req r WHERE r.requested_mac BETWEEN plumb.mac_pool_first() AND plumb.mac_pool_last()
        ),
        free AS (
            SELECT m AS mac, row_number() OVER (ORDER BY m) AS k
            FROM generate_series(plumb.mac_pool_first(),
                                 least(plumb.mac_pool_last(),
                                       plumb.mac_pool_first() + (SELECT count(*) FROM taken) + (SELECT count(*) FROM wanted))) m
            WHERE NOT EXISTS (SELECT 1 FROM taken t WHERE t.mac = m)
        ),
        chosen AS (SELECT w.vm_ordinal, w.nic_ordinal, f.mac FROM wanted w JOIN free f ON f.k = w.k)
        SELECT ROW(p.vm_ordinal, p.vm, p.hypervisor, p.leaf, p.nic_ordinal, p.nic, p.network, p.mechanism,
                   p.pf, p.pf_explicit, p.requested_mac, p.guest_vlans, coalesce(p.requested_mac, c.mac), p.vf_index, p.vlan)::plumb.nic_plan
        FROM req p LEFT JOIN chosen c ON c.vm_ordinal = p.vm_ordinal AND c.nic_ordinal = p.nic_ordinal
        ORDER BY p.vm_ordinal, p.nic_ordinal);

    PERFORM plumb.refuse_first(coalesce(jsonb_agg(x.problem), '[]')) FROM (
        SELECT plumb.problem(p.vm_ordinal, p.nic_ordinal, 60, 409, 'pool_exhausted', 'MAC pool is exhausted',
                   plumb.nic_field(p.vm_ordinal, p.nic_ordinal)) AS problem
        FROM unnest(v_nics) p WHERE p.mechanism <> 'passthrough' AND p.mac IS NULL
    ) x;

    -- VNIs: the lowest free ones of the ranges, neither reserved nor held (quarantined included).
    -- At most (held + reserved + wanted) candidates per range need to be looked at.
    v_networks := ARRAY(
        WITH wanted AS (
            SELECT e.ord - 1 AS ordinal, e.doc, row_number() OVER (ORDER BY e.ord) AS k
            FROM jsonb_array_elements(p_spec->'networks') WITH ORDINALITY e(doc, ord)
        ),
        free AS (
            SELECT v AS vni, row_number() OVER (ORDER BY v) AS k
            FROM plumb.vni_ranges r
            CROSS JOIN LATERAL generate_series(r.first, least(r.last::bigint,
                r.first::bigint + (SELECT count(*) FROM plumb.networks) + (SELECT count(*) FROM plumb.reserved_vnis)
                                + (SELECT count(*) FROM wanted))::int) v
            WHERE NOT EXISTS (SELECT 1 FROM plumb.reserved_vnis x WHERE x.vni = v)
              AND NOT EXISTS (SELECT 1 FROM plumb.networks n WHERE n.vni = v)
        )
        SELECT jsonb_build_object('ordinal', w.ordinal, 'name', w.doc->>'name', 'vni', f.vni,
                                  'allow_local', coalesce((w.doc->>'allow_local')::boolean, false),
                                  'guest_vlans', coalesce((w.doc->>'guest_vlans')::boolean, false))
        FROM wanted w LEFT JOIN free f ON f.k = w.k
        ORDER BY w.ordinal);

    SELECT format('networks[%s]', n->>'ordinal') INTO v_field
    FROM unnest(v_networks) n WHERE n->>'vni' IS NULL ORDER BY (n->>'ordinal')::int LIMIT 1;
    IF FOUND THEN
        PERFORM plumb.refuse(409, 'pool_exhausted', 'VNI pool is exhausted', v_field);
    END IF;

    -- Everything is decided: write it down.
    INSERT INTO plumb.materializations (id, spec, created_by) VALUES (p_id, p_spec, p_actor) RETURNING mid INTO v_mid;

    INSERT INTO plumb.networks (mid, name, ordinal, vni, allow_local, guest_vlans)
    SELECT v_mid, n->>'name', (n->>'ordinal')::int, (n->>'vni')::int, (n->>'allow_local')::boolean, (n->>'guest_vlans')::boolean
    FROM unnest(v_networks) n;

    INSERT INTO plumb.network_vlans (mid, network, leaf, vlan)
    SELECT DISTINCT v_mid, p.network, p.leaf, p.vlan FROM unnest(v_nics) p WHERE p.vlan IS NOT NULL;

    INSERT INTO plumb.vm_nics (mid, vm, vm_ordinal, nic, nic_ordinal, hypervisor, network, mechanism, mac, tap,
                               pf, vf_index, leaf, vlan, vlan_protocol)
    SELECT v_mid, p.vm, p.vm_ordinal, p.nic, p.nic_ordinal, p.hypervisor, p.network, p.mechanism, p.mac,
           CASE WHEN p.mechanism = 'virtio' THEN 'pl' || lpad(to_hex(p.mac), 12, '0') END,
           p.pf, p.vf_index,
           CASE WHEN p.mechanism <> 'virtio' THEN p.leaf END, p.vlan,
           CASE p.mechanism WHEN 'vfio' THEN CASE WHEN p.guest_vlans THEN '802.1ad' ELSE '802.1Q' END END
    FROM unnest(v_nics) p;

    -- Raise the generation of every host that must apply this, and remember it.
    WITH touched AS (
        SELECT DISTINCT 'hypervisor' AS kind, p.hypervisor AS name FROM unnest(v_nics) p
        UNION
        SELECT DISTINCT 'leaf', p.leaf FROM unnest(v_nics) p WHERE p.mechanism <> 'virtio'
    ),
    bumped AS (
        UPDATE plumb.hosts h SET generation = h.generation + 1
        FROM touched t WHERE h.kind = t.kind AND h.name = t.name
        RETURNING h.kind, h.name, h.generation
    )
    INSERT INTO plumb.materialization_hosts (mid, kind, host, required_generation)
    SELECT v_mid, b.kind, b.name, b.generation FROM bumped b;

    RETURN jsonb_build_object('created', true,
                              'materialization', plumb.materialization_document(v_mid, p_unresponsive_after));
END $$;
