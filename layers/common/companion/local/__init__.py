"""The embedded default: the real handlers on embedded engines, no AWS, no keys, no Docker."""
