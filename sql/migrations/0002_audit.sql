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

CREATE FUNCTION plumb.forbid_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% on %.% is not allowed: %', TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_ARGV[0]
        USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER allocation_history_append_only BEFORE UPDATE OR DELETE ON plumb.allocation_history
    FOR EACH ROW EXECUTE FUNCTION plumb.forbid_change('the allocation history is append-only');
CREATE TRIGGER allocation_history_no_truncate BEFORE TRUNCATE ON plumb.allocation_history
    FOR EACH STATEMENT EXECUTE FUNCTION plumb.forbid_change('the allocation history is append-only');

-- The identifiers each allocation row holds, as (kind, value, scope, holder). One definition
-- per table, used by the history triggers and by the views below alike.
CREATE FUNCTION plumb.mac_text(mac bigint) RETURNS text LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT regexp_replace(lpad(to_hex(mac), 12, '0'), '(..)(?!$)', '\1:', 'g')
$$;

CREATE FUNCTION plumb.mac_value(mac text) RETURNS bigint LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT ('x' || lpad(replace(lower(mac), ':', ''), 16, '0'))::bit(64)::bigint
$$;

-- r is the row of allocation table p_table as jsonb.
CREATE FUNCTION plumb.allocation_items(p_table text, r jsonb)
RETURNS TABLE (kind text, value text, scope text, holder text) LANGUAGE sql IMMUTABLE AS $$
    SELECT i.kind, i.value, i.scope, i.holder
    FROM (VALUES
        ('networks', 'vni', r->>'vni', '', 'network ' || (r->>'name')),
        ('network_vlans', 'vlan', r->>'vlan', r->>'leaf', 'network ' || (r->>'network')),
        ('vm_nics', 'mac', plumb.mac_text((r->>'mac')::bigint), '', (r->>'vm') || '/' || (r->>'nic')),
        ('vm_nics', 'tap', r->>'tap', r->>'hypervisor', (r->>'vm') || '/' || (r->>'nic')),
        ('vm_nics', 'vf', r->>'vf_index', (r->>'hypervisor') || '/' || (r->>'pf'), (r->>'vm') || '/' || (r->>'nic')),
        ('vm_nics', 'passthrough', CASE WHEN r->>'mechanism' = 'passthrough' THEN r->>'pf' END, r->>'hypervisor',
         (r->>'vm') || '/' || (r->>'nic'))
    ) AS i (tbl, kind, value, scope, holder)
    WHERE i.tbl = p_table AND i.value IS NOT NULL
$$;

-- Allocation rows never change in place: a value is allocated, released and freed, never edited.
CREATE TRIGGER networks_immutable BEFORE UPDATE ON plumb.networks
    FOR EACH ROW EXECUTE FUNCTION plumb.forbid_change('allocations are never edited');
CREATE TRIGGER network_vlans_immutable BEFORE UPDATE ON plumb.network_vlans
    FOR EACH ROW EXECUTE FUNCTION plumb.forbid_change('allocations are never edited');
CREATE TRIGGER vm_nics_immutable BEFORE UPDATE ON plumb.vm_nics
    FOR EACH ROW EXECUTE FUNCTION plumb.forbid_change('allocations are never edited');
CREATE TRIGGER networks_no_truncate BEFORE TRUNCATE ON plumb.networks
    FOR EACH STATEMENT EXECUTE FUNCTION plumb.forbid_change('allocations are freed row by row, with a record');
CREATE TRIGGER network_vlans_no_truncate BEFORE TRUNCATE ON plumb.network_vlans
    FOR EACH STATEMENT EXECUTE FUNCTION plumb.forbid_change('allocations are freed row by row, with a record');
CREATE TRIGGER vm_nics_no_truncate BEFORE TRUNCATE ON plumb.vm_nics
    FOR EACH STATEMENT EXECUTE FUNCTION plumb.forbid_change('allocations are freed row by row, with a record');
CREATE TRIGGER materializations_no_truncate BEFORE TRUNCATE ON plumb.materializations
    FOR EACH STATEMENT EXECUTE FUNCTION plumb.forbid_change('allocations are freed row by row, with a record');

-- The name of a materialization, also once its row is gone (freed by cascade).
CREATE FUNCTION plumb.materialization_name(p_mid bigint) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT coalesce((SELECT m.id FROM plumb.materializations m WHERE m.mid = p_mid),
                    (SELECT h.materialization FROM plumb.allocation_history h WHERE h.mid = p_mid LIMIT 1),
                    '#' || p_mid)
$$;

-- Allocated / freed: statement-level triggers with transition tables (one insert per statement,
-- however many rows).
CREATE FUNCTION plumb.record_allocations() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO plumb.allocation_history (event, kind, value, scope, materialization, mid, holder)
    SELECT CASE TG_OP WHEN 'INSERT' THEN 'allocated' ELSE 'freed' END, i.kind, i.value, i.scope,
           plumb.materialization_name(r.mid), r.mid, i.holder
    FROM changed r, LATERAL plumb.allocation_items(TG_TABLE_NAME, to_jsonb(r)) i;
    RETURN NULL;
END $$;

CREATE TRIGGER networks_allocated AFTER INSERT ON plumb.networks
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION plumb.record_allocations();
CREATE TRIGGER networks_freed AFTER DELETE ON plumb.networks
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION plumb.record_allocations();
CREATE TRIGGER network_vlans_allocated AFTER INSERT ON plumb.network_vlans
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION plumb.record_allocations();
CREATE TRIGGER network_vlans_freed AFTER DELETE ON plumb.network_vlans
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION plumb.record_allocations();
CREATE TRIGGER vm_nics_allocated AFTER INSERT ON plumb.vm_nics
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION plumb.record_allocations();
CREATE TRIGGER vm_nics_freed AFTER DELETE ON plumb.vm_nics
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION plumb.record_allocations();

-- Every identifier of a materialization, whatever table holds it.
CREATE VIEW plumb.materialization_items AS
    SELECT r.mid, i.* FROM plumb.networks r, LATERAL plumb.allocation_items('networks', to_jsonb(r)) i
    UNION ALL
    SELECT r.mid, i.* FROM plumb.network_vlans r, LATERAL plumb.allocation_items('network_vlans', to_jsonb(r)) i
    UNION ALL
    SELECT r.mid, i.* FROM plumb.vm_nics r, LATERAL plumb.allocation_items('vm_nics', to_jsonb(r)) i;

-- Released: the materialization was deleted; its identifiers are quarantined. (A row trigger, so
-- that the lookup by mid uses the indexes.)
CREATE FUNCTION plumb.record_release() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO plumb.allocation_history (event, kind, value, scope, materialization, mid, holder)
    SELECT 'released', i.kind, i.value, i.scope, NEW.id, NEW.mid, i.holder
    FROM plumb.materialization_items i
    WHERE i.mid = NEW.mid;
    RETURN NULL;
END $$;
CREATE TRIGGER materializations_released AFTER UPDATE OF state ON plumb.materializations
    FOR EACH ROW WHEN (OLD.state = 'active' AND NEW.state = 'released') EXECUTE FUNCTION plumb.record_release();

-- A materialization goes from active to released once; nothing else about it changes.
CREATE FUNCTION plumb.check_materialization_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT (OLD.state = 'active' AND NEW.state = 'released' AND NEW.mid = OLD.mid AND NEW.id = OLD.id
            AND NEW.spec = OLD.spec AND NEW.created_at = OLD.created_at) THEN
        RAISE EXCEPTION 'a materialization may only go from active to released' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER materializations_update BEFORE UPDATE ON plumb.materializations
    FOR EACH ROW EXECUTE FUNCTION plumb.check_materialization_update();

-- Every identifier held now, active or quarantined.
CREATE VIEW plumb.current_allocations AS
    SELECT i.kind, i.value, i.scope, m.id AS materialization, i.holder,
           CASE m.state WHEN 'active' THEN 'held' ELSE 'quarantined' END AS state,
           m.created_at AS allocated_at, m.released_at
    FROM plumb.materialization_items i JOIN plumb.materializations m ON m.mid = i.mid;

-- Per pool: values held by live materializations, values quarantined, values still free.
--   vni          one pool for the testbed (the vni_ranges minus reserved_vnis)
--   vlan         one pool per leaf (its range minus its reserved tags and those of every hypervisor behind it)
--   vf           one pool per PF (indices below its VF limit)
--   passthrough  one pool per hypervisor (its NICs that may be passed through)
--   mac          one pool for the testbed (02:00:00:00:00:01 … 02:ff:ff:ff:ff:ff; requested MACs elsewhere are not counted)
CREATE VIEW plumb.pool_usage AS
WITH vni_size AS (
    SELECT coalesce(sum(r.last - r.first + 1), 0)
           - (SELECT count(*) FROM plumb.reserved_vnis v
              WHERE EXISTS (SELECT 1 FROM plumb.vni_ranges r2 WHERE v.vni BETWEEN r2.first AND r2.last)) AS size
    FROM plumb.vni_ranges r
),
vlan_size AS (
    SELECT l.name AS scope,
           (l.vlan_last - l.vlan_first + 1)
           - (SELECT count(DISTINCT t) FROM (
                  SELECT unnest(l.reserved_vlans) AS t
                  UNION SELECT unnest(h.reserved_vlans) FROM plumb.hypervisors h WHERE h.leaf = l.name) r
              WHERE t BETWEEN l.vlan_first AND l.vlan_last) AS size
    FROM plumb.leaves l
),
pools AS (
    SELECT 'vni' AS pool, '' AS scope, (SELECT size FROM vni_size) AS size
    UNION ALL SELECT 'vlan', scope, size FROM vlan_size
    UNION ALL SELECT 'vf', hypervisor || '/' || name, vf_limit FROM plumb.host_nics WHERE vf_limit > 0
    UNION ALL SELECT 'passthrough', hypervisor, count(*) FROM plumb.host_nics WHERE passthrough GROUP BY hypervisor
    UNION ALL SELECT 'mac', '', 1099511627775
),
-- The same kinds and scopes as allocation_items, counted straight from the tables (this view is
-- read on every metrics scrape).
held AS (
    SELECT 'vni' AS pool, '' AS scope, n.mid FROM plumb.networks n
    UNION ALL SELECT 'vlan', v.leaf, v.mid FROM plumb.network_vlans v
    UNION ALL SELECT 'vf', n.hypervisor || '/' || n.pf, n.mid FROM plumb.vm_nics n WHERE n.mechanism = 'vfio'
    UNION ALL SELECT 'passthrough', n.hypervisor, n.mid FROM plumb.vm_nics n WHERE n.mechanism = 'passthrough'
    UNION ALL SELECT 'mac', '', n.mid FROM plumb.vm_nics n WHERE n.mac BETWEEN 2199023255553 AND 3298534883327
),
used AS (
    SELECT h.pool, h.scope,
           count(*) FILTER (WHERE m.state = 'active') AS allocated,
           count(*) FILTER (WHERE m.state = 'released') AS quarantined
    FROM held h JOIN plumb.materializations m ON m.mid = h.mid
    GROUP BY h.pool, h.scope
)
SELECT p.pool, p.scope, p.size,
       coalesce(u.allocated, 0) AS allocated,
       coalesce(u.quarantined, 0) AS quarantined,
       greatest(p.size - coalesce(u.allocated, 0) - coalesce(u.quarantined, 0), 0) AS free
FROM pools p LEFT JOIN used u ON u.pool = p.pool AND u.scope = p.scope;
