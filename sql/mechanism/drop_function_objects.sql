-- Drops every function, view, trigger and composite type of schema plumb before the function files are run
-- again (ControllerStore.apply): all of them are the function files' (migrations hold tables only). Found
-- through the catalogs, so that an object a file no longer defines goes too. Tables, their constraints,
-- indexes, sequences and data are not touched; functions are dropped without CASCADE, so one that a table
-- still used (a default, a check) would stop the re-application instead of silently taking the table's
-- guarantee with it.
DO $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT t.tgname, c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
             WHERE c.relnamespace = 'plumb'::regnamespace AND NOT t.tgisinternal LOOP
        EXECUTE format('DROP TRIGGER %I ON plumb.%I', r.tgname, r.relname);
    END LOOP;
    -- CASCADE: views built on views; IF EXISTS: such a view may be gone already.
    FOR r IN SELECT c.relname FROM pg_class c
             WHERE c.relnamespace = 'plumb'::regnamespace AND c.relkind = 'v' LOOP
        EXECUTE format('DROP VIEW IF EXISTS plumb.%I CASCADE', r.relname);
    END LOOP;
    FOR r IN SELECT p.oid::regprocedure AS routine FROM pg_proc p
             WHERE p.pronamespace = 'plumb'::regnamespace LOOP
        EXECUTE format('DROP ROUTINE %s', r.routine);
    END LOOP;
    FOR r IN SELECT t.oid::regtype AS type FROM pg_type t JOIN pg_class c ON c.oid = t.typrelid
             WHERE t.typnamespace = 'plumb'::regnamespace AND c.relkind = 'c' LOOP
        EXECUTE format('DROP TYPE %s', r.type);
    END LOOP;
END $$;
