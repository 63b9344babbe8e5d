// PlumbController: under construction.
