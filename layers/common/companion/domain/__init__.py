"""Pure domain logic: value objects and functions, no I/O, no AWS, time passed in."""
