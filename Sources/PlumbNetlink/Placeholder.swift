// PlumbNetlink: under construction.
