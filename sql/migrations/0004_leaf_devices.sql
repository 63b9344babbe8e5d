-- What a leaf switch's agent needs that the facility did not say before (issue 15): the names of the
-- VLAN-aware bridge and the VXLAN device Plumb makes on the leaf, the underlay port the VXLAN device
-- sends from (NULL: routed by the kernel), and the tag protocol of the leaf's ports. The controller
-- writes every column from the validated facility (Facility.Leaf states the defaults); the defaults
-- here only fill the leaves declared before this migration, then go.
ALTER TABLE plumb.leaves
    ADD COLUMN bridge        text NOT NULL DEFAULT 'plumbleaf' CHECK (length(bridge) BETWEEN 1 AND 15),
    ADD COLUMN vxlan_device  text NOT NULL DEFAULT 'plumbvx' CHECK (length(vxlan_device) BETWEEN 1 AND 15),
    ADD COLUMN underlay_port text CHECK (length(underlay_port) BETWEEN 1 AND 15),
    ADD COLUMN vlan_protocol text NOT NULL DEFAULT '802.1Q' CHECK (vlan_protocol IN ('802.1Q', '802.1ad')),
    ADD CHECK (bridge <> vxlan_device AND underlay_port NOT IN (bridge, vxlan_device));

ALTER TABLE plumb.leaves
    ALTER COLUMN bridge DROP DEFAULT,
    ALTER COLUMN vxlan_device DROP DEFAULT,
    ALTER COLUMN vlan_protocol DROP DEFAULT;
