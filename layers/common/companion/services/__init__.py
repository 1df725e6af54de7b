"""Use cases: each orchestrates domain logic through ports, knowing nothing of AWS."""
