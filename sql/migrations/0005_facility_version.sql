-- PATCH /v1/facility (issue 13) changes the facility as last declared. A controller keeps the last declaration
-- it wrote, decoded, and knows it is still the current one by this number, which plumb.put_facility raises
-- with every change of the document (another replica's included); otherwise it reads the document again.
ALTER TABLE plumb.facility ADD COLUMN version bigint NOT NULL DEFAULT 1 CHECK (version > 0);

-- The document of thousands of hypervisors is megabytes, written and read whole by every facility change:
-- lz4 compresses it several times faster than the default pglz (about 35 ms less per write at 3,000 hypervisors).
ALTER TABLE plumb.facility ALTER COLUMN document SET COMPRESSION lz4;
