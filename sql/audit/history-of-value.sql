-- The whole history of one identifier, e.g. -v kind=mac -v value=02:00:00:00:00:07.
SELECT at, event, kind, value, scope, materialization, holder, actor
FROM plumb.allocation_history
WHERE kind = :'kind' AND value = :'value'
ORDER BY id;
