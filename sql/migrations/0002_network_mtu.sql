-- One MTU per network (issue 14): the controller decides it when it allocates the network
-- (Sources/PlumbController/Allocation/NetworkMTU.swift, the rule's only definition) and stores it
-- here, so that desired states and answers read it instead of deriving it again. NULL for networks
-- allocated before this migration (their hosts keep their own underlay minus the VXLAN overhead).
ALTER TABLE plumb.networks ADD COLUMN mtu int CHECK (mtu BETWEEN 68 AND 65535);

-- The largest MTU a leaf switch passes for the networks it maps (its VF and passthrough members'
-- frames cross it, then its VTEP): NULL, no limit beyond the hypervisors'.
ALTER TABLE plumb.leaves ADD COLUMN mtu int CHECK (mtu BETWEEN 68 AND 65535);
