"""Joint purchase business logic, one module per step; no Flask request objects here.

Locks: a joint purchase's row comes first, before every lock of ``mall.locks`` (commit,
withdraw, close and award all take it first), so commitments racing the close are either
in before it or refused after it, never lost.
"""
