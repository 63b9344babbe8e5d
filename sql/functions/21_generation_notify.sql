-- Generations only rise, and every rise is announced (LISTEN plumb_generation) in the same
-- transaction, as 'kind:name:generation'. A statement that raises many hosts (a facility change of
-- thousands of hypervisors) announces them together: entries separated by spaces (host names have
-- none), a payload per 7,800 bytes (NOTIFY takes less than 8,000), rather than one NOTIFY per host.
CREATE FUNCTION plumb.check_generation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.generation < OLD.generation THEN
        RAISE EXCEPTION 'generation of % % may not go down (% -> %)', NEW.kind, NEW.name, OLD.generation, NEW.generation
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER hosts_generation_rises BEFORE UPDATE OF generation ON plumb.hosts
    FOR EACH ROW EXECUTE FUNCTION plumb.check_generation();

-- One pg_notify per chunk of the hosts the statement inserted or whose generation it raised.
CREATE FUNCTION plumb.announce_generations() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    v_entries text[];
    v_payload text;
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(n.kind || ':' || n.name || ':' || n.generation ORDER BY n.kind, n.name) INTO v_entries
        FROM new_rows n;
    ELSE
        -- The rows whose generation differs from before, which (hosts_generation_rises) means rose. A set
        -- difference, not a join: transition tables have no statistics, so a join of the two is planned as a
        -- nested loop, quadratic (1.3 s for 3,000 hosts raised at once).
        SELECT array_agg(c.kind || ':' || c.name || ':' || c.generation ORDER BY c.kind, c.name) INTO v_entries
        FROM (SELECT n.kind, n.name, n.generation FROM new_rows n
              EXCEPT ALL SELECT o.kind, o.name, o.generation FROM old_rows o) c;
    END IF;
    FOR v_payload IN
        SELECT string_agg(e.entry, ' ' ORDER BY e.ord)
        FROM (SELECT u.entry, u.ord, sum(length(u.entry) + 1) OVER (ORDER BY u.ord) / 7800 AS chunk
              FROM unnest(v_entries) WITH ORDINALITY u (entry, ord)) e
        GROUP BY e.chunk ORDER BY e.chunk
    LOOP
        PERFORM pg_notify('plumb_generation', v_payload);
    END LOOP;
    RETURN NULL;
END $$;
CREATE TRIGGER hosts_generation_inserted AFTER INSERT ON plumb.hosts
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION plumb.announce_generations();
CREATE TRIGGER hosts_generation_raised AFTER UPDATE ON plumb.hosts
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION plumb.announce_generations();
