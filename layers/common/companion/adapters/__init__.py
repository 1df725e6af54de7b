"""One module per engine, each implementing a port (see ``companion.ports``)."""
