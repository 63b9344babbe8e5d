-- The history triggers: every allocation, release and freeing of an identifier is written to
-- plumb.allocation_history (migrations/0001_tables.sql) by the database itself.

-- The identifiers an allocation row holds, as (kind, value, scope, holder): one definition per
-- table, used by the history triggers and the views alike.
--
-- Each is one plain SELECT in SQL, IMMUTABLE and not STRICT, so PostgreSQL inlines it into the query
-- that calls it: the triggers and views read the rows' columns directly, with no function call per
-- row. (They used to take each row as to_jsonb(r): the biggest single cost of a large materialization.)
CREATE FUNCTION plumb.network_items(r plumb.networks)
RETURNS TABLE (kind text, value text, scope text, holder text) LANGUAGE sql IMMUTABLE AS $$
    SELECT 'vni', r.vni::text, '', 'network ' || r.name
$$;

CREATE FUNCTION plumb.network_vlan_items(r plumb.network_vlans)
RETURNS TABLE (kind text, value text, scope text, holder text) LANGUAGE sql IMMUTABLE AS $$
    SELECT 'vlan', r.vlan::text, r.leaf, 'network ' || r.network
$$;

CREATE FUNCTION plumb.vm_nic_items(r plumb.vm_nics)
RETURNS TABLE (kind text, value text, scope text, holder text) LANGUAGE sql IMMUTABLE AS $$
    SELECT i.kind, i.value, i.scope, r.vm || '/' || r.nic
    FROM (VALUES ('mac', plumb.mac_text(r.mac), ''),
                 ('tap', r.tap, r.hypervisor),
                 ('vf', r.vf_index::text, r.hypervisor || '/' || r.pf),
                 ('passthrough', CASE WHEN r.mechanism = 'passthrough' THEN r.pf END, r.hypervisor)
         ) AS i (kind, value, scope)
    WHERE i.value IS NOT NULL
$$;

-- The name of a materialization whose row is gone: its rows were freed by a cascade from its
-- delete. Looked up only then; the history remembers it.
CREATE FUNCTION plumb.materialization_name(p_mid bigint) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT coalesce((SELECT h.materialization FROM plumb.allocation_history h WHERE h.mid = p_mid LIMIT 1), '#' || p_mid)
$$;

-- Allocated / freed: statement-level triggers with transition tables, one insert per statement
-- however many rows. One trigger function per table: a transition table's row is an anonymous
-- record, so only the function written for that table knows which items function reads it. The
-- materialization is named by one join (a row freed by a cascade from its materialization's delete
-- finds the name in its history instead).
CREATE FUNCTION plumb.record_networks_history() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO plumb.allocation_history (event, kind, value, scope, materialization, mid, holder)
    SELECT CASE TG_OP WHEN 'INSERT' THEN 'allocated' ELSE 'freed' END, i.kind, i.value, i.scope,
           coalesce(m.id, plumb.materialization_name(r.mid)), r.mid, i.holder
    FROM changed r
    LEFT JOIN plumb.materializations m ON m.mid = r.mid
    CROSS JOIN LATERAL plumb.network_items(r) i;
    RETURN NULL;
END $$;
CREATE TRIGGER networks_allocated AFTER INSERT ON plumb.networks
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION plumb.record_networks_history();
CREATE TRIGGER networks_freed AFTER DELETE ON plumb.networks
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION plumb.record_networks_history();

CREATE FUNCTION plumb.record_network_vlans_history() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO plumb.allocation_history (event, kind, value, scope, materialization, mid, holder)
    SELECT CASE TG_OP WHEN 'INSERT' THEN 'allocated' ELSE 'freed' END, i.kind, i.value, i.scope,
           coalesce(m.id, plumb.materialization_name(r.mid)), r.mid, i.holder
    FROM changed r
    LEFT JOIN plumb.materializations m ON m.mid = r.mid
    CROSS JOIN LATERAL plumb.network_vlan_items(r) i;
    RETURN NULL;
END $$;
CREATE TRIGGER network_vlans_allocated AFTER INSERT ON plumb.network_vlans
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION plumb.record_network_vlans_history();
CREATE TRIGGER network_vlans_freed AFTER DELETE ON plumb.network_vlans
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION plumb.record_network_vlans_history();

CREATE FUNCTION plumb.record_vm_nics_history() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO plumb.allocation_history (event, kind, value, scope, materialization, mid, holder)
    SELECT CASE TG_OP WHEN 'INSERT' THEN 'allocated' ELSE 'freed' END, i.kind, i.value, i.scope,
           coalesce(m.id, plumb.materialization_name(r.mid)), r.mid, i.holder
    FROM changed r
    LEFT JOIN plumb.materializations m ON m.mid = r.mid
    CROSS JOIN LATERAL plumb.vm_nic_items(r) i;
    RETURN NULL;
END $$;
CREATE TRIGGER vm_nics_allocated AFTER INSERT ON plumb.vm_nics
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION plumb.record_vm_nics_history();
CREATE TRIGGER vm_nics_freed AFTER DELETE ON plumb.vm_nics
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION plumb.record_vm_nics_history();

-- Every identifier of a materialization, whatever table holds it.
CREATE VIEW plumb.materialization_items AS
    SELECT r.mid, i.* FROM plumb.networks r CROSS JOIN LATERAL plumb.network_items(r) i
    UNION ALL
    SELECT r.mid, i.* FROM plumb.network_vlans r CROSS JOIN LATERAL plumb.network_vlan_items(r) i
    UNION ALL
    SELECT r.mid, i.* FROM plumb.vm_nics r CROSS JOIN LATERAL plumb.vm_nic_items(r) i;

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
