-- PATCH /v1/facility (issue 13) changes the facility as last declared. A controller keeps the last declaration
-- it wrote, decoded, and knows it is still the current one by this revision, which plumb.put_facility draws anew
-- with every change of the document (another replica's included); otherwise it reads the document again. Drawn at
-- random rather than counted, so that no two documents share one, even across a database restored from a backup.
ALTER TABLE plumb.facility ADD COLUMN revision uuid NOT NULL DEFAULT gen_random_uuid();

-- The document of thousands of hypervisors is megabytes, written and read whole by every facility change:
-- lz4 compresses it several times faster than the default pglz (about 35 ms less per write at 3,000 hypervisors).
ALTER TABLE plumb.facility ALTER COLUMN document SET COMPRESSION lz4;
