-- VLAN use per leaf: every tag a leaf uses now (live or quarantined), for which network of which
-- materialization, and the VNI it maps to; then each leaf's pool totals.
SELECT v.leaf,
       v.vlan,
       n.vni,
       m.id AS materialization,
       v.network,
       CASE m.state WHEN 'active' THEN 'held' ELSE 'quarantined' END AS state
FROM plumb.network_vlans v
JOIN plumb.networks n ON n.mid = v.mid AND n.name = v.network
JOIN plumb.materializations m ON m.mid = v.mid
ORDER BY v.leaf, v.vlan;

SELECT scope AS leaf, size, allocated, quarantined, free
FROM plumb.pool_usage
WHERE pool = 'vlan'
ORDER BY scope;
