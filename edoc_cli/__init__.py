"""edoc: the command-line ticket desk of the E-DOC technical support service."""

__version__ = "0.1.0"
