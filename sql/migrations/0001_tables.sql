-- Plumb schema: the facility, the hosts and every identifier the controller hands out.
--
-- The constraints here are what make double allocation impossible, whatever the code above
-- them does:
--   * a VNI is unique in the testbed                       (networks.vni UNIQUE)
--   * a VLAN tag is unique per leaf, one per leaf+network  (network_vlans UNIQUE (leaf, vlan), PK (mid, network, leaf))
--   * a MAC is unique in the testbed                       (vm_nics.mac UNIQUE)
--   * a VF index is unique per PF                          (vm_nics UNIQUE (hypervisor, pf, vf_index))
--   * a passthrough PF is held by one NIC at most          (vm_nics_passthrough_pf partial UNIQUE)
--   * a tap name is unique per host, at most 15 characters (vm_nics UNIQUE (hypervisor, tap), CHECK)
-- A released materialization keeps its rows (state 'released') until every host that had its
-- identifiers has reported a generation without them: quarantined values stay inside the
-- unique constraints and so cannot be handed out again.
--
-- Migrations hold tables only (tables, columns, indexes, constraints, sequences): the functions,
-- views and triggers that work on them live in sql/functions/ and are re-applied whenever their
-- text changes (sql/README.md).

CREATE SCHEMA IF NOT EXISTS plumb;

-- Hosts: hypervisors and leaf switches, with their generation and what they last reported.
CREATE TABLE plumb.hosts (
    kind               text        NOT NULL CHECK (kind IN ('hypervisor', 'leaf')),
    name               text        NOT NULL,
    -- Raised in the same transaction as any change the host must apply.
    generation         bigint      NOT NULL DEFAULT 1 CHECK (generation >= 1),
    applied_generation bigint,
    last_seen          timestamptz,
    errors             jsonb       NOT NULL DEFAULT '[]',
    inventory          jsonb,
    agent_version      text,
    -- sha256 of the host's bearer token; the token itself is never stored.
    token_hash         bytea       UNIQUE,
    PRIMARY KEY (kind, name)
);

-- The facility document as last declared (GET /v1/facility answers it verbatim).
CREATE TABLE plumb.facility (
    singleton  boolean     PRIMARY KEY DEFAULT true CHECK (singleton),
    document   jsonb       NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    updated_by text        NOT NULL
);

CREATE TABLE plumb.vni_ranges (
    first int PRIMARY KEY,
    last  int NOT NULL,
    CHECK (1 <= first AND first <= last AND last <= 16777215)
);

CREATE TABLE plumb.reserved_vnis (
    vni int PRIMARY KEY CHECK (vni BETWEEN 1 AND 16777215)
);

CREATE TABLE plumb.leaves (
    name           text  PRIMARY KEY,
    kind           text  NOT NULL DEFAULT 'leaf' CHECK (kind = 'leaf'),
    vtep_ip        inet  NOT NULL UNIQUE DEFERRABLE INITIALLY DEFERRED,
    vlan_first     int   NOT NULL,
    vlan_last      int   NOT NULL,
    reserved_vlans int[] NOT NULL DEFAULT '{}',
    CHECK (2 <= vlan_first AND vlan_first <= vlan_last AND vlan_last <= 4094),
    FOREIGN KEY (kind, name) REFERENCES plumb.hosts (kind, name) ON DELETE CASCADE
);

CREATE TABLE plumb.hypervisors (
    name           text  PRIMARY KEY,
    kind           text  NOT NULL DEFAULT 'hypervisor' CHECK (kind = 'hypervisor'),
    vtep_ip        inet  NOT NULL UNIQUE DEFERRABLE INITIALLY DEFERRED,
    leaf           text  NOT NULL REFERENCES plumb.leaves (name),
    underlay_nic   text,
    underlay_mtu   int   NOT NULL,
    reserved_vlans int[] NOT NULL DEFAULT '{}',
    FOREIGN KEY (kind, name) REFERENCES plumb.hosts (kind, name) ON DELETE CASCADE
);

-- Physical NICs (PFs) of hypervisors.
CREATE TABLE plumb.host_nics (
    hypervisor      text    NOT NULL REFERENCES plumb.hypervisors (name) ON DELETE CASCADE,
    name            text    NOT NULL,
    pci_address     text    NOT NULL,
    leaf_port       text    NOT NULL,
    vf_limit        int     NOT NULL CHECK (vf_limit >= 0),
    may_mix         boolean NOT NULL,
    can_stack_vlans boolean NOT NULL,
    passthrough     boolean NOT NULL,
    PRIMARY KEY (hypervisor, name),
    -- Deferred, so that one facility document may swap addresses between NICs.
    UNIQUE (hypervisor, pci_address) DEFERRABLE INITIALLY DEFERRED
);

-- One row per PUT materialization. 'released' rows are quarantined: their allocations still
-- hold their values until every host in materialization_hosts has reported.
CREATE TABLE plumb.materializations (
    mid         bigserial   PRIMARY KEY,
    id          text        NOT NULL,
    spec        jsonb       NOT NULL,
    state       text        NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'released')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_by  text        NOT NULL,
    released_at timestamptz,
    released_by text,
    CHECK ((state = 'released') = (released_at IS NOT NULL))
);
CREATE UNIQUE INDEX materializations_active_id ON plumb.materializations (id) WHERE state = 'active';

-- Networks and their VNI.
CREATE TABLE plumb.networks (
    mid         bigint  NOT NULL REFERENCES plumb.materializations (mid) ON DELETE CASCADE,
    name        text    NOT NULL,
    ordinal     int     NOT NULL,
    vni         int     NOT NULL UNIQUE CHECK (vni BETWEEN 1 AND 16777215),
    allow_local boolean NOT NULL,
    guest_vlans boolean NOT NULL,
    PRIMARY KEY (mid, name)
);

-- The VLAN tag a network uses on one leaf (for its VF and passthrough NICs behind that leaf).
CREATE TABLE plumb.network_vlans (
    mid     bigint NOT NULL,
    network text   NOT NULL,
    leaf    text   NOT NULL REFERENCES plumb.leaves (name),
    vlan    int    NOT NULL CHECK (vlan BETWEEN 1 AND 4094),
    PRIMARY KEY (mid, network, leaf),
    UNIQUE (leaf, vlan),
    UNIQUE (mid, network, leaf, vlan),
    FOREIGN KEY (mid, network) REFERENCES plumb.networks (mid, name) ON DELETE CASCADE
);

-- VM NICs and their attachment. Exactly the columns of the mechanism are set.
CREATE TABLE plumb.vm_nics (
    mid           bigint NOT NULL,
    vm            text   NOT NULL,
    vm_ordinal    int    NOT NULL,
    nic           text   NOT NULL,
    nic_ordinal   int    NOT NULL,
    hypervisor    text   NOT NULL REFERENCES plumb.hypervisors (name),
    network       text   NOT NULL,
    mechanism     text   NOT NULL CHECK (mechanism IN ('virtio', 'vfio', 'passthrough')),
    -- 48-bit MAC as an integer: unicast (group bit clear), never zero.
    mac           bigint UNIQUE CHECK (mac BETWEEN 1 AND 281474976710655 AND (mac >> 40) & 1 = 0),
    tap           text   CHECK (char_length(tap) BETWEEN 1 AND 15),
    pf            text,
    vf_index      int    CHECK (vf_index >= 0),
    leaf          text,
    vlan          int,
    vlan_protocol text   CHECK (vlan_protocol IN ('802.1Q', '802.1ad')),
    PRIMARY KEY (mid, vm, nic),
    UNIQUE (hypervisor, tap),
    UNIQUE (hypervisor, pf, vf_index),
    FOREIGN KEY (mid, network) REFERENCES plumb.networks (mid, name) ON DELETE CASCADE,
    FOREIGN KEY (hypervisor, pf) REFERENCES plumb.host_nics (hypervisor, name),
    FOREIGN KEY (mid, network, leaf, vlan) REFERENCES plumb.network_vlans (mid, network, leaf, vlan),
    CHECK (CASE mechanism
        WHEN 'virtio' THEN mac IS NOT NULL AND tap IS NOT NULL AND pf IS NULL AND vf_index IS NULL
                           AND leaf IS NULL AND vlan IS NULL AND vlan_protocol IS NULL
        WHEN 'vfio' THEN mac IS NOT NULL AND tap IS NULL AND pf IS NOT NULL AND vf_index IS NOT NULL
                         AND leaf IS NOT NULL AND vlan IS NOT NULL AND vlan_protocol IS NOT NULL
        WHEN 'passthrough' THEN mac IS NULL AND tap IS NULL AND pf IS NOT NULL AND vf_index IS NULL
                                AND leaf IS NOT NULL AND vlan IS NOT NULL AND vlan_protocol IS NULL
    END)
);
CREATE UNIQUE INDEX vm_nics_passthrough_pf ON plumb.vm_nics (hypervisor, pf) WHERE mechanism = 'passthrough';
CREATE INDEX vm_nics_hypervisor ON plumb.vm_nics (hypervisor);
CREATE INDEX vm_nics_network ON plumb.vm_nics (mid, network);

-- The hosts each materialization touches: the generation that carries it (required_generation)
-- and, once released, the generation without it (release_generation). A released
-- materialization's row here is its quarantine hold on that host.
CREATE TABLE plumb.materialization_hosts (
    mid                 bigint NOT NULL REFERENCES plumb.materializations (mid) ON DELETE CASCADE,
    kind                text   NOT NULL,
    host                text   NOT NULL,
    required_generation bigint NOT NULL,
    release_generation  bigint,
    PRIMARY KEY (mid, kind, host),
    FOREIGN KEY (kind, host) REFERENCES plumb.hosts (kind, name)
);
CREATE INDEX materialization_hosts_host ON plumb.materialization_hosts (kind, host);

-- Audit: an append-only history of every allocation and release, written by triggers on the
-- allocation tables so that nothing can hand out, release or free an identifier without a record.
--
-- Events:  allocated  the value was handed to a materialization
--          released   the materialization was deleted; the value is quarantined
--          freed      every host reported (or an operator forced it): the value is back in its pool
-- Who:     the transaction's `plumb.actor` setting (SET LOCAL by the controller: 'cogs', 'admin',
--          'hypervisor:NAME' …), else the database user.

CREATE TABLE plumb.allocation_history (
    id              bigserial   PRIMARY KEY,
    at              timestamptz NOT NULL DEFAULT clock_timestamp(),
    event           text        NOT NULL CHECK (event IN ('allocated', 'released', 'freed')),
    kind            text        NOT NULL CHECK (kind IN ('vni', 'vlan', 'mac', 'tap', 'vf', 'passthrough')),
    value           text        NOT NULL,
    -- Where the value is unique: '' for the testbed, a leaf, a hypervisor, or 'hypervisor/pf'.
    scope           text        NOT NULL,
    materialization text        NOT NULL,
    mid             bigint      NOT NULL,
    -- What holds it: 'network NAME' or 'VM/NIC'.
    holder          text        NOT NULL,
    actor           text        NOT NULL DEFAULT coalesce(nullif(current_setting('plumb.actor', true), ''), current_user),
    txid            bigint      NOT NULL DEFAULT txid_current()
);
CREATE INDEX allocation_history_value ON plumb.allocation_history (kind, value, at);
CREATE INDEX allocation_history_materialization ON plumb.allocation_history (materialization);
-- A materialization's history is looked up by mid (its name once its row is gone, its holdings):
-- without this index that was a scan of the whole, ever-growing history per freed row
-- (plumb-bench materialize: 21 s to free 2,000 NICs with 30,000 history events).
CREATE INDEX allocation_history_mid ON plumb.allocation_history (mid);
