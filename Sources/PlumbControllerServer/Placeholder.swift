// PlumbControllerServer: under construction.
