-- Desired state of each hypervisor and leaf switch, as whole wire documents (snake_case keys),
-- built from live (not released) materializations. Every list is sorted, so equal states are
-- equal documents.

-- Every live VM NIC with its VNI and the VTEP its frames enter the overlay at: the hypervisor's
-- for virtio, the leaf's for VFs and passthrough NICs.
CREATE VIEW plumb.live_nics AS
SELECT m.id AS materialization, n.mid, n.vm, n.nic, n.hypervisor, n.network, n.mechanism, n.mac, n.tap,
       n.pf, n.vf_index, n.vlan, n.vlan_protocol, net.vni, net.allow_local, net.mtu,
       h.leaf AS hypervisor_leaf, hn.pci_address, hn.leaf_port,
       CASE WHEN n.mechanism = 'virtio' THEN h.vtep_ip ELSE l.vtep_ip END AS vtep
FROM plumb.vm_nics n
JOIN plumb.materializations m ON m.mid = n.mid AND m.state = 'active'
JOIN plumb.networks net ON net.mid = n.mid AND net.name = n.network
JOIN plumb.hypervisors h ON h.name = n.hypervisor
JOIN plumb.leaves l ON l.name = h.leaf
LEFT JOIN plumb.host_nics hn ON hn.hypervisor = n.hypervisor AND hn.name = n.pf;

-- GET /v1/hosts/{name}/desired, for many hypervisors at once: one row per known hypervisor of
-- `p_names` (unknown names have none) with its generation and its document, read in the same
-- statement, so a document is never older than the generation it is served as. Set-based: the
-- cost is one pass over the live NICs whatever the number of hosts.
CREATE FUNCTION plumb.hosts_desired(p_names text[])
RETURNS TABLE (name text, generation bigint, document jsonb) LANGUAGE sql STABLE AS $$
    WITH hv AS (
        SELECT h.*, s.generation FROM plumb.hypervisors h
        JOIN plumb.hosts s ON s.kind = 'hypervisor' AND s.name = h.name
        WHERE h.name = ANY (p_names)
    ),
    mine AS MATERIALIZED (SELECT * FROM plumb.live_nics WHERE hypervisor = ANY (p_names)),
    vnis AS MATERIALIZED (SELECT DISTINCT hypervisor, vni, allow_local, mtu FROM mine WHERE mechanism = 'virtio'),
    members AS MATERIALIZED (SELECT n.* FROM plumb.live_nics n WHERE n.vni IN (SELECT vni FROM vnis)),
    flood AS (
        SELECT v.hypervisor, v.vni, jsonb_agg(host(x.vtep) ORDER BY x.vtep) AS flood
        FROM vnis v
        JOIN hv ON hv.name = v.hypervisor
        JOIN (SELECT DISTINCT m.vni, m.vtep FROM members m) x ON x.vni = v.vni AND x.vtep <> hv.vtep_ip
        GROUP BY v.hypervisor, v.vni
    ),
    fdb AS (
        SELECT v.hypervisor, v.vni,
               jsonb_agg(jsonb_build_object('mac', plumb.mac_text(m.mac), 'vtep', host(m.vtep)) ORDER BY m.mac) AS fdb
        FROM vnis v
        JOIN members m ON m.vni = v.vni AND m.mac IS NOT NULL
                      AND NOT (m.mechanism = 'virtio' AND m.hypervisor = v.hypervisor)
        GROUP BY v.hypervisor, v.vni
    ),
    taps AS (
        SELECT m.hypervisor, m.vni,
               jsonb_agg(jsonb_build_object('name', m.tap, 'mac', plumb.mac_text(m.mac),
                                            'materialization', m.materialization, 'vm', m.vm, 'nic', m.nic)
                         ORDER BY m.tap) AS taps
        FROM mine m WHERE m.mechanism = 'virtio'
        GROUP BY m.hypervisor, m.vni
    ),
    networks AS (
        SELECT v.hypervisor,
               -- Each network with its one MTU, as the allocator stored it (NetworkMTU.swift).
               jsonb_agg(jsonb_strip_nulls(jsonb_build_object('vni', v.vni, 'isolated', NOT v.allow_local, 'mtu', v.mtu,
                                                              'flood', coalesce(f.flood, '[]'), 'fdb', coalesce(d.fdb, '[]'),
                                                              'taps', t.taps))
                         ORDER BY v.vni) AS networks
        FROM vnis v
        LEFT JOIN flood f ON f.hypervisor = v.hypervisor AND f.vni = v.vni
        LEFT JOIN fdb d ON d.hypervisor = v.hypervisor AND d.vni = v.vni
        LEFT JOIN taps t ON t.hypervisor = v.hypervisor AND t.vni = v.vni
        GROUP BY v.hypervisor
    ),
    vfs AS (
        SELECT m.hypervisor, m.pf,
               jsonb_agg(jsonb_build_object(
                             'index', m.vf_index, 'vlan', m.vlan, 'vlan_protocol', m.vlan_protocol,
                             'mac', plumb.mac_text(m.mac), 'spoofcheck', true, 'trust', false,
                             'link_state', 'auto', 'materialization', m.materialization,
                             'vm', m.vm, 'nic', m.nic) ORDER BY m.vf_index) AS vfs
        FROM mine m WHERE m.mechanism = 'vfio'
        GROUP BY m.hypervisor, m.pf
    ),
    pfs AS (
        SELECT hn.hypervisor,
               jsonb_agg(jsonb_build_object('name', hn.name, 'pci_address', hn.pci_address, 'num_vfs', hn.vf_limit,
                                            'vfs', v.vfs)
                         ORDER BY hn.name) AS pfs
        FROM plumb.host_nics hn
        JOIN vfs v ON v.hypervisor = hn.hypervisor AND v.pf = hn.name
        GROUP BY hn.hypervisor
    ),
    passthrough AS (
        SELECT m.hypervisor,
               jsonb_agg(jsonb_build_object('name', m.pf, 'pci_address', m.pci_address,
                                            'materialization', m.materialization, 'vm', m.vm, 'nic', m.nic)
                         ORDER BY m.pf) AS passthrough
        FROM mine m WHERE m.mechanism = 'passthrough'
        GROUP BY m.hypervisor
    )
    SELECT hv.name, hv.generation, jsonb_build_object(
        'host', hv.name,
        'generation', hv.generation,
        'vtep', jsonb_strip_nulls(jsonb_build_object('local_ip', host(hv.vtep_ip), 'underlay_nic', hv.underlay_nic,
                                                     'underlay_mtu', hv.underlay_mtu)),
        'networks', coalesce(n.networks, '[]'),
        'pfs', coalesce(p.pfs, '[]'),
        'passthrough', coalesce(t.passthrough, '[]'))
    FROM hv
    LEFT JOIN networks n ON n.hypervisor = hv.name
    LEFT JOIN pfs p ON p.hypervisor = hv.name
    LEFT JOIN passthrough t ON t.hypervisor = hv.name
$$;

-- GET /v1/leaves/{name}/desired, for many leaf switches at once: one row per known leaf of
-- `p_names`, generation and document read in the same statement (as hosts_desired).
CREATE FUNCTION plumb.leaves_desired(p_names text[])
RETURNS TABLE (name text, generation bigint, document jsonb) LANGUAGE sql STABLE AS $$
    WITH leaf AS (
        SELECT l.*, s.generation FROM plumb.leaves l
        JOIN plumb.hosts s ON s.kind = 'leaf' AND s.name = l.name
        WHERE l.name = ANY (p_names)
    ),
    carried AS MATERIALIZED (
        SELECT v.leaf, v.vlan, n.vni, n.guest_vlans
        FROM plumb.network_vlans v
        JOIN plumb.materializations m ON m.mid = v.mid AND m.state = 'active'
        JOIN plumb.networks n ON n.mid = v.mid AND n.name = v.network
        WHERE v.leaf = ANY (p_names)
    ),
    carried_vnis AS MATERIALIZED (SELECT DISTINCT leaf, vni FROM carried),
    behind AS MATERIALIZED (
        SELECT * FROM plumb.live_nics WHERE hypervisor_leaf = ANY (p_names) AND mechanism <> 'virtio'
    ),
    members AS MATERIALIZED (SELECT n.* FROM plumb.live_nics n WHERE n.vni IN (SELECT vni FROM carried)),
    flood AS (
        SELECT c.leaf, c.vni, jsonb_agg(host(x.vtep) ORDER BY x.vtep) AS flood
        FROM carried_vnis c
        JOIN leaf ON leaf.name = c.leaf
        JOIN (SELECT DISTINCT m.vni, m.vtep FROM members m) x ON x.vni = c.vni AND x.vtep <> leaf.vtep_ip
        GROUP BY c.leaf, c.vni
    ),
    vlans AS (
        SELECT c.leaf, jsonb_agg(jsonb_build_object('vlan', c.vlan, 'vni', c.vni, 'guest_vlans', c.guest_vlans,
                                                    'flood', coalesce(f.flood, '[]'))
                                 ORDER BY c.vlan) AS vlans
        FROM carried c LEFT JOIN flood f ON f.leaf = c.leaf AND f.vni = c.vni
        GROUP BY c.leaf
    ),
    access_ports AS (
        SELECT b.hypervisor_leaf AS leaf,
               jsonb_agg(jsonb_build_object('port', b.leaf_port, 'vlan', b.vlan, 'hypervisor', b.hypervisor,
                                            'pci_address', b.pci_address) ORDER BY b.leaf_port) AS access_ports
        FROM behind b WHERE b.mechanism = 'passthrough'
        GROUP BY b.hypervisor_leaf
    ),
    tagged_ports AS (
        SELECT t.leaf, jsonb_agg(jsonb_build_object('port', t.leaf_port, 'hypervisor', t.hypervisor, 'vlans', t.vlans)
                                 ORDER BY t.leaf_port) AS tagged_ports
        FROM (SELECT b.hypervisor_leaf AS leaf, b.leaf_port, b.hypervisor, jsonb_agg(DISTINCT b.vlan ORDER BY b.vlan) AS vlans
              FROM behind b WHERE b.mechanism = 'vfio' GROUP BY b.hypervisor_leaf, b.leaf_port, b.hypervisor) t
        GROUP BY t.leaf
    ),
    fdb AS (
        SELECT c.leaf, jsonb_agg(jsonb_strip_nulls(
                   CASE WHEN m.mechanism = 'vfio' AND m.hypervisor_leaf = c.leaf
                        THEN jsonb_build_object('vni', m.vni, 'mac', plumb.mac_text(m.mac), 'port', m.leaf_port, 'vlan', m.vlan)
                        ELSE jsonb_build_object('vni', m.vni, 'mac', plumb.mac_text(m.mac), 'vtep', host(m.vtep)) END)
                   ORDER BY m.vni, m.mac) AS fdb
        FROM carried_vnis c JOIN members m ON m.vni = c.vni AND m.mac IS NOT NULL
        GROUP BY c.leaf
    )
    SELECT leaf.name, leaf.generation, jsonb_build_object(
        'leaf', leaf.name,
        'generation', leaf.generation,
        'vtep_ip', host(leaf.vtep_ip),
        'bridge', leaf.bridge,
        'vxlan_device', leaf.vxlan_device,
        'vlan_protocol', leaf.vlan_protocol,
        'vlans', coalesce(v.vlans, '[]'),
        'access_ports', coalesce(a.access_ports, '[]'),
        'tagged_ports', coalesce(t.tagged_ports, '[]'),
        'fdb', coalesce(f.fdb, '[]'))
        -- Absent, not null, when the leaf's VXLAN device is routed by the kernel.
        || jsonb_strip_nulls(jsonb_build_object('underlay_port', leaf.underlay_port))
    FROM leaf
    LEFT JOIN vlans v ON v.leaf = leaf.name
    LEFT JOIN access_ports a ON a.leaf = leaf.name
    LEFT JOIN tagged_ports t ON t.leaf = leaf.name
    LEFT JOIN fdb f ON f.leaf = leaf.name
$$;
