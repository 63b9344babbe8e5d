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

-- GET /v1/hosts/{name}/desired (NULL for an unknown hypervisor).
CREATE FUNCTION plumb.host_desired(p_name text) RETURNS jsonb LANGUAGE sql STABLE AS $$
    WITH hv AS (
        SELECT h.*, s.generation FROM plumb.hypervisors h
        JOIN plumb.hosts s ON s.kind = 'hypervisor' AND s.name = h.name
        WHERE h.name = p_name
    ),
    mine AS (SELECT * FROM plumb.live_nics WHERE hypervisor = p_name),
    vnis AS (SELECT DISTINCT vni, allow_local, mtu FROM mine WHERE mechanism = 'virtio'),
    members AS (SELECT n.* FROM plumb.live_nics n WHERE n.vni IN (SELECT vni FROM vnis))
    SELECT jsonb_build_object(
        'host', hv.name,
        'generation', hv.generation,
        'vtep', jsonb_strip_nulls(jsonb_build_object('local_ip', host(hv.vtep_ip), 'underlay_nic', hv.underlay_nic,
                                                     'underlay_mtu', hv.underlay_mtu)),
        'networks', coalesce((
            SELECT jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
                       'vni', v.vni,
                       'isolated', NOT v.allow_local,
                       -- The network's one MTU, as the allocator stored it (NetworkMTU.swift).
                       'mtu', v.mtu,
                       'flood', coalesce((SELECT jsonb_agg(host(x.vtep) ORDER BY x.vtep)
                                          FROM (SELECT DISTINCT m.vtep FROM members m
                                                WHERE m.vni = v.vni AND m.vtep <> hv.vtep_ip) x), '[]'),
                       'fdb', coalesce((SELECT jsonb_agg(jsonb_build_object('mac', plumb.mac_text(m.mac), 'vtep', host(m.vtep))
                                                         ORDER BY m.mac)
                                        FROM members m
                                        WHERE m.vni = v.vni AND m.mac IS NOT NULL
                                          AND NOT (m.mechanism = 'virtio' AND m.hypervisor = p_name)), '[]'),
                       'taps', (SELECT jsonb_agg(jsonb_build_object('name', m.tap, 'mac', plumb.mac_text(m.mac),
                                                                    'materialization', m.materialization, 'vm', m.vm, 'nic', m.nic)
                                                 ORDER BY m.tap)
                                FROM mine m WHERE m.vni = v.vni AND m.mechanism = 'virtio')))
                   ORDER BY v.vni)
            FROM vnis v), '[]'),
        'pfs', coalesce((
            SELECT jsonb_agg(jsonb_build_object(
                       'name', hn.name, 'pci_address', hn.pci_address, 'num_vfs', hn.vf_limit,
                       'vfs', (SELECT jsonb_agg(jsonb_build_object(
                                          'index', m.vf_index, 'vlan', m.vlan, 'vlan_protocol', m.vlan_protocol,
                                          'mac', plumb.mac_text(m.mac), 'spoofcheck', true, 'trust', false,
                                          'link_state', 'auto', 'materialization', m.materialization,
                                          'vm', m.vm, 'nic', m.nic) ORDER BY m.vf_index)
                               FROM mine m WHERE m.mechanism = 'vfio' AND m.pf = hn.name))
                   ORDER BY hn.name)
            FROM plumb.host_nics hn
            WHERE hn.hypervisor = p_name
              AND EXISTS (SELECT 1 FROM mine m WHERE m.mechanism = 'vfio' AND m.pf = hn.name)), '[]'),
        'passthrough', coalesce((
            SELECT jsonb_agg(jsonb_build_object('name', m.pf, 'pci_address', m.pci_address,
                                                'materialization', m.materialization, 'vm', m.vm, 'nic', m.nic)
                             ORDER BY m.pf)
            FROM mine m WHERE m.mechanism = 'passthrough'), '[]'))
    FROM hv
$$;

-- GET /v1/leaves/{name}/desired (NULL for an unknown leaf).
CREATE FUNCTION plumb.leaf_desired(p_name text) RETURNS jsonb LANGUAGE sql STABLE AS $$
    WITH leaf AS (
        SELECT l.*, s.generation FROM plumb.leaves l
        JOIN plumb.hosts s ON s.kind = 'leaf' AND s.name = l.name
        WHERE l.name = p_name
    ),
    carried AS (
        SELECT v.vlan, n.vni
        FROM plumb.network_vlans v
        JOIN plumb.materializations m ON m.mid = v.mid AND m.state = 'active'
        JOIN plumb.networks n ON n.mid = v.mid AND n.name = v.network
        WHERE v.leaf = p_name
    ),
    behind AS (
        SELECT * FROM plumb.live_nics WHERE hypervisor_leaf = p_name AND mechanism <> 'virtio'
    ),
    members AS (SELECT n.* FROM plumb.live_nics n WHERE n.vni IN (SELECT vni FROM carried))
    SELECT jsonb_build_object(
        'leaf', leaf.name,
        'generation', leaf.generation,
        'vtep_ip', host(leaf.vtep_ip),
        'vlans', coalesce((
            SELECT jsonb_agg(jsonb_build_object(
                       'vlan', c.vlan, 'vni', c.vni,
                       'flood', coalesce((SELECT jsonb_agg(host(x.vtep) ORDER BY x.vtep)
                                          FROM (SELECT DISTINCT m.vtep FROM members m
                                                WHERE m.vni = c.vni AND m.vtep <> leaf.vtep_ip) x), '[]'))
                   ORDER BY c.vlan)
            FROM carried c), '[]'),
        'access_ports', coalesce((
            SELECT jsonb_agg(jsonb_build_object('port', b.leaf_port, 'vlan', b.vlan, 'hypervisor', b.hypervisor,
                                                'pci_address', b.pci_address) ORDER BY b.leaf_port)
            FROM behind b WHERE b.mechanism = 'passthrough'), '[]'),
        'tagged_ports', coalesce((
            SELECT jsonb_agg(jsonb_build_object('port', t.leaf_port, 'hypervisor', t.hypervisor, 'vlans', t.vlans)
                             ORDER BY t.leaf_port)
            FROM (SELECT b.leaf_port, b.hypervisor, jsonb_agg(DISTINCT b.vlan ORDER BY b.vlan) AS vlans
                  FROM behind b WHERE b.mechanism = 'vfio' GROUP BY b.leaf_port, b.hypervisor) t), '[]'),
        'fdb', coalesce((
            SELECT jsonb_agg(jsonb_strip_nulls(
                       CASE WHEN m.mechanism = 'vfio' AND m.hypervisor_leaf = p_name
                            THEN jsonb_build_object('vni', m.vni, 'mac', plumb.mac_text(m.mac), 'port', m.leaf_port, 'vlan', m.vlan)
                            ELSE jsonb_build_object('vni', m.vni, 'mac', plumb.mac_text(m.mac), 'vtep', host(m.vtep)) END)
                   ORDER BY m.vni, m.mac)
            FROM members m WHERE m.mac IS NOT NULL), '[]'))
    FROM leaf
$$;
