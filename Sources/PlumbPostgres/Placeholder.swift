// PlumbPostgres: under construction.
