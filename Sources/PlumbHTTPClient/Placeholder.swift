// PlumbHTTPClient: under construction.
