-- MAC addresses are stored as 48-bit integers (vm_nics.mac); these convert them for people and
-- the wire, and bound the pool Plumb allocates from.

CREATE FUNCTION plumb.mac_text(mac bigint) RETURNS text LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT regexp_replace(lpad(to_hex(mac), 12, '0'), '(..)(?!$)', '\1:', 'g')
$$;

CREATE FUNCTION plumb.mac_value(mac text) RETURNS bigint LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT ('x' || lpad(replace(lower(mac), ':', ''), 16, '0'))::bit(64)::bigint
$$;

-- The MAC pool Plumb allocates from: locally administered unicast 02:xx:xx:xx:xx:xx.
CREATE FUNCTION plumb.mac_pool_first() RETURNS bigint LANGUAGE sql IMMUTABLE AS $$ SELECT 2199023255553::bigint $$;
CREATE FUNCTION plumb.mac_pool_last() RETURNS bigint LANGUAGE sql IMMUTABLE AS $$ SELECT 3298534883327::bigint $$;
