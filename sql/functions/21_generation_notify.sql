-- Generations only rise, and every rise is announced (LISTEN plumb_generation) in the same
-- transaction, as 'kind:name:generation'.
CREATE FUNCTION plumb.notify_generation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.generation < OLD.generation THEN
        RAISE EXCEPTION 'generation of % % may not go down (% -> %)', NEW.kind, NEW.name, OLD.generation, NEW.generation
            USING ERRCODE = 'check_violation';
    END IF;
    IF TG_OP = 'INSERT' OR NEW.generation > OLD.generation THEN
        PERFORM pg_notify('plumb_generation', NEW.kind || ':' || NEW.name || ':' || NEW.generation);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER hosts_generation AFTER INSERT OR UPDATE OF generation ON plumb.hosts
    FOR EACH ROW EXECUTE FUNCTION plumb.notify_generation();
