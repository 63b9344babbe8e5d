// PlumbAgentKit: under construction.
